package cn.gov.appeals.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.springframework.stereotype.Component;

/**
 * Variables a task's users must not read: a user task whose model names them in the extension property
 * {@code hiddenVariables} (comma-separated, Camunda Modeler: 扩展属性) gets, when it is created, a
 * task-local variable of each name holding null.
 *
 * <p>Why: a user who may read a task reads, through {@code /task/{id}/variables}, {@code
 * /task/{id}/form-variables} and Tasklist, every variable the task sees — its own and all of the appeal's.
 * Camunda's authorizations are per task and per instance, never per variable, so an assisting department
 * (配合单位, {@code Task_ProvideAssistOpinion}) would read the enterprise's contact person, phone and e-mail,
 * which only the lead department needs (spec §18; the notifications withhold the same fields and
 * documents from it). A local variable hides the appeal's one of the same name from every read through
 * the task (the variable and history queries show a department no variable of the appeal anyway); the
 * appeal's value stays as it was, and the workers, the office and history read the appeal's.
 *
 * <p>Runs as a built-in create listener, before the model's listeners and {@link TaskSummaryPlugin}
 * (whose list of the task's documents then leaves hidden File variables out).
 */
@Component
public class TaskVariableScreenPlugin extends AbstractProcessEnginePlugin {

  /** The extension property of a user task that names its hidden variables. */
  public static final String PROPERTY = "hiddenVariables";

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    EngineHooks.onEveryUserTask(configuration, (element, definition) -> {
      List<String> names = hiddenVariables(element);
      if (!names.isEmpty()) {
        definition.addBuiltInTaskListener(TaskListener.EVENTNAME_CREATE, task -> {
          for (String name : names) {
            task.setVariableLocal(name, null);
          }
        });
      }
    });
  }

  /** The names in the task's {@code <camunda:property name="hiddenVariables" value="a,b"/>}. */
  static List<String> hiddenVariables(Element userTask) {
    Element extensions = userTask.element("extensionElements");
    Element properties = extensions == null ? null : extensions.elementNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS, "properties");
    if (properties == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (Element property : properties.elementsNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS, "property")) {
      if (PROPERTY.equals(property.attribute("name")) && property.attribute("value") != null) {
        Arrays.stream(property.attribute("value").split(",")).map(String::strip).filter(s -> !s.isEmpty())
            .forEach(names::add);
      }
    }
    return List.copyOf(names);
  }
}

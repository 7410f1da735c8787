package cn.gov.appeals.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.Expression;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.bpmn.behavior.UserTaskActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.core.variable.CoreVariableInstance;
import org.camunda.bpm.engine.impl.db.DbEntity;
import org.camunda.bpm.engine.impl.db.entitymanager.cache.CachedDbEntity;
import org.camunda.bpm.engine.impl.db.entitymanager.cache.DbEntityState;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.camunda.bpm.engine.impl.persistence.entity.CamundaFormDefinitionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ResourceEntity;
import org.camunda.bpm.engine.impl.persistence.entity.TaskEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.camunda.bpm.engine.variable.type.ValueType;
import org.camunda.bpm.engine.variable.value.TypedValue;
import org.springframework.stereotype.Component;

/**
 * Text typed into a form is stored trimmed, whatever the channel (Tasklist's submit-form, REST's
 * complete): when a user task with a Camunda Form ({@code camunda:formRef}) completes, every text field
 * of that form ({@code textfield}, {@code textarea}; not disabled or read-only) whose variable was written
 * in this call loses the spaces, line breaks and invisible characters at both ends (Unicode white space
 * incl. U+3000 and no-break space, format characters such as U+200B and U+FEFF, control characters); the
 * characters between stay as typed. A required field ({@code validate.required}) left blank that way
 * (“   ”, “　”) is refused as a form validation error (HTTP 400 over REST, Tasklist shows it) with the
 * message ““字段名”为必填项，不能为空或只填空格”; the task stays open and nothing of the call is kept.
 *
 * <p>The fields come from the form deployed with the process (formRefBinding deployment), read once per
 * deployment. Values a worker or an earlier step wrote are not touched: only variables created or changed
 * by the completing call count (the engine's entity cache of the command knows which).
 */
@Component
public class FormTextPlugin extends AbstractProcessEnginePlugin {

  /** One text field of a form: variable name, label shown to the user, whether it must be filled. */
  record TextField(String key, String label, boolean required) {
  }

  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, List<TextField>> FIELDS = new ConcurrentHashMap<>();

  /** The refusal of a blank required field: a form validation error, HTTP 400 over REST. */
  static class BlankRequiredField extends FormFieldValidationException {
    BlankRequiredField(String key, String label) {
      super(key, "“" + label + "”为必填项，不能为空或只填空格");
    }
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    // the engine wraps what a task listener throws (ENGINE-03051, HTTP 500); unwrap our refusal again
    List<CommandInterceptor> interceptors = configuration.getCustomPreCommandInterceptorsTxRequired();
    if (interceptors == null) {
      interceptors = new ArrayList<>();
      configuration.setCustomPreCommandInterceptorsTxRequired(interceptors);
    }
    interceptors.add(new CommandInterceptor() {
      @Override
      public <T> T execute(Command<T> command) {
        try {
          return next.execute(command);
        } catch (ProcessEngineException e) {
          for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BlankRequiredField refusal) {
              throw refusal;
            }
          }
          throw e;
        }
      }
    });
    List<BpmnParseListener> listeners = configuration.getCustomPostBPMNParseListeners();
    if (listeners == null) {
      listeners = new ArrayList<>();
      configuration.setCustomPostBPMNParseListeners(listeners);
    }
    listeners.add(new AbstractBpmnParseListener() {
      @Override
      public void parseUserTask(Element userTaskElement, ScopeImpl scope, ActivityImpl activity) {
        if (activity.getActivityBehavior() instanceof UserTaskActivityBehavior behavior) {
          Expression formRef = behavior.getTaskDefinition().getCamundaFormDefinitionKey();
          String key = formRef == null ? null : formRef.getExpressionText();
          if (key != null && !key.contains("${") && !key.contains("#{")) {
            behavior.getTaskDefinition().addBuiltInTaskListener(TaskListener.EVENTNAME_COMPLETE,
                task -> trimTextFields(task, key));
          }
        }
      }
    });
  }

  static void trimTextFields(DelegateTask delegate, String formKey) {
    TaskEntity task = (TaskEntity) delegate;
    ExecutionEntity execution = task.getExecution();
    if (execution == null) {
      return;
    }
    CommandContext context = Context.getCommandContext();
    String deploymentId = execution.getProcessDefinition().getDeploymentId();
    List<TextField> fields = FIELDS.computeIfAbsent(deploymentId + "/" + formKey,
        ignored -> textFields(context, deploymentId, formKey));
    for (TextField field : fields) {
      CoreVariableInstance instance = task.getVariableInstance(field.key());
      if (instance == null || !writtenNow(context, instance)) {
        continue;
      }
      TypedValue value = instance.getTypedValue(false);
      if (value == null || value.getType() != ValueType.STRING || value.getValue() == null) {
        continue;
      }
      String typed = (String) value.getValue();
      String trimmed = trim(typed);
      if (field.required() && trimmed.isEmpty()) {
        throw new BlankRequiredField(field.key(), field.label());
      }
      if (!trimmed.equals(typed)) {
        task.setVariable(field.key(), trimmed);
      }
    }
  }

  /** Created or changed by the command now running (not a value an earlier step left). */
  static boolean writtenNow(CommandContext context, CoreVariableInstance instance) {
    if (!(instance instanceof DbEntity entity)) {
      return false;
    }
    CachedDbEntity cached = context.getDbEntityManager().getDbEntityCache().getCachedEntity(entity);
    return cached != null && (cached.getEntityState() == DbEntityState.TRANSIENT || cached.isDirty());
  }

  /** The text fields of the form `formKey` deployed in `deploymentId` (nested groups included). */
  static List<TextField> textFields(CommandContext context, String deploymentId, String formKey) {
    CamundaFormDefinitionEntity form = context.getCamundaFormDefinitionManager()
        .findDefinitionByDeploymentAndKey(deploymentId, formKey);
    if (form == null) {
      return List.of();
    }
    ResourceEntity resource = context.getResourceManager()
        .findResourceByDeploymentIdAndResourceName(deploymentId, form.getResourceName());
    List<TextField> found = new ArrayList<>();
    try {
      collect(JSON.readTree(new String(resource.getBytes(), StandardCharsets.UTF_8)), found);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("form " + formKey + " of deployment " + deploymentId + " is not JSON", e);
    }
    return List.copyOf(found);
  }

  static void collect(JsonNode node, List<TextField> found) {
    for (JsonNode component : node.path("components")) {
      String type = component.path("type").asText();
      String key = component.path("key").asText("");
      boolean editable = !component.path("disabled").asBoolean(false) && !component.path("readonly").asBoolean(false);
      if (("textfield".equals(type) || "textarea".equals(type)) && !key.isEmpty() && editable) {
        found.add(new TextField(key, component.path("label").asText(key),
            component.path("validate").path("required").asBoolean(false)));
      }
      collect(component, found);
    }
  }

  /** `text` without white space, format and control characters at both ends. */
  static String trim(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && blank(text.codePointAt(start))) {
      start += Character.charCount(text.codePointAt(start));
    }
    while (end > start && blank(text.codePointBefore(end))) {
      end -= Character.charCount(text.codePointBefore(end));
    }
    return text.substring(start, end);
  }

  static boolean blank(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)
        || Character.getType(codePoint) == Character.FORMAT || Character.isISOControl(codePoint);
  }
}

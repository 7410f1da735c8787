package cn.gov.appeals.engine;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.variable.VariableMap;
import org.camunda.bpm.engine.variable.type.ValueType;
import org.camunda.bpm.engine.variable.value.TypedValue;
import org.springframework.stereotype.Component;

/**
 * What a task is, on the task itself: when any user task is created, the engine copies the appeal's
 * registration number, enterprise and category label into task-local variables and writes the due
 * date in Chinese ("2026年12月7日 18:00"), plus the task's own id.
 *
 * <p>Why task-local: Tasklist's filter list shows the variables named in the filter's properties,
 * read with the engine's variable query, which lets a user read a task's own variables when they may
 * read the task, but the appeal's (process instance) variables only with READ on the instance. The
 * departments may read only the tasks given to them, so only task-local copies show in their list.
 * {@code taskId} lets a form link to the task's documents through Tasklist's own authenticated API
 * ({@code /camunda/api/engine/engine/default/task/{taskId}/variables/{name}/data}), which checks the
 * task's authorizations: the users who may work the task can download, nobody else.
 *
 * <p>Names (process variable → task-local variable): registrationNumber → taskNumber, enterpriseName →
 * taskEnterprise, categoryLabel → taskCategory; the due date → taskDue ("2026年12月7日 18:00") and
 * taskDueDay ("2026-12-07", for the forms' count of working days left); the names of the File
 * variables the task can see → taskDocuments ("dispatchDocument,registrationDocument", so a form
 * offers the PDF copy only where one was made). Missing values are skipped (tasks of the bulletin and
 * meeting processes have no appeal).
 */
@Component
public class TaskSummaryPlugin extends AbstractProcessEnginePlugin {

  static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  static final Map<String, String> COPIED = Map.of(
      "registrationNumber", "taskNumber",
      "enterpriseName", "taskEnterprise",
      "categoryLabel", "taskCategory");

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    EngineHooks.onEveryUserTask(configuration,
        (element, task) -> task.addTaskListener(TaskListener.EVENTNAME_CREATE, SUMMARY));
  }

  /** "2026年12月7日 18:00" in Asia/Shanghai. */
  static String chineseDateTime(Date date) {
    ZonedDateTime t = date.toInstant().atZone(SHANGHAI);
    return String.format("%d年%d月%d日 %02d:%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
        t.getHour(), t.getMinute());
  }

  static final TaskListener SUMMARY = (DelegateTask task) -> {
    task.setVariableLocal("taskId", task.getId());
    COPIED.forEach((from, to) -> {
      Object value = task.getVariable(from);
      if (value != null) {
        task.setVariableLocal(to, value);
      }
    });
    if (task.getDueDate() != null) {
      task.setVariableLocal("taskDue", chineseDateTime(task.getDueDate()));
      task.setVariableLocal("taskDueDay", task.getDueDate().toInstant().atZone(SHANGHAI).toLocalDate().toString());
    }
    List<String> files = new ArrayList<>();
    VariableMap variables = task.getVariablesTyped(false);
    for (String name : variables.keySet()) {
      TypedValue value = variables.getValueTyped(name);
      if (value != null && value.getType() == ValueType.FILE) {
        files.add(name);
      }
    }
    task.setVariableLocal("taskDocuments", String.join(",", files.stream().sorted().toList()));
  };
}

package cn.gov.appeals.engine;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.delegate.Expression;
import org.camunda.bpm.engine.impl.MessageCorrelationBuilderImpl;
import org.camunda.bpm.engine.impl.ProcessInstanceModificationBuilderImpl;
import org.camunda.bpm.engine.impl.ProcessInstantiationBuilderImpl;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.AbstractCorrelateMessageCmd;
import org.camunda.bpm.engine.impl.cmd.AbstractInstantiationCmd;
import org.camunda.bpm.engine.impl.cmd.AbstractPatchVariablesCmd;
import org.camunda.bpm.engine.impl.cmd.AbstractRemoveVariableCmd;
import org.camunda.bpm.engine.impl.cmd.AbstractSetVariableCmd;
import org.camunda.bpm.engine.impl.cmd.CompleteExternalTaskCmd;
import org.camunda.bpm.engine.impl.cmd.EvaluateStartConditionCmd;
import org.camunda.bpm.engine.impl.cmd.GetDeployedProcessDefinitionCmd;
import org.camunda.bpm.engine.impl.cmd.HandleExternalTaskBpmnErrorCmd;
import org.camunda.bpm.engine.impl.cmd.ModifyProcessInstanceCmd;
import org.camunda.bpm.engine.impl.cmd.ResolveTaskCmd;
import org.camunda.bpm.engine.impl.cmd.SignalCmd;
import org.camunda.bpm.engine.impl.cmd.SignalEventReceivedCmd;
import org.camunda.bpm.engine.impl.cmd.StartProcessInstanceAtActivitiesCmd;
import org.camunda.bpm.engine.impl.cmd.StartProcessInstanceCmd;
import org.camunda.bpm.engine.impl.cmd.SubmitStartFormCmd;
import org.camunda.bpm.engine.impl.cmd.batch.variables.SetVariablesToProcessInstancesBatchCmd;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.form.FormDefinition;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.springframework.stereotype.Component;

/**
 * A user writes an appeal's variables only through a form: starting a process, the start form's fields;
 * completing a task, the task form's ({@link FormTextPlugin}); nothing else.
 *
 * <p>For a user who is not a technical account (the groups {@link #TECHNICAL_GROUPS}: the workers, who also
 * feed the 12345 hotline and the meetings in; the public pages) nor an administrator (camunda-admin):
 * <ul>
 * <li>starting a process (REST {@code /process-definition/…/start}, {@code …/submit-form}, Tasklist's
 * 发起流程) may carry only the fields of the process's start form (its Camunda Form, {@code camunda:formRef});
 * a process without one is started without variables; a start at chosen activities (start instructions) is
 * refused;</li>
 * <li>message correlation ({@code /message}), signals ({@code /signal}, {@code /execution/{id}/signal}) and
 * conditional starts ({@code /condition}) may carry no variables;</li>
 * <li>setting, changing or deleting variables directly ({@code /process-instance/{id}/variables},
 * {@code /execution/{id}/localVariables}, {@code /task/{id}/variables}, {@code /variables/…} batches), a
 * modification or an external task's completion with variables, and resolving a delegated task with
 * variables are refused.</li>
 * </ul>
 * Each refusal is an {@link AuthorizationException} (HTTP 403 over REST) whose message, in Chinese, names
 * the refused variables; nothing of the call is kept.
 *
 * <p>Why: the engine's authorizations decide who may start or update an instance, never which variables;
 * the office could start an appeal with {@code leadDepartment}, {@code county} or {@code tenantId} of its
 * choosing (tester 3, N13). Code running inside a process (authorization checks off) and the engine's own
 * jobs (no user) are not concerned.
 */
@Component
public class StartFormVariablesPlugin extends AbstractProcessEnginePlugin {

  /**
   * Groups of the technical users who write variables by design (appeals.org.chart WORKER_GROUP,
   * PUBLIC_GROUP; tests/static keep the two the same).
   */
  static final Set<String> TECHNICAL_GROUPS = Set.of("workers", "public-channel");

  /** The refusal (HTTP 403). */
  public static final class VariablesRefused extends AuthorizationException {
    private static final long serialVersionUID = 1L;

    VariablesRefused(String message) {
      super(message);
    }
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    EngineHooks.insideCommandContext(configuration, new CommandInterceptor() {
      @Override
      public <T> T execute(Command<T> command) {
        CommandContext context = Context.getCommandContext();
        if (concerned(context)) {
          check(context, command);
        }
        return next.execute(command);
      }
    });
  }

  /** Whether the command runs for a staff user (not technical, not admin) with authorization checks on. */
  static boolean concerned(CommandContext context) {
    if (context == null || !context.isAuthorizationCheckEnabled()) {
      return false;
    }
    Authentication authentication = context.getAuthentication();
    if (authentication == null || authentication.getUserId() == null) {
      return false;
    }
    List<String> groups = authentication.getGroupIds();
    if (groups != null && groups.stream().anyMatch(TECHNICAL_GROUPS::contains)) {
      return false;
    }
    return !context.getAuthorizationManager().isCamundaAdmin(authentication);
  }

  static void check(CommandContext context, Object command) {
    if (command instanceof SubmitStartFormCmd start) {
      String definitionId = (String) field(start, "processDefinitionId");
      ProcessDefinitionEntity definition = context.getProcessEngineConfiguration().getDeploymentCache()
          .findDeployedProcessDefinitionById(definitionId);
      checkStart(context, definition, (Map<?, ?>) field(start, "variables"));
    } else if (command instanceof StartProcessInstanceAtActivitiesCmd) {
      throw new VariablesRefused("不能从指定环节发起流程：流程只能从开始事件发起（发起时只能提交登记表等发起表单中的字段）");
    } else if (command instanceof StartProcessInstanceCmd start) {
      ProcessInstantiationBuilderImpl builder = (ProcessInstantiationBuilderImpl) field(start, "instantiationBuilder");
      ProcessDefinitionEntity definition = new GetDeployedProcessDefinitionCmd(builder, false).execute(context);
      checkStart(context, definition, builder.getVariables());
    } else if (command instanceof AbstractCorrelateMessageCmd correlate) {
      MessageCorrelationBuilderImpl builder = (MessageCorrelationBuilderImpl) field(correlate, "builder");
      SortedSet<String> names = names(builder.getPayloadProcessInstanceVariables());
      names.addAll(names(builder.getPayloadProcessInstanceVariablesLocal()));
      names.addAll(names(builder.getPayloadProcessInstanceVariablesToTriggeredScope()));
      refuseAny(names, "消息（/message）");
    } else if (command instanceof SignalEventReceivedCmd || command instanceof EvaluateStartConditionCmd) {
      Object builder = field(command, "builder");
      refuseAny(names((Map<?, ?>) invoke(builder)), "信号或条件（/signal、/condition）");
    } else if (command instanceof SignalCmd) {
      refuseAny(names((Map<?, ?>) field(command, "processVariables")), "信号（/execution/{id}/signal）");
    } else if (command instanceof AbstractSetVariableCmd || command instanceof AbstractPatchVariablesCmd
        || command instanceof AbstractRemoveVariableCmd || command instanceof SetVariablesToProcessInstancesBatchCmd) {
      SortedSet<String> names = new TreeSet<>();
      for (String name : List.of("variables", "variableNames", "modifications", "deletions")) {
        Object value = field(command, name);
        if (value instanceof Map<?, ?> map) {
          names.addAll(names(map));
        } else if (value instanceof Collection<?> list) {
          list.forEach(v -> names.add(String.valueOf(v)));
        }
      }
      if (names.isEmpty()) {
        names.add("（变量）");
      }
      throw new VariablesRefused("不能直接写入或删除诉求的变量：" + String.join("、", names)
          + "（只能通过任务表单或发起表单填写；需要更正时请联系系统管理员）");
    } else if (command instanceof ModifyProcessInstanceCmd modify) {
      ProcessInstanceModificationBuilderImpl builder = (ProcessInstanceModificationBuilderImpl) field(modify, "builder");
      SortedSet<String> names = new TreeSet<>();
      for (Object operation : builder.getModificationOperations()) {
        if (operation instanceof AbstractInstantiationCmd instantiation) {
          names.addAll(names((Map<?, ?>) field(instantiation, "variables")));
          names.addAll(names((Map<?, ?>) field(instantiation, "variablesLocal")));
        }
      }
      refuseAny(names, "流程实例修改");
    } else if (command instanceof ResolveTaskCmd || command instanceof CompleteExternalTaskCmd
        || command instanceof HandleExternalTaskBpmnErrorCmd) {
      SortedSet<String> names = names((Map<?, ?>) field(command, "variables"));
      names.addAll(names((Map<?, ?>) field(command, "localVariables")));
      refuseAny(names, command instanceof ResolveTaskCmd ? "委托任务的办结" : "外部任务");
    }
  }

  /**
   * Starting `definition` with `variables`: each must be a field of its start form (the Camunda Form of
   * {@code camunda:formRef}; {@link FormTextPlugin#formFields}); none when it has none. A field with fixed
   * options (select, radio, checklist, taglist; options from a variable too) must hold one of them
   * ({@link FormTextPlugin#refuseValuesNotInOptions}), a number field a number within its limits
   * ({@link FormTextPlugin#refuseNumbersOutOfLimits}): a form validation error, HTTP 400.
   */
  static void checkStart(CommandContext context, ProcessDefinitionEntity definition, Map<?, ?> variables) {
    SortedSet<String> names = names(variables);
    if (names.isEmpty() || definition == null) {
      return;
    }
    Set<String> allowed = new TreeSet<>();
    FormDefinition start = definition.getStartFormDefinition();
    Expression formRef = start == null ? null : start.getCamundaFormDefinitionKey();
    String formKey = formRef == null ? null : formRef.getExpressionText();
    List<FormTextPlugin.FormField> fields = List.of();
    if (formKey != null && !formKey.contains("${") && !formKey.contains("#{")) {
      fields = FormTextPlugin.formFields(context, definition.getDeploymentId(), formKey);
      fields.forEach(field -> allowed.add(field.key()));
    }
    names.removeAll(allowed);
    if (!names.isEmpty()) {
      throw new VariablesRefused("发起流程时只能提交发起表单中的字段，不能提交：" + String.join("、", names)
          + (allowed.isEmpty() ? "（本流程没有发起表单，发起时不能提交变量）" : "（其余内容由系统在登记后生成）"));
    }
    java.util.function.Function<String, java.util.Optional<FormTextPlugin.Written>> written =
        key -> variables.containsKey(key)
            ? java.util.Optional.of(new FormTextPlugin.Written(valueOf(variables.get(key))))
            : java.util.Optional.empty();
    FormTextPlugin.refuseValuesNotInOptions(fields, written, key -> valueOf(variables.get(key)));
    FormTextPlugin.refuseNumbersOutOfLimits(fields, written);
  }

  /** A start variable's value: the value of a typed value (REST sends typed values), or the value itself. */
  static Object valueOf(Object value) {
    return value instanceof org.camunda.bpm.engine.variable.value.TypedValue typed ? typed.getValue() : value;
  }

  static void refuseAny(SortedSet<String> names, String channel) {
    if (!names.isEmpty()) {
      throw new VariablesRefused("不能通过" + channel + "写入诉求的变量：" + String.join("、", names)
          + "（只能通过任务表单或发起表单填写）");
    }
  }

  static SortedSet<String> names(Map<?, ?> variables) {
    SortedSet<String> names = new TreeSet<>();
    if (variables != null) {
      variables.keySet().forEach(k -> names.add(String.valueOf(k)));
    }
    return names;
  }

  /** The builder's {@code getVariables()} (signal and condition builders). */
  static Object invoke(Object builder) {
    if (builder == null) {
      return null;
    }
    try {
      return builder.getClass().getMethod("getVariables").invoke(builder);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Camunda's builder changed: " + e, e);
    }
  }

  /** The value of the field `name` declared by the object's class or a superclass; null when none has it. */
  static Object field(Object target, String name) {
    for (Class<?> type = target.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      try {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(target);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Camunda's command changed: " + e, e);
      }
    }
    return null;
  }
}

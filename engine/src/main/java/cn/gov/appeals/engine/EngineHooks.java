package cn.gov.appeals.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import org.camunda.bpm.engine.impl.bpmn.behavior.UserTaskActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.task.TaskDefinition;
import org.camunda.bpm.engine.impl.util.xml.Element;

/**
 * The two ways our plugins hook into the engine, written once: a hook on every user task of every
 * deployed model (a post BPMN parse listener; the hook gets the task's XML element and its task
 * definition, to add listeners to), and a command interceptor before or after the engine's command
 * context interceptor. Each appends to the engine configuration's list, creating it when no plugin has yet.
 */
final class EngineHooks {

  private EngineHooks() {
  }

  /** Call {@code hook(element, taskDefinition)} for every user task when a model is deployed or parsed. */
  static void onEveryUserTask(ProcessEngineConfigurationImpl configuration,
      BiConsumer<Element, TaskDefinition> hook) {
    List<BpmnParseListener> listeners = configuration.getCustomPostBPMNParseListeners();
    if (listeners == null) {
      listeners = new ArrayList<>();
      configuration.setCustomPostBPMNParseListeners(listeners);
    }
    listeners.add(new AbstractBpmnParseListener() {
      @Override
      public void parseUserTask(Element userTaskElement, ScopeImpl scope, ActivityImpl activity) {
        if (activity.getActivityBehavior() instanceof UserTaskActivityBehavior behavior) {
          hook.accept(userTaskElement, behavior.getTaskDefinition());
        }
      }
    });
  }

  /** A command interceptor before the command context exists (it sees what the command throws, wrapped or not). */
  static void beforeCommandContext(ProcessEngineConfigurationImpl configuration, CommandInterceptor interceptor) {
    List<CommandInterceptor> interceptors = configuration.getCustomPreCommandInterceptorsTxRequired();
    if (interceptors == null) {
      interceptors = new ArrayList<>();
      configuration.setCustomPreCommandInterceptorsTxRequired(interceptors);
    }
    interceptors.add(interceptor);
  }

  /** A command interceptor inside the command context (user, authorizations, nested commands). */
  static void insideCommandContext(ProcessEngineConfigurationImpl configuration, CommandInterceptor interceptor) {
    List<CommandInterceptor> interceptors = configuration.getCustomPostCommandInterceptorsTxRequired();
    if (interceptors == null) {
      interceptors = new ArrayList<>();
      configuration.setCustomPostCommandInterceptorsTxRequired(interceptors);
    }
    interceptors.add(interceptor);
  }
}

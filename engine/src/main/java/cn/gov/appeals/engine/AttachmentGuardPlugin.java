package cn.gov.appeals.engine;

import java.util.Set;
import java.util.function.Supplier;

import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.CreateAttachmentCmd;
import org.camunda.bpm.engine.impl.cmd.DeleteAttachmentCmd;
import org.camunda.bpm.engine.impl.cmd.GetAttachmentCmd;
import org.camunda.bpm.engine.impl.cmd.GetAttachmentContentCmd;
import org.camunda.bpm.engine.impl.cmd.GetProcessInstanceAttachmentsCmd;
import org.camunda.bpm.engine.impl.cmd.GetTaskAttachmentCmd;
import org.camunda.bpm.engine.impl.cmd.GetTaskAttachmentContentCmd;
import org.camunda.bpm.engine.impl.cmd.GetTaskAttachmentsCmd;
import org.camunda.bpm.engine.impl.cmd.SaveAttachmentCmd;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.springframework.stereotype.Component;

/**
 * Task attachments only through {@link TaskAttachmentController} (docs/attachments.md).
 *
 * <p>Camunda 7's attachment commands check no authorization at all: any logged-in user who knows (or
 * lists) a task id could read, add or delete its attachments through the stock REST API
 * ({@code /task/{id}/attachment…}, in /engine-rest and in the webapps' /camunda/api/engine), another
 * county's included. This plugin refuses every attachment command run for a logged-in user other than
 * an administrator ({@code camunda-admin}) unless {@link TaskAttachmentController} runs it, after its own
 * checks (the task's assignee uploads; only users who may see the appeal list and download). Commands run
 * without a logged-in user (the workers' code inside the engine, jobs) pass.
 */
@Component
public class AttachmentGuardPlugin extends AbstractProcessEnginePlugin {

  static final Set<Class<?>> ATTACHMENT_COMMANDS = Set.of(CreateAttachmentCmd.class, DeleteAttachmentCmd.class,
      GetAttachmentCmd.class, GetAttachmentContentCmd.class, GetProcessInstanceAttachmentsCmd.class, GetTaskAttachmentCmd.class, GetTaskAttachmentContentCmd.class,
      GetTaskAttachmentsCmd.class, SaveAttachmentCmd.class);

  private static final ThreadLocal<Boolean> CHECKED = ThreadLocal.withInitial(() -> false);

  /** Run {@code action} (attachment commands the caller has checked) past the guard. */
  static <T> T checked(Supplier<T> action) {
    boolean before = CHECKED.get();
    CHECKED.set(true);
    try {
      return action.get();
    } finally {
      CHECKED.set(before);
    }
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    EngineHooks.insideCommandContext(configuration, new CommandInterceptor() {
      @Override
      public <T> T execute(Command<T> command) {
        if (ATTACHMENT_COMMANDS.contains(command.getClass()) && !CHECKED.get()) {
          Authentication user = Context.getCommandContext().getAuthentication();
          if (user != null && user.getUserId() != null
              && (user.getGroupIds() == null || !user.getGroupIds().contains(Groups.CAMUNDA_ADMIN))) {
            throw new AuthorizationException("附件只能在任务列表的“附件”页上传和查看（无权直接调用附件接口）。");
          }
        }
        return next.execute(command);
      }
    });
  }
}

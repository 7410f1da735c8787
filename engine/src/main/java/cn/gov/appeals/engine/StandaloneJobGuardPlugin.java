package cn.gov.appeals.engine;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.db.sql.DbSqlSessionFactory;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.camunda.bpm.engine.impl.persistence.entity.HistoricJobLogEventEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobDefinitionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.springframework.stereotype.Component;

/**
 * The engine's own jobs are the administrators' alone: any command of the engine that names a job or a
 * job definition belonging to no process definition (the history cleanup job, batch seed / monitor /
 * execution jobs and their job definitions) is refused with HTTP 403 and “只有系统管理员可以操作引擎自身的作业…”
 * unless the user is an administrator (camunda-admin).
 *
 * <p>Why: Camunda CE checks a job command (set retries, due date, priority, suspend / activate, execute,
 * delete, recalculate the due date, read the stack trace) against the job's process definition and skips
 * the check when the job has none, so any logged-in user could suspend, reschedule or delete the history
 * cleanup job and turn the retention of {@code HISTORY_TTL} off (tester 3, N3).
 *
 * <p>The kind, not the case: every command whose object carries a {@code jobId}, {@code jobIds} or
 * {@code jobDefinitionId} field (REST {@code /job/…}, {@code /job-definition/…}; the Java API) is checked,
 * whatever its name; a job of a process (timers, async continuations) stays under the engine's own
 * authorization (an operator's retry of a failed job in Cockpit works as before). The engine's job executor
 * runs without a user and is not concerned, nor is code running inside a process (authorization checks off).
 *
 * <p>Reading them too: Camunda CE's job list (REST {@code /job}, {@code /job/count}, {@code /job/{id}}) and job
 * log ({@code /history/job-log}) let every row of a job of no process through the authorization check. The
 * mapping {@code JobQuery.xml} (generated from the engine's own {@code Job.xml} and {@code HistoricJobLog.xml}
 * by tools/task_query_mapping.py, every criterion kept) drops only that exception, so such a row is listed
 * only where the engine checks no authorization (administrators, the engine itself); the stack trace of
 * such a log entry ({@code historicJobLogId}) is refused as above. A job of a process is listed as the
 * engine's authorizations allow (READ on its instance or READ_INSTANCE on its definition, and the tenant).
 */
@Component
public class StandaloneJobGuardPlugin extends AbstractProcessEnginePlugin {

  /** The refusal: an {@link AuthorizationException}, HTTP 403 over REST. */
  public static final class EngineJobRefused extends AuthorizationException {
    private static final long serialVersionUID = 1L;

    EngineJobRefused(String user, String what) {
      super("只有系统管理员可以操作引擎自身的作业（历史数据清理、批处理等不属于任何流程的作业）：用户“" + user
          + "”不能操作" + what);
    }
  }

  static final String MAPPING = "cn/gov/appeals/engine/JobQuery.xml";
  static final String NAMESPACE = "cn.gov.appeals.engine.JobQuery";
  static final String[] STATEMENTS = {"selectJobByQueryCriteria", "selectJobCountByQueryCriteria",
    "selectHistoricJobLogByQueryCriteria", "selectHistoricJobLogCountByQueryCriteria"};

  @Override
  public void postInit(ProcessEngineConfigurationImpl configuration) {
    TaskQueryPlugin.parse(configuration.getSqlSessionFactory().getConfiguration(), MAPPING);
    DbSqlSessionFactory sessions = configuration.getDbSqlSessionFactory();
    // a copy: the engine's map is shared by every engine of this database type in the JVM
    Map<String, String> mappings = sessions.getStatementMappings() == null
        ? new HashMap<>() : new HashMap<>(sessions.getStatementMappings());
    TaskQueryPlugin.map(mappings, NAMESPACE, STATEMENTS);
    sessions.setStatementMappings(mappings);
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    EngineHooks.insideCommandContext(configuration, new CommandInterceptor() {
      @Override
      public <T> T execute(Command<T> command) {
        check(Context.getCommandContext(), command);
        return next.execute(command);
      }
    });
  }

  static void check(CommandContext context, Object command) {
    if (context == null || !context.isAuthorizationCheckEnabled() || !isEngineCommand(command)) {
      return;
    }
    Authentication authentication = context.getAuthentication();
    if (authentication == null || authentication.getUserId() == null) {
      return;
    }
    List<String> jobIds = new ArrayList<>();
    List<String> definitionIds = new ArrayList<>();
    List<String> logIds = new ArrayList<>();
    collect(command, jobIds, definitionIds, logIds);
    if (jobIds.isEmpty() && definitionIds.isEmpty() && logIds.isEmpty()) {
      return;
    }
    if (context.getAuthorizationManager().isCamundaAdmin(authentication)) {
      return;
    }
    for (String id : jobIds) {
      JobEntity job = context.getJobManager().findJobById(id);
      if (job != null && job.getProcessDefinitionId() == null && job.getProcessDefinitionKey() == null) {
        throw new EngineJobRefused(authentication.getUserId(), "作业 " + id);
      }
    }
    for (String id : logIds) {
      HistoricJobLogEventEntity entry = context.getHistoricJobLogManager().findHistoricJobLogById(id);
      if (entry != null && entry.getProcessDefinitionId() == null && entry.getProcessDefinitionKey() == null) {
        throw new EngineJobRefused(authentication.getUserId(), "作业日志 " + id);
      }
    }
    for (String id : definitionIds) {
      JobDefinitionEntity definition = context.getJobDefinitionManager().findById(id);
      if (definition != null && definition.getProcessDefinitionId() == null
          && definition.getProcessDefinitionKey() == null) {
        throw new EngineJobRefused(authentication.getUserId(), "作业定义 " + id);
      }
    }
  }

  /**
   * Whether the running command's user is an administrator (camunda-admin or the engine's admin users and
   * groups). {@code JobQuery.xml} asks it for the rows of jobs of no process: the engine checks an
   * administrator's queries too, passing them by their grants on every resource id, which no such job has.
   */
  public static boolean administrator() {
    CommandContext context = Context.getCommandContext();
    Authentication authentication = context == null ? null : context.getAuthentication();
    return authentication != null && context.getAuthorizationManager().isCamundaAdmin(authentication);
  }

  /** A command of the engine (its commands, batches and job executor live under impl), not one of ours. */
  static boolean isEngineCommand(Object command) {
    String name = command.getClass().getName();
    return name.startsWith("org.camunda.bpm.engine.impl.") && !name.endsWith("QueryImpl");
  }

  /** The ids in the command's fields {@code jobId}, {@code jobIds}, {@code jobDefinitionId}, {@code historicJobLogId}
   * (any class in its hierarchy). */
  static void collect(Object command, List<String> jobIds, List<String> definitionIds, List<String> logIds) {
    for (Class<?> type = command.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        String name = field.getName();
        if (!name.equals("jobId") && !name.equals("jobIds") && !name.equals("jobDefinitionId")
            && !name.equals("historicJobLogId")) {
          continue;
        }
        Object value;
        try {
          field.setAccessible(true);
          value = field.get(command);
        } catch (ReflectiveOperationException | RuntimeException e) {
          continue;
        }
        List<String> into = name.equals("jobDefinitionId") ? definitionIds
            : name.equals("historicJobLogId") ? logIds : jobIds;
        if (value instanceof String id) {
          into.add(id);
        } else if (value instanceof Collection<?> ids) {
          ids.forEach(id -> {
            if (id instanceof String s) {
              into.add(s);
            }
          });
        }
      }
    }
  }
}

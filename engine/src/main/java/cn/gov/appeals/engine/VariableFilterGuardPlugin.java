package cn.gov.appeals.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.impl.AbstractVariableQueryImpl;
import org.camunda.bpm.engine.impl.HistoricTaskInstanceQueryImpl;
import org.camunda.bpm.engine.impl.HistoricVariableInstanceQueryImpl;
import org.camunda.bpm.engine.impl.QueryVariableValue;
import org.camunda.bpm.engine.impl.TaskQueryImpl;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cmd.AbstractExecuteFilterCmd;
import org.camunda.bpm.engine.impl.persistence.entity.FilterEntity;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.springframework.stereotype.Component;

/**
 * No filtering by the enterprise's contact data for users who may not read it: a query that filters by
 * the value of a guarded variable ({@link #GUARDED}: the contact variables, {@code CONTACT_VARIABLES} of
 * workers/appeals/notify, which {@code Task_ProvideAssistOpinion} hides) is refused with HTTP 403 and
 * “无权按以下变量筛选：contactPhone（…）” unless the user may read the appeals' instances (READ_INSTANCE on the
 * process definition EnterpriseAppeal or CityAppeal: the office, its director, the county head, the
 * supervision, the city's centre; or camunda-admin).
 *
 * <p>Why: a department reads the tasks of appeals it only assists; filtering those by
 * {@code processVariables=contactPhone_like_%139%} would reveal the hidden value piece by piece. Checked
 * for every query the engine runs on behalf of an authenticated user: tasks ({@code GET/POST /task}, the
 * saved filters, or-queries included: process, task and case variables), task history, process instances,
 * executions, process-instance history, variable instances and variable history (by value). Filters by
 * other variables, and sorting, stay allowed; the names compare ignoring case. Unauthenticated calls
 * (the engine's own jobs) are not concerned.
 */
@Component
public class VariableFilterGuardPlugin extends AbstractProcessEnginePlugin {

  /** Variables only readers of the appeal may filter by (lower case): appeals.notify.CONTACT_VARIABLES
   * (tests/static/test_models.py keeps the two lists the same). */
  static final Set<String> GUARDED = Set.of("contactname", "contactposition", "contactphone",
      "othercontactphones", "contactemail", "creditcode");

  /** Definitions whose READ_INSTANCE lets a user read (hence filter by) the contact data. */
  static final List<String> READERS_OF = List.of("EnterpriseAppeal", "CityAppeal");

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    // after the command context interceptor: the context (user, authorizations) is open here, and nested
    // queries (a saved filter runs its query as one) pass through as well
    EngineHooks.insideCommandContext(configuration, new CommandInterceptor() {
      @Override
      public <T> T execute(Command<T> command) {
        CommandContext context = Context.getCommandContext();
        SortedSet<String> names = guardedFilters(command, context);
        if (!names.isEmpty()) {
          check(context, names);
        }
        return next.execute(command);
      }
    });
  }

  static void check(CommandContext context, SortedSet<String> names) {
    Authentication authentication = context.getAuthentication();
    if (!context.isAuthorizationCheckEnabled() || authentication == null || authentication.getUserId() == null) {
      return;
    }
    var authorizations = context.getAuthorizationManager();
    if (authorizations.isCamundaAdmin(authentication)) {
      return;
    }
    for (String key : READERS_OF) {
      if (authorizations.isAuthorized(Permissions.READ_INSTANCE, Resources.PROCESS_DEFINITION, key)) {
        return;
      }
    }
    throw new AuthorizationException("无权按以下变量筛选：" + String.join("、", names)
        + "（企业联系信息只有能查阅诉求全部内容的用户才能作为查询条件）");
  }

  /**
   * The guarded variables `command` (a query, or a saved filter's run with its stored and extending
   * query) filters by, empty for anything else.
   */
  static SortedSet<String> guardedFilters(Object command, CommandContext context) {
    SortedSet<String> found = new TreeSet<>();
    if (command instanceof AbstractExecuteFilterCmd run) {
      // a saved filter runs its query inside this command, not through the interceptors
      try {
        java.lang.reflect.Field id = AbstractExecuteFilterCmd.class.getDeclaredField("filterId");
        java.lang.reflect.Field extending = AbstractExecuteFilterCmd.class.getDeclaredField("extendingQuery");
        id.setAccessible(true);
        extending.setAccessible(true);
        found.addAll(guardedFilters(extending.get(run), context));
        Object filterId = id.get(run);
        FilterEntity filter = filterId == null || context == null ? null
            : context.getFilterManager().findFilterById((String) filterId);
        if (filter != null) {
          found.addAll(guardedFilters(filter.getQuery(), context));
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Camunda's filter command changed: " + e, e);
      }
    } else if (command instanceof TaskQueryImpl query) {
      List<TaskQueryImpl> all = new ArrayList<>(query.getQueries());
      all.add(query);
      for (TaskQueryImpl one : all) {
        one.getVariables().forEach(v -> add(found, v.getName()));
      }
    } else if (command instanceof HistoricTaskInstanceQueryImpl query) {
      List<HistoricTaskInstanceQueryImpl> all = new ArrayList<>(query.getQueries());
      all.add(query);
      for (HistoricTaskInstanceQueryImpl one : all) {
        one.getVariables().forEach(v -> add(found, v.getName()));
      }
    } else if (command instanceof AbstractVariableQueryImpl<?, ?> query) {
      for (QueryVariableValue value : query.getQueryVariableValues()) {
        add(found, value.getName());
      }
    } else if (command instanceof HistoricVariableInstanceQueryImpl query && query.getQueryVariableValue() != null) {
      add(found, query.getVariableName());
    }
    return found;
  }

  static void add(SortedSet<String> found, String name) {
    if (name != null && GUARDED.contains(name.toLowerCase(Locale.ROOT))) {
      found.add(name);
    }
  }
}

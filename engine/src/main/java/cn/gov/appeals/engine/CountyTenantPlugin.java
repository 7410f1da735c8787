package cn.gov.appeals.engine;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.CommandChecker;
import org.camunda.bpm.engine.impl.cfg.auth.AuthorizationCommandChecker;
import org.camunda.bpm.engine.impl.cfg.multitenancy.TenantCommandChecker;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.multitenancy.TenantIdProvider;
import org.camunda.bpm.engine.impl.cfg.multitenancy.TenantIdProviderCaseInstanceContext;
import org.camunda.bpm.engine.impl.cfg.multitenancy.TenantIdProviderHistoricDecisionInstanceContext;
import org.camunda.bpm.engine.impl.cfg.multitenancy.TenantIdProviderProcessInstanceContext;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.springframework.stereotype.Component;

/**
 * Each county's appeals in the county's tenant, the city's in the city's (docs/city-level.md).
 *
 * <p>The models are deployed once, without tenant, for every county; this provider gives each new
 * instance its tenant, in this order: the start variable {@code cityCode} (the city's process,
 * started by a county's transfer), the start variable {@code countyCode} (set by every intake
 * channel), the tenant of the instance that started it (a call activity), and the starting user's
 * tenant when the user belongs to exactly one (an office clerk registering in Tasklist). Otherwise
 * the instance has no tenant, as in a deployment whose org chart names no counties. A decision
 * evaluated by an instance gets the instance's tenant, so its history is confined the same way.
 *
 * <p>The engine's two command checks run authorization first; a command the tenant check refuses
 * (a county's staff on another county's task: allowed by their group, refused by the tenant) fails
 * with a {@link TenantAuthorizationException}, an {@link AuthorizationException}, so the REST API
 * answers 403 like any missing permission instead of the engine's plain exception (500).
 */
@Component
public class CountyTenantPlugin extends AbstractProcessEnginePlugin {

  static final String CITY_VARIABLE = "cityCode";
  static final String COUNTY_VARIABLE = "countyCode";

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    configuration.setTenantIdProvider(new CountyTenantIdProvider());
    if (configuration.getCommandCheckers() == null) {
      // the engine's two checks, authorization first: a user refused by both (a county's staff on a
      // city task) keeps the 403 of a missing permission with its missing authorizations; a user
      // refused only by the tenant check (a county's office on another county's task) gets a 403 too
      List<CommandChecker> checkers = new ArrayList<>();
      checkers.add(new AuthorizationCommandChecker());
      checkers.add(refusingAsForbidden(new TenantCommandChecker()));
      configuration.setCommandCheckers(checkers);
    }
  }

  /**
   * The tenant check, its refusals as {@link TenantAuthorizationException}. Every check method of
   * {@link TenantCommandChecker} refuses with a plain {@link ProcessEngineException} ("Cannot … because
   * it belongs to no authenticated tenant"), which the REST API answers with 500; any subclass (a
   * resource not found, an invalid argument) keeps its own type and status.
   */
  static CommandChecker refusingAsForbidden(CommandChecker tenantChecker) {
    InvocationHandler handler = (Object proxy, Method method, Object[] args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.invoke(tenantChecker, args);
      }
      try {
        return method.invoke(tenantChecker, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause != null && cause.getClass() == ProcessEngineException.class) {
          throw new TenantAuthorizationException(cause.getMessage(), cause);
        }
        throw cause != null ? cause : e;
      }
    };
    return (CommandChecker) Proxy.newProxyInstance(CommandChecker.class.getClassLoader(),
        new Class<?>[] {CommandChecker.class}, handler);
  }

  /**
   * The tenant check refused the command: the resource belongs to a tenant (a county, the city) the
   * user is no member of. A 403 over REST (type {@code AuthorizationException}, no missing
   * authorizations); the message names the user and what was refused (the engine's own text, with the
   * id the user sent), nothing of the other tenant.
   */
  public static final class TenantAuthorizationException extends AuthorizationException {
    private static final long serialVersionUID = 1L;

    TenantAuthorizationException(String refusal, Throwable cause) {
      super(message(refusal));
      initCause(cause);
    }

    private static String message(String refusal) {
      CommandContext command = Context.getCommandContext();
      Authentication authentication = command == null ? null : command.getAuthentication();
      String user = authentication == null ? null : authentication.getUserId();
      return "The user with id '" + user + "' is no member of the tenant (county or city) this belongs to: "
          + refusal;
    }
  }

  static final class CountyTenantIdProvider implements TenantIdProvider {

    @Override
    public String provideTenantIdForProcessInstance(TenantIdProviderProcessInstanceContext ctx) {
      String tenant = text(ctx.getVariables() == null ? null : ctx.getVariables().get(CITY_VARIABLE));
      if (tenant == null) {
        tenant = text(ctx.getVariables() == null ? null : ctx.getVariables().get(COUNTY_VARIABLE));
      }
      if (tenant == null && ctx.getSuperExecution() != null) {
        tenant = ctx.getSuperExecution().getTenantId();
      }
      if (tenant == null) {
        tenant = singleTenantOfUser();
      }
      return tenant;
    }

    @Override
    public String provideTenantIdForCaseInstance(TenantIdProviderCaseInstanceContext ctx) {
      return null;
    }

    @Override
    public String provideTenantIdForHistoricDecisionInstance(TenantIdProviderHistoricDecisionInstanceContext ctx) {
      DelegateExecution execution = ctx.getExecution();
      return execution == null ? null : execution.getTenantId();
    }

    private static String text(Object value) {
      if (value instanceof String s && !s.isBlank()) {
        return s.trim();
      }
      return null;
    }

    private static String singleTenantOfUser() {
      CommandContext command = Context.getCommandContext();
      Authentication authentication = command == null ? null : command.getAuthentication();
      List<String> tenants = authentication == null ? null : authentication.getTenantIds();
      return tenants != null && tenants.size() == 1 ? tenants.get(0) : null;
    }
  }
}

package cn.gov.appeals.engine;

import java.util.ArrayList;
import java.util.List;
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
      // city task) keeps the 403 of a missing permission; a user refused only by the tenant check (a
      // county's office on another county's task) gets "belongs to no authenticated tenant"
      List<CommandChecker> checkers = new ArrayList<>();
      checkers.add(new AuthorizationCommandChecker());
      checkers.add(new TenantCommandChecker());
      configuration.setCommandCheckers(checkers);
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

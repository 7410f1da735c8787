package cn.gov.appeals.engine;

import java.lang.reflect.Field;
import java.util.Collections;
import java.util.Map;

import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.el.ExpressionManager;
import org.camunda.bpm.engine.impl.el.JuelExpressionManager;
import org.springframework.stereotype.Component;

/**
 * BPMN and DMN expressions (JUEL {@code ${…}} / {@code #{…}}) and scripts see only the beans in {@link #EXPOSED}
 * (none), not every Spring bean of the application.
 *
 * <p>Why: Camunda's Spring integration resolves any name in an expression it does not find among the variables
 * against the whole application context, so a deployed model could call {@code ${jdbcTemplate.execute(…)}},
 * {@code ${dataSource…}} or {@code ${processEngineConfiguration…}} and run SQL or change the engine under the
 * engine's own rights, past every authorization.
 *
 * <p>What: the engine's beans map ({@code ProcessEngineConfiguration.setBeans}) becomes {@link #EXPOSED}; with
 * a map set, the engine's expression manager (Spring's, which the engine factory made before the plugins ran
 * and which kept the then-empty map) resolves names only there, and scripts get the map, not Spring's bean
 * resolver. Our models name no bean: bpmn/ and dmn/ use process variables, {@code execution}, {@code task},
 * {@code decisionResult} and the engine's functions ({@code now()}, {@code dateTime()}); a name that is neither
 * fails as an unknown property ({@code PropertyNotFoundException}, “Cannot resolve identifier”), the same as a
 * missing variable. The functions registered on the expression manager stay (the same object is kept).
 */
@Component
public class ExpressionBeansPlugin extends AbstractProcessEnginePlugin {

  /** The beans an expression may name: none (our models name none; add one here only when a model needs it). */
  static final Map<Object, Object> EXPOSED = Collections.emptyMap();

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    configuration.setBeans(EXPOSED);
    ExpressionManager manager = configuration.getExpressionManager();
    if (manager == null) {
      return; // the engine makes its own JuelExpressionManager from the beans map in init()
    }
    if (!(manager instanceof JuelExpressionManager)) {
      throw new IllegalStateException("ExpressionBeansPlugin: unknown expression manager " + manager.getClass());
    }
    try {
      Field initialized = JuelExpressionManager.class.getDeclaredField("initialized");
      initialized.setAccessible(true);
      if (initialized.getBoolean(manager)) {
        throw new IllegalStateException("ExpressionBeansPlugin: the expression manager resolved names already");
      }
      Field beans = JuelExpressionManager.class.getDeclaredField("beans");
      beans.setAccessible(true);
      beans.set(manager, EXPOSED);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("ExpressionBeansPlugin: cannot restrict the expression manager's beans", e);
    }
  }
}

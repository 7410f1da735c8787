package cn.gov.appeals.engine;

import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.history.handler.HistoryEventHandler;
import org.camunda.bpm.engine.impl.variable.serializer.TypedValueSerializer;
import org.springframework.stereotype.Component;

/**
 * Long texts stay whole: registers {@link LongTextSerializer} ahead of the engine's own serializers
 * and writes history through {@link LongFormValueHistoryHandler} instead of the default handler.
 */
@Component
public class LongTextPlugin extends AbstractProcessEnginePlugin {

  @Override
  @SuppressWarnings("rawtypes")
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    List<TypedValueSerializer> serializers = configuration.getCustomPreVariableSerializers();
    List<TypedValueSerializer> ordered = new ArrayList<>();
    ordered.add(new LongTextSerializer());
    if (serializers != null) {
      ordered.addAll(serializers);
    }
    configuration.setCustomPreVariableSerializers(ordered);

    List<HistoryEventHandler> handlers = new ArrayList<>();
    if (configuration.getCustomHistoryEventHandlers() != null) {
      handlers.addAll(configuration.getCustomHistoryEventHandlers());
    }
    handlers.add(new LongFormValueHistoryHandler());
    configuration.setEnableDefaultDbHistoryEventHandler(false);
    configuration.setCustomHistoryEventHandlers(handlers);
  }
}

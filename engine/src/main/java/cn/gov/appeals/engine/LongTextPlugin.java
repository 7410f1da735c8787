package cn.gov.appeals.engine;

import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.variable.serializer.TypedValueSerializer;
import org.springframework.stereotype.Component;

/** Registers {@link LongTextSerializer} ahead of the engine's own serializers. */
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
  }
}

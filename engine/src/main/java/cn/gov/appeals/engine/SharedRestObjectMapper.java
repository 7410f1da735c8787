package cn.gov.appeals.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;
import java.util.concurrent.atomic.AtomicBoolean;
import org.camunda.bpm.engine.rest.mapper.JacksonConfigurator;
import org.glassfish.jersey.server.ResourceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.jersey.ResourceConfigCustomizer;
import org.springframework.stereotype.Component;

/**
 * One Jackson {@link ObjectMapper} for the REST API instead of a new one for every body read and written.
 *
 * <p>Camunda's {@link JacksonConfigurator} (the REST API's {@code ContextResolver<ObjectMapper>}) answers
 * every call with {@code configureObjectMapper(new ObjectMapper())}: a mapper with empty caches, so every
 * request builds Jackson's deserializer for its body (a task query's DTO has about a hundred properties)
 * and serializers for its answer again. In a profile of Tasklist's filter count at 100,000 open appeals
 * a fifth of the engine's CPU was that (docs/benchmarks.md, "The count through REST"). This resolver,
 * registered before Camunda's ({@link Priority}; Jersey asks the resolvers in that order and takes the
 * first answer), gives one mapper configured by the same {@code JacksonConfigurator.configureObjectMapper}
 * (same date format, modules and features), built at its first use, when the engine's configuration has
 * set the date format. A configured ObjectMapper is safe to share between threads (Jackson copies the
 * date format for each use).
 */
@Component
public class SharedRestObjectMapper implements ResourceConfigCustomizer {

  @Override
  public void customize(ResourceConfig config) {
    config.register(Resolver.class);
  }

  /** The REST API's JSON mapper: one for all requests. */
  @Provider
  @Produces(MediaType.APPLICATION_JSON)
  @Priority(1)
  public static class Resolver implements ContextResolver<ObjectMapper> {

    private static final Logger LOG = LoggerFactory.getLogger(SharedRestObjectMapper.class);
    private static final AtomicBoolean TOLD = new AtomicBoolean();
    private static volatile ObjectMapper mapper;

    @Override
    public ObjectMapper getContext(Class<?> type) {
      ObjectMapper shared = mapper;
      if (shared == null) {
        synchronized (Resolver.class) {
          if (mapper == null) {
            mapper = JacksonConfigurator.configureObjectMapper(new ObjectMapper());
          }
          shared = mapper;
        }
        if (TOLD.compareAndSet(false, true)) {
          LOG.info("REST JSON: one shared ObjectMapper (Camunda's JacksonConfigurator configuration)");
        }
      }
      return shared;
    }
  }
}

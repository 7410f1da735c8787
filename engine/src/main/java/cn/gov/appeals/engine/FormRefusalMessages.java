package cn.gov.appeals.engine;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.camunda.bpm.engine.rest.exception.ExceptionHandlerHelper;
import org.camunda.bpm.engine.rest.exception.RestException;
import org.springframework.boot.autoconfigure.jersey.ResourceConfigCustomizer;
import org.springframework.stereotype.Component;

/**
 * The REST API answers a refused form with our Chinese message only (tester 3, N9).
 *
 * <p>Camunda's REST resources wrap a form refusal into “Cannot submit task form &lt;id&gt;: …” (also “Cannot
 * complete task …”), which Tasklist shows as it is. When the refusal is one of {@link FormTextPlugin}'s
 * ({@link FormTextPlugin.FormRefusal}: a blank required field, variables the form does not have, a value
 * that is not one of a field's options), this mapper answers HTTP 400 (also where Camunda would say 500:
 * REST's {@code /start} wraps every engine exception so) and the same JSON shape ({@code type}, {@code message}, {@code code}) with the
 * refusal's own message, e.g. ““与企业核实情况”为必填项，不能为空或只填空格”. Every other exception is
 * answered exactly as Camunda's own RestExceptionHandler does (the same helper). It is registered ahead of
 * Camunda's mapper of the same type by its priority.
 */
@Provider
@Priority(Priorities.USER - 1000)
public class FormRefusalMessages implements ExceptionMapper<RestException> {

  @Override
  public Response toResponse(RestException exception) {
    for (Throwable cause = exception.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof FormTextPlugin.FormRefusal refusal) {
        return ExceptionHandlerHelper.getInstance()
            .getResponse(new RestException(jakarta.ws.rs.core.Response.Status.BAD_REQUEST, refusal, refusal.getMessage()));
      }
    }
    return ExceptionHandlerHelper.getInstance().getResponse(exception);
  }

  /** Registers the mapper with the engine's Jersey application (Spring Boot applies every customizer). */
  @Component
  static class Registration implements ResourceConfigCustomizer {
    @Override
    public void customize(org.glassfish.jersey.server.ResourceConfig config) {
      config.register(FormRefusalMessages.class);
    }
  }
}

package cn.gov.appeals.engine;

import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * HTTP Basic authentication on the engine REST API.
 *
 * <p>Without this filter /engine-rest is open to anyone and authorization checks never apply,
 * because they only run for an authenticated user. Every REST call is authenticated against the
 * engine's own identity service, so groups and authorizations loaded by {@code appeals org sync}
 * decide what each caller may see and do.
 */
@Configuration
public class RestSecurityConfig {

  /**
   * Camunda's filter lets the engine list ({@code /engine}) through unauthenticated; here every
   * path under the REST root requires credentials, so nothing of the API is anonymous.
   */
  static class AllPathsAuthenticationFilter extends ProcessEngineAuthenticationFilter {
    @Override
    protected boolean requiresEngineAuthentication(String requestUrl) {
      return true;
    }
  }

  @Bean
  public FilterRegistrationBean<ProcessEngineAuthenticationFilter> engineRestAuthentication(
      @Value("${spring.jersey.application-path:/engine-rest}") String restPath) {
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration =
        new FilterRegistrationBean<>(new AllPathsAuthenticationFilter());
    registration.setName("camunda-rest-authentication");
    registration.addInitParameter(
        ProcessEngineAuthenticationFilter.AUTHENTICATION_PROVIDER_PARAM,
        HttpBasicAuthenticationProvider.class.getName());
    String base = restPath.endsWith("/") ? restPath.substring(0, restPath.length() - 1) : restPath;
    registration.addUrlPatterns(base + "/*");
    registration.setOrder(1);
    return registration;
  }
}

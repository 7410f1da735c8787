package cn.gov.appeals.engine;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The Chinese file names of documents downloaded from the engine (Tasklist's task documents, Cockpit,
 * REST).
 *
 * <p>Camunda answers {@code …/variables/{name}/data} with
 * {@code attachment; filename="企业反映困难问题交办单….docx"; filename*=UTF-8''%E4%BC%81…}: the plain
 * {@code filename} carries the raw Chinese name, which HTTP headers cannot hold (ISO-8859-1), so Tomcat
 * drops the whole header ("has been removed from the response because it is invalid") and browsers save
 * every document as "data.docx". This filter keeps Camunda's header but writes the plain
 * {@code filename} in ASCII ('_' for other characters); browsers use the RFC 6266 {@code filename*},
 * which keeps the Chinese name. Nothing else is changed, and nothing is added where Camunda set nothing.
 */
@Configuration
public class DocumentFilenameFilter {

  static final String HEADER = "Content-Disposition";
  static final Pattern PLAIN_NAME = Pattern.compile("filename=\"([^\"]*)\"");

  @Bean
  public FilterRegistrationBean<OncePerRequestFilter> documentFilenames() {
    FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(new OncePerRequestFilter() {
      @Override
      protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
          throws ServletException, IOException {
        if (!request.getRequestURI().endsWith("/data")) {
          chain.doFilter(request, response);
          return;
        }
        chain.doFilter(request, new HttpServletResponseWrapper(response) {
          @Override
          public void setHeader(String name, String value) {
            super.setHeader(name, HEADER.equalsIgnoreCase(name) ? latin1(value) : value);
          }

          @Override
          public void addHeader(String name, String value) {
            super.addHeader(name, HEADER.equalsIgnoreCase(name) ? latin1(value) : value);
          }
        });
      }
    });
    registration.setName("appeals-document-filenames");
    registration.addUrlPatterns("/*");
    registration.setOrder(10);
    return registration;
  }

  /** The header with its plain filename="…" in printable ASCII; a header already valid is unchanged. */
  static String latin1(String value) {
    if (value == null || value.chars().allMatch(c -> c < 0x80)) {
      return value;
    }
    Matcher match = PLAIN_NAME.matcher(value);
    StringBuilder out = new StringBuilder();
    while (match.find()) {
      String ascii = match.group(1).replaceAll("[^\\x20-\\x7e]", "_");
      match.appendReplacement(out, Matcher.quoteReplacement("filename=\"" + ascii + "\""));
    }
    match.appendTail(out);
    return out.toString().replaceAll("[^\\x20-\\x7e]", "_");
  }
}

package cn.gov.appeals.engine;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The Camunda 7 engine of the enterprise appeals process application. */
@SpringBootApplication
public class EngineApplication {
  public static void main(String[] args) {
    SpringApplication application = new SpringApplication(EngineApplication.class);
    // checks the settings before anything (database, engine, job executor) starts
    application.addListeners(new StartupGuard());
    application.run(args);
  }
}

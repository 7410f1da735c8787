package cn.gov.appeals.engine;

import java.util.TimeZone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses to start an engine whose settings would break the product, before the database, the
 * engine or its job executor start.
 *
 * <ul>
 *   <li><b>Time zone</b>: every deadline, timer and working-day calculation is in China's time
 *       (property {@code appeals.time-zone}, default {@code Asia/Shanghai}). The JVM's default zone
 *       must be that zone ({@code -Duser.timezone=Asia/Shanghai} or {@code TZ}); otherwise the
 *       engine stops with a message. Failing fast rather than setting the zone here: a node started
 *       with another zone is a deployment mistake an operator must see, and the zone must hold for
 *       everything in the JVM from its first instruction, not only from here on.
 *   <li><b>Cluster on H2</b>: with {@code appeals.cluster.enabled=true} (environment
 *       {@code APPEALS_CLUSTER=true}) several nodes share one database; H2 is a file of one process
 *       and cannot be shared, so a cluster on an H2 URL stops with a message.
 * </ul>
 */
public class StartupGuard implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  private static final Logger LOG = LoggerFactory.getLogger(StartupGuard.class);

  /** Startup refused; the message says why and what to set. */
  public static class RefusedToStart extends IllegalStateException {
    public RefusedToStart(String message) {
      super(message);
    }
  }

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    check(event.getEnvironment());
  }

  static void check(ConfigurableEnvironment env) {
    String zone = env.getProperty("appeals.time-zone", "Asia/Shanghai");
    String actual = TimeZone.getDefault().getID();
    if (!zone.equals(actual)) {
      throw new RefusedToStart(
          "the JVM's default time zone is " + actual + ", the engine must run in " + zone
              + " (deadlines and timers are in China's time): start it with -Duser.timezone="
              + zone);
    }
    boolean cluster = env.getProperty("appeals.cluster.enabled", Boolean.class, false);
    String url = env.getProperty("spring.datasource.url", "");
    if (cluster && url.startsWith("jdbc:h2:")) {
      throw new RefusedToStart(
          "appeals.cluster.enabled=true (APPEALS_CLUSTER) needs a database all nodes share, "
              + "but the datasource is H2 (" + url + "), a file of one process: set DB_DRIVER, "
              + "DB_URL, DB_USERNAME, DB_PASSWORD to the PostgreSQL database of the cluster");
    }
    LOG.info("time zone {}; {}", actual,
        cluster ? "cluster node on a shared database (job executor on)" : "single node");
  }
}

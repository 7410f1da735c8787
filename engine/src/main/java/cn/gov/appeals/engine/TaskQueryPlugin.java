package cn.gov.appeals.engine;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.apache.ibatis.builder.xml.XMLMapperBuilder;
import org.apache.ibatis.session.Configuration;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.db.sql.DbSqlSessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The engine's task query (Tasklist's lists and counts, REST {@code /task} and {@code /filter}) with
 * its authorization check as indexed EXISTS probes instead of a join of every authorization row.
 *
 * <p>Camunda 7.24 joins all authorizations of the user and the user's groups to the tasks {@code ON
 * AUTH.RESOURCE_ID_ IN (RES.ID_, D.KEY_, '*')}; no index serves that condition, so a department's
 * list grows with all open tasks in the engine (issue 15). The mapping {@code TaskQuery.xml} (generated
 * from the engine's own {@code Task.xml} by tools/task_query_mapping.py) keeps every criterion, the
 * sorting, paging and the same authorization rows, and tests each task's grant on the indexed {@code
 * RESOURCE_ID_}; a query for candidate groups also starts from those groups' identity links. With
 * REVOKE checks on, the stock check is used. The results are the same tasks (tests/engine/test_task_query.py
 * compares both for every user of the demo org chart; tools/task_query_mapping.py says what changed).
 *
 * <p>The project's indexes on the engine's tables ({@link #INDEXES}), created after the engine
 * has created or updated its schema, on every start, with {@code CREATE INDEX IF NOT EXISTS} (H2 and
 * PostgreSQL): the candidate links of a group with their task ({@code ACT_RU_IDENTITYLINK}) and the
 * authorization columns the task query filters on ({@code ACT_RU_AUTHORIZATION}), so that the list's
 * link scan and its per-task grant probes read the index only (docs/benchmarks.md, "The count at
 * 100,000"), and the grants' {@code USER_ID_}, so that the grants of a user and the user's groups are
 * found by index (with the engine's index on {@code GROUP_ID_}) instead of by a scan of every
 * authorization row (docs/benchmarks.md, "The count through REST"). On PostgreSQL a fourth, on the
 * task's id with the columns a filter count checks besides it, lets the count check each task in the
 * index (docs/benchmarks.md, "The filter count at 100,000"). Here rather than as SQL an operator applies: the engine creates its own schema
 * ({@code camunda.bpm.database.schema-update}), so the engine is the one place that sees every new and
 * every upgraded database. A node that starts while another creates them logs the clash and retries; a
 * database that refuses them is logged as an error and the engine starts (the lists work, slower at
 * volume).
 * They are kept with {@code APPEALS_TASK_QUERY=stock} (schema, not query).
 *
 * <p>The engine's {@code selectAuthorizedGroupIds} (which groups have any authorization; every command
 * with an authorization check asks it once, so every authenticated REST request at least once) is
 * mapped to the same set read by a walk over the engine's index on {@code GROUP_ID_}, one index descent
 * per group, instead of a scan of all authorization rows, which grow with the open tasks (each has its
 * own grant): at 100,000 open appeals 4-15 ms per command, twice per filter count (docs/benchmarks.md,
 * "The count through REST"). On PostgreSQL only: H2 answers the engine's own DISTINCT by an index skip
 * and the recursive walk is slower there (docs/benchmarks.md, "H2 at 100,000").
 *
 * <p>The process-instance list and count (Cockpit's running instances, REST {@code /process-instance})
 * had the same join of every grant ({@code ON AUTH.RESOURCE_ID_ IN (RES.ID_, P.KEY_, '*')}); {@code
 * ProcessInstanceQuery.xml}, generated the same way from the engine's {@code Execution.xml}, probes
 * them instead (tests/engine/test_task_query.py compares the instances for every user too).
 *
 * <p>A first page sorted newest first (Tasklist's lists) is looked for among the newest open tasks
 * first ({@link NewestTasksFirst}, {@link #newestWindow}); the full query runs when that page is not full.
 *
 * <p>{@code APPEALS_TASK_QUERY=stock} (property {@code appeals.task-query}) keeps the engine's query,
 * for the benchmark's side-by-side runs (bench/scale_bench.py) and as a switch back.
 */
@Component
public class TaskQueryPlugin extends AbstractProcessEnginePlugin {

  static final String MAPPING = "cn/gov/appeals/engine/TaskQuery.xml";
  static final String NAMESPACE = "cn.gov.appeals.engine.TaskQuery";
  /** Mapped on PostgreSQL only: H2 runs the engine's own statement faster (see postInit). */
  static final String GROUP_IDS = "selectAuthorizedGroupIds";
  static final String ENGINE_AUTHORIZATION_NAMESPACE = "org.camunda.bpm.engine.impl.persistence.entity.AuthorizationEntity";
  static final String[] STATEMENTS = {"selectTaskByQueryCriteria", "selectTaskCountByQueryCriteria", GROUP_IDS};
  /** Cockpit's running instances (REST /process-instance): the same change to their authorization check. */
  static final String INSTANCE_MAPPING = "cn/gov/appeals/engine/ProcessInstanceQuery.xml";
  static final String INSTANCE_NAMESPACE = "cn.gov.appeals.engine.ProcessInstanceQuery";
  static final String[] INSTANCE_STATEMENTS = {"selectProcessInstanceByQueryCriteria",
    "selectProcessInstanceCountByQueryCriteria"};

  /**
   * The project's indexes: name, engine table (without the table prefix), columns, and for an index
   * with a fourth element its INCLUDE columns (PostgreSQL only: not created on H2). Created by
   * {@link #postProcessEngineBuild} when missing; dropping them is safe (the engine never names them).
   */
  static final String[][] INDEXES = {
    {"APPEALS_IDX_IDLNK_GROUP_TASK", "ACT_RU_IDENTITYLINK", "GROUP_ID_, TYPE_, TASK_ID_"},
    {"APPEALS_IDX_AUTH_RES_PERMS", "ACT_RU_AUTHORIZATION",
      "RESOURCE_ID_, TYPE_, RESOURCE_TYPE_, GROUP_ID_, USER_ID_, PERMS_"},
    // the user's own grants (USER_ID_ IN (user, '*')): with the engine's index on GROUP_ID_ the grants of
    // a user and the user's groups are one bitmap OR instead of a scan of every authorization row
    {"APPEALS_IDX_AUTH_USER", "ACT_RU_AUTHORIZATION", "USER_ID_"},
    // PostgreSQL only (a fourth element: INCLUDE columns): the task columns a filter count reads besides
    // the id (suspension, tenant, definition, case execution), so that each of the counted tasks is
    // checked in the index instead of its table row (docs/benchmarks.md, "The filter count at 100,000")
    {"APPEALS_IDX_TASK_COVER", "ACT_RU_TASK", "ID_", "SUSPENSION_STATE_, TENANT_ID_, PROC_DEF_ID_, CASE_EXECUTION_ID_"},
  };

  private static final Logger LOG = LoggerFactory.getLogger(TaskQueryPlugin.class);

  /**
   * How many of the newest open tasks {@link NewestTasksFirst} looks at first for a page sorted newest
   * first (property {@code appeals.task-query-window}, APPEALS_TASK_QUERY_WINDOW; 0: never). Static:
   * the generated mapping reads it ({@code @cn.gov.appeals.engine.TaskQueryPlugin@newestWindow}).
   */
  public static volatile int newestWindow = 500;

  private final String mode;

  public TaskQueryPlugin(@Value("${appeals.task-query:fast}") String mode,
                         @Value("${appeals.task-query-window:500}") int window) {
    if (window < 0) {
      throw new IllegalArgumentException("appeals.task-query-window (APPEALS_TASK_QUERY_WINDOW) must be >= 0");
    }
    newestWindow = window;
    this.mode = mode == null ? "fast" : mode.trim().toLowerCase();
    if (!this.mode.equals("fast") && !this.mode.equals("stock")) {
      throw new IllegalArgumentException("appeals.task-query (APPEALS_TASK_QUERY) is fast or stock, not " + mode);
    }
  }

  @Override
  public void postInit(ProcessEngineConfigurationImpl configuration) {
    if (mode.equals("stock")) {
      LOG.info("Task query: the engine's own (APPEALS_TASK_QUERY=stock)");
      return;
    }
    Configuration mybatis = configuration.getSqlSessionFactory().getConfiguration();
    parse(mybatis, MAPPING);
    parse(mybatis, INSTANCE_MAPPING);
    DbSqlSessionFactory sessions = configuration.getDbSqlSessionFactory();
    // a copy: the engine's map is shared by every engine of this database type in the JVM
    Map<String, String> mappings = sessions.getStatementMappings() == null
        ? new HashMap<>() : new HashMap<>(sessions.getStatementMappings());
    if ("h2".equals(configuration.getDatabaseType())) {
      // H2 answers the engine's own SELECT DISTINCT GROUP_ID_ by skipping through the index on GROUP_ID_
      // (its plan: "distinct"), under 2 ms at 100,000 open appeals; the recursive walk costs it 17-50 ms
      // (each step a new subquery), twice per filter request (docs/benchmarks.md, "H2 at 100,000")
      map(mappings, NAMESPACE, java.util.Arrays.stream(STATEMENTS)
          .filter(statement -> !statement.equals(GROUP_IDS)).toArray(String[]::new));
      // by its full name: with ours parsed too, the short name alone is ambiguous to MyBatis
      mappings.putIfAbsent(GROUP_IDS, ENGINE_AUTHORIZATION_NAMESPACE + "." + GROUP_IDS);
      LOG.info("Task query: {} is the engine's own on H2 (an index skip there)", GROUP_IDS);
    } else {
      map(mappings, NAMESPACE, STATEMENTS);
    }
    map(mappings, INSTANCE_NAMESPACE, INSTANCE_STATEMENTS);
    sessions.setStatementMappings(mappings);
    if (newestWindow > 0) {
      mybatis.addInterceptor(new NewestTasksFirst(NAMESPACE));
    }
    LOG.info("Task query: authorization check by indexed probes ({}, {}); first pages newest first from the newest {} "
        + "open tasks", MAPPING, INSTANCE_MAPPING, newestWindow);
  }

  static void parse(Configuration mybatis, String mapping) {
    try (InputStream in = TaskQueryPlugin.class.getClassLoader().getResourceAsStream(mapping)) {
      if (in == null) {
        throw new IllegalStateException(mapping + " is missing from the engine build");
      }
      new XMLMapperBuilder(in, mybatis, mapping, mybatis.getSqlFragments()).parse();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + mapping, e);
    }
  }

  static void map(Map<String, String> mappings, String namespace, String[] statements) {
    for (String statement : statements) {
      String existing = mappings.get(statement);
      if (existing != null && !existing.startsWith(namespace)) {
        // a database-specific variant of the engine (none on H2 and PostgreSQL): keep it
        LOG.warn("Query mapping {}: the engine maps {} to {} on this database; kept", namespace, statement, existing);
        continue;
      }
      mappings.put(statement, namespace + "." + statement);
    }
  }

  @Override
  public void postProcessEngineBuild(ProcessEngine engine) {
    ProcessEngineConfigurationImpl configuration =
        (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
    String type = configuration.getDatabaseType();
    if (!"h2".equals(type) && !"postgres".equals(type)) {
      LOG.warn("Task query indexes: not created on database type {} (H2 and PostgreSQL only)", type);
      return;
    }
    String prefix = configuration.getDatabaseTablePrefix() == null ? "" : configuration.getDatabaseTablePrefix();
    java.util.List<String> created = new java.util.ArrayList<>();
    for (String[] index : INDEXES) {
      boolean include = index.length > 3;
      if (include && !"postgres".equals(type)) {
        continue;  // INCLUDE is PostgreSQL's
      }
      created.add(index[0]);
      String sql = "CREATE INDEX IF NOT EXISTS " + index[0] + " ON " + prefix + index[1] + " (" + index[2] + ")"
          + (include ? " INCLUDE (" + index[3] + ")" : "");
      try {
        execute(configuration, sql);
      } catch (SQLException first) {
        // another node created it at the same moment (PostgreSQL: duplicate key in pg_class): once more
        LOG.warn("Task query index {}: {}; retrying", index[0], first.getMessage());
        try {
          execute(configuration, sql);
        } catch (SQLException second) {
          // the lists still work without it, only slower at volume: start, and say so
          LOG.error("Task query index {} NOT created ({}): {}", index[0], sql, second.getMessage());
        }
      }
    }
    LOG.info("Task query indexes checked: {}", String.join(", ", created));
  }

  private static void execute(ProcessEngineConfigurationImpl configuration, String sql) throws SQLException {
    try (Connection connection = configuration.getDataSource().getConnection();
         Statement statement = connection.createStatement()) {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(true);
      try {
        statement.execute(sql);
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    }
  }
}

package cn.gov.appeals.engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.ibatis.builder.xml.XMLMapperBuilder;
import org.apache.ibatis.session.Configuration;
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
 * <p>{@code APPEALS_TASK_QUERY=stock} (property {@code appeals.task-query}) keeps the engine's query,
 * for the benchmark's side-by-side runs (bench/scale_bench.py) and as a switch back.
 */
@Component
public class TaskQueryPlugin extends AbstractProcessEnginePlugin {

  static final String MAPPING = "cn/gov/appeals/engine/TaskQuery.xml";
  static final String NAMESPACE = "cn.gov.appeals.engine.TaskQuery";
  static final String[] STATEMENTS = {"selectTaskByQueryCriteria", "selectTaskCountByQueryCriteria"};

  private static final Logger LOG = LoggerFactory.getLogger(TaskQueryPlugin.class);

  private final String mode;

  public TaskQueryPlugin(@Value("${appeals.task-query:fast}") String mode) {
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
    try (InputStream in = TaskQueryPlugin.class.getClassLoader().getResourceAsStream(MAPPING)) {
      if (in == null) {
        throw new IllegalStateException(MAPPING + " is missing from the engine build");
      }
      new XMLMapperBuilder(in, mybatis, MAPPING, mybatis.getSqlFragments()).parse();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + MAPPING, e);
    }
    DbSqlSessionFactory sessions = configuration.getDbSqlSessionFactory();
    // a copy: the engine's map is shared by every engine of this database type in the JVM
    Map<String, String> mappings = sessions.getStatementMappings() == null
        ? new HashMap<>() : new HashMap<>(sessions.getStatementMappings());
    for (String statement : STATEMENTS) {
      String existing = mappings.get(statement);
      if (existing != null && !existing.startsWith(NAMESPACE)) {
        // a database-specific variant of the engine (none on H2 and PostgreSQL): keep it
        LOG.warn("Task query: the engine maps {} to {} on this database; kept", statement, existing);
        continue;
      }
      mappings.put(statement, NAMESPACE + "." + statement);
    }
    sessions.setStatementMappings(mappings);
    LOG.info("Task query: authorization check by indexed probes ({})", MAPPING);
  }
}

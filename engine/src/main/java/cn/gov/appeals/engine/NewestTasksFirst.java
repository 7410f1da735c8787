package cn.gov.appeals.engine;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ibatis.executor.Executor;
import org.apache.ibatis.mapping.MappedStatement;
import org.apache.ibatis.plugin.Interceptor;
import org.apache.ibatis.plugin.Intercepts;
import org.apache.ibatis.plugin.Invocation;
import org.apache.ibatis.plugin.Signature;
import org.apache.ibatis.session.ResultHandler;
import org.apache.ibatis.session.RowBounds;
import org.camunda.bpm.engine.impl.Direction;
import org.camunda.bpm.engine.impl.QueryOrderingProperty;
import org.camunda.bpm.engine.impl.TaskQueryImpl;
import org.camunda.bpm.engine.impl.TaskQueryProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A page of tasks sorted newest first is looked for among the newest open tasks before all of them.
 *
 * <p>Tasklist's lists (本单位待办 and every filter sorted by creation date, newest first) ask for the
 * first 15 tasks. The full task query reads every task the user may see and sorts them: at 100,000 open
 * appeals a department's 5,000, every time (docs/benchmarks.md, "City scale"). This MyBatis interceptor
 * runs {@code TaskQuery.selectNewestTasksByQueryCriteria} first — the same statement with the same
 * criteria, authorization check and paging over the newest {@link TaskQueryPlugin#newestWindow} open
 * tasks (and every task created at the same moment as the oldest of them) — and keeps its answer when
 * the page came back full: every task outside that window was created earlier than every task inside,
 * so none of them can be on the page (a second sort key only orders tasks of equal creation time, which
 * are all inside). Otherwise — a user with few tasks among the newest, a later page, another sorting —
 * the full statement runs as before. Pages beyond the window and unpaged lists go straight to it.
 */
@Intercepts({@Signature(type = Executor.class, method = "query",
    args = {MappedStatement.class, Object.class, RowBounds.class, ResultHandler.class})})
public class NewestTasksFirst implements Interceptor {

  private static final Logger LOG = LoggerFactory.getLogger(NewestTasksFirst.class);

  private final String fullStatement;
  private final String newestStatement;
  private final AtomicBoolean told = new AtomicBoolean();

  public NewestTasksFirst(String namespace) {
    this.fullStatement = namespace + ".selectTaskByQueryCriteria";
    this.newestStatement = namespace + ".selectNewestTasksByQueryCriteria";
  }

  @Override
  public Object intercept(Invocation invocation) throws Throwable {
    Object[] args = invocation.getArgs();
    MappedStatement statement = (MappedStatement) args[0];
    if (!fullStatement.equals(statement.getId()) || !(args[1] instanceof TaskQueryImpl query) || !applies(query)) {
      return invocation.proceed();
    }
    Executor executor = (Executor) invocation.getTarget();
    MappedStatement newest = statement.getConfiguration().getMappedStatement(newestStatement);
    List<Object> page = executor.query(newest, query, (RowBounds) args[2], (ResultHandler) args[3]);
    if (page.size() >= query.getMaxResults()) {
      if (told.compareAndSet(false, true)) {
        LOG.info("Task query: a first page answered from the newest {} open tasks", TaskQueryPlugin.newestWindow);
      }
      return page;
    }
    return invocation.proceed();
  }

  /** A bounded page within the window, sorted by creation date, newest first (then anything). */
  static boolean applies(TaskQueryImpl query) {
    int window = TaskQueryPlugin.newestWindow;
    int max = query.getMaxResults();
    if (window <= 0 || max <= 0 || max == Integer.MAX_VALUE || (long) query.getFirstResult() + max > window) {
      return false;
    }
    List<QueryOrderingProperty> ordering = query.getOrderingProperties();
    if (ordering == null || ordering.isEmpty()) {
      return false;
    }
    QueryOrderingProperty first = ordering.get(0);
    return first.getRelation() == null && TaskQueryProperty.CREATE_TIME.equals(first.getQueryProperty())
        && Direction.DESCENDING.equals(first.getDirection());
  }
}

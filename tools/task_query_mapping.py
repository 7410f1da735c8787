"""Writes engine/src/main/resources/cn/gov/appeals/engine/TaskQuery.xml from Camunda's own Task.xml.

    .venv/bin/python tools/task_query_mapping.py [--check]

The project's task query (issue 15, docs/benchmarks.md "City scale") is the engine's task query of
Camunda 7.24 (mapping org/camunda/bpm/engine/impl/mapping/entity/Task.xml of camunda-engine) with two
changes, both in the WHERE clause:

- the authorization check. Stock, the query joins every authorization row of the user and the user's
  groups `ON AUTH.RESOURCE_ID_ IN (RES.ID_, D.KEY_, '*')` and then de-duplicates; no index serves a
  join on that OR, so the time grows with the user's tasks times the user's grants (quadratically in
  the open work). Here the same condition is two EXISTS probes on the indexed RESOURCE_ID_ over the
  same rows of ACT_RU_AUTHORIZATION with the same filters (TYPE_ < 2, the user or '*' or the user's
  groups, resource type and permission bits): the '*' grants (once per query), then the task's own grant,
  then its definition's (per task; two probes of one value each rather than one of `IN (RES.ID_, D.KEY_)`,
  which costs two index descents for every task even when the task's own grant is found). When the engine checks REVOKE authorizations
  (authorizationCheckRevokes, or `auto` with a REVOKE row in the database) the stock check is used.
- for a query of one criteria set with candidate groups (Tasklist's 本单位待办), the candidate
  condition once more as `RES.ID_ IN (links of those groups)`: implied by the stock condition on the
  left-joined identity links, it lets the database start from the groups' links instead of every open
  task (H2 keeps left joins in their written order, so the stock query always scans all tasks).

- a third statement, `selectNewestTasksByQueryCriteria`: the task list with the same criteria over
  the newest open tasks only (`fetch first N rows with ties` by CREATE_TIME_, N =
  TaskQueryPlugin.newestWindow). NewestTasksFirst runs it first for a page sorted by creation date,
  newest first, and keeps its answer when the page came back full (then no older task can belong on
  it); otherwise the full statement runs.

- a fourth, `selectAuthorizedGroupIds`, replaces the engine's statement of that name (which groups
  have any authorization, asked by every command with an authorization check): the same set by a walk
  over the index on GROUP_ID_ instead of a scan of every authorization row (one per open task).

And ProcessInstanceQuery.xml from the engine's Execution.xml: the process-instance list and count
(Cockpit's running instances, REST /process-instance) with the same change to their authorization
check (stock: an inner join of the grants ON RESOURCE_ID_ IN (RES.ID_, P.KEY_, '*'), then DISTINCT:
every instance compared with every grant; here EXISTS probes on the indexed RESOURCE_ID_), and
without DISTINCT when no incident or activity criterion joins more than one row per instance.

The files are generated (never edited by hand) so that an engine upgrade is one re-run; `--check`
fails when the committed file differs from what the engine jar in the local Maven repository gives.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "engine/src/main/resources/cn/gov/appeals/engine/TaskQuery.xml"
STOCK = "org/camunda/bpm/engine/impl/mapping/entity/Task.xml"
ENTITY = "org.camunda.bpm.engine.impl.persistence.entity"
NAMESPACE = "cn.gov.appeals.engine.TaskQuery"


def engine_version() -> str:
    pom = (ROOT / "engine/pom.xml").read_text(encoding="utf-8")
    return pom.split("<camunda.version>", 1)[1].split("<", 1)[0]


def engine_jar(version: str) -> Path:
    return Path.home() / f".m2/repository/org/camunda/bpm/camunda-engine/{version}/camunda-engine-{version}.jar"


def _cut(text: str, start: str, end: str) -> str:
    """From the line holding `start` up to and including the first `end` after it."""
    i = text.index(start)
    i = text.rindex("\n", 0, i) + 1
    j = text.index(end, i) + len(end)
    return text[i:j]


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise SystemExit(f"the engine's Task.xml changed: {old.strip()[:80]!r} found {text.count(old)} times")
    return text.replace(old, new)


AUTH_JOIN = """    <if test="authCheck.shouldPerformAuthorizatioCheck &amp;&amp; authCheck.authUserId != null">
      <if test="!authCheck.revokeAuthorizationCheckEnabled">
        <include refid="org.camunda.bpm.engine.impl.persistence.entity.AuthorizationEntity.authCheckJoinWithoutOnClause" />
        AUTH ON (AUTH.RESOURCE_ID_ ${authJoinStart} RES.ID_ ${authJoinSeparator} D.KEY_ ${authJoinSeparator} '*' ${authJoinEnd})
      </if>
    </if>
"""
AUTH_JOIN_NEW = """    <!-- appeals: no join of the authorizations here; taskAuthorizationCheck below probes them -->
"""
AUTH_WHERE = """      <include refid="org.camunda.bpm.engine.impl.persistence.entity.AuthorizationEntity.contextualAuthorizationCheck" />
"""
AUTHORIZATION_ROWS = f"""  <sql id="authorizationRows">
    SELECT 1 FROM ${{prefix}}ACT_RU_AUTHORIZATION A
    WHERE A.TYPE_ &lt; 2
    AND ( A.USER_ID_ in ( #{{authCheck.authUserId, jdbcType=VARCHAR}}, '*')
    <if test="authGroupIds != null &amp;&amp; authGroupIds.size > 0">
      OR A.GROUP_ID_ IN <foreach item="item" index="index" collection="authGroupIds" open="(" separator="," close=")">#{{item}}</foreach>
    </if>
    )
    <include refid="{ENTITY}.AuthorizationEntity.atomicChecksOnResourceTypeAndPerms" />
  </sql>
"""
"""The grants of the user, '*' and the user's groups for the checked permissions (both mappings' probes
add the RESOURCE_ID_ they look for)."""


AUTH_WHERE_NEW = f"""      <include refid="{NAMESPACE}.taskAuthorizationCheck" />
      <include refid="{NAMESPACE}.candidateTasks" />
"""

CHECK = f"""  <!-- appeals: the stock join condition AUTH.RESOURCE_ID_ IN (RES.ID_, D.KEY_, '*') over the rows of
       AuthorizationEntity.authCheckJoinWithoutOnClauseWithBinding, as EXISTS probes on the indexed
       RESOURCE_ID_: the '*' grants once per query, then the task's, then its definition's, per task
       (one index descent each; a department's tasks stop at the first: their own grant). The
       appeals indexes (TaskQueryPlugin.INDEXES) make these probes and the link scan index-only.
       With REVOKE checks on, the stock contextual check (which joins nothing). -->
{AUTHORIZATION_ROWS}
  <sql id="taskAuthorizationCheck">
    <if test="authCheck.shouldPerformAuthorizatioCheck &amp;&amp; authCheck.authUserId != null">
      <choose>
        <when test="authCheck.revokeAuthorizationCheckEnabled">
          <include refid="{ENTITY}.AuthorizationEntity.contextualAuthorizationCheck" />
        </when>
        <otherwise>
          <bind name="authGroupIds" value="authCheck.authGroupIds" />
          <bind name="atomicChecks" value="authCheck.permissionChecks.atomicChecks" />
          <bind name="disjunctive" value="authCheck.permissionChecks.disjunctive" />
          and (
          <if test="applyAuthorizationCheckForCaseInstances">
            (RES.CASE_EXECUTION_ID_ IS NOT NULL) OR
          </if>
          EXISTS (<include refid="{NAMESPACE}.authorizationRows" /> AND A.RESOURCE_ID_ = '*')
          OR EXISTS (<include refid="{NAMESPACE}.authorizationRows" /> AND A.RESOURCE_ID_ = RES.ID_)
          OR EXISTS (<include refid="{NAMESPACE}.authorizationRows" /> AND A.RESOURCE_ID_ = D.KEY_)
          )
        </otherwise>
      </choose>
    </if>
  </sql>

  <!-- appeals: a query of one criteria set (no orQuery) for candidate groups, without candidate user
       or group pattern, requires a candidate link to one of the groups (the stock condition on the
       left-joined I). The same condition once more as RES.ID_ IN (...) lets the database start
       from the groups' links (index on GROUP_ID_) instead of every open task: H2 keeps the stock
       left joins in their written order. It removes no row the stock condition keeps. -->
  <sql id="candidateTasks">
    <if test="queries.size == 1">
      <bind name="candidateQuery" value="queries[0]" />
      <if test="candidateQuery.candidateGroups != null &amp;&amp; candidateQuery.candidateGroups.size &gt; 0 &amp;&amp; candidateQuery.candidateUser == null &amp;&amp; candidateQuery.candidateGroupLike == null">
        and RES.ID_ IN (select I2.TASK_ID_ from ${{prefix}}ACT_RU_IDENTITYLINK I2 where I2.TYPE_ = 'candidate'
        and I2.GROUP_ID_ IN <foreach item="group" index="index" collection="candidateQuery.candidateGroups" open="(" separator="," close=")">#{{group}}</foreach>)
      </if>
    </if>
  </sql>
"""


GROUPS = """  <!-- appeals: the engine's selectAuthorizedGroupIds (AuthorizationManager.filterAuthenticatedGroupIds:
       which groups have any authorization; run once by every command with an authorization check, REST
       requests included) is `SELECT distinct(GROUP_ID_) FROM ACT_RU_AUTHORIZATION`, a scan of every
       authorization row, and every open task has its own (at 100,000 open appeals ~100,000 rows, 4-15 ms
       per command). The same set here by a walk over the engine's index on GROUP_ID_
       (ACT_IDX_AUTH_GROUP_ID): the smallest group id, then the next greater one, ... (one index descent
       per distinct group), and NULL when some authorization has no group (a user's), as DISTINCT gives. -->
  <select id="selectAuthorizedGroupIds" resultType="string">
    WITH RECURSIVE G (GROUP_ID_) AS (
      (SELECT A.GROUP_ID_ FROM ${prefix}ACT_RU_AUTHORIZATION A WHERE A.GROUP_ID_ IS NOT NULL
       ORDER BY A.GROUP_ID_ FETCH FIRST 1 ROWS ONLY)
      UNION ALL
      SELECT (SELECT A.GROUP_ID_ FROM ${prefix}ACT_RU_AUTHORIZATION A WHERE A.GROUP_ID_ &gt; G.GROUP_ID_
              ORDER BY A.GROUP_ID_ FETCH FIRST 1 ROWS ONLY)
      FROM G WHERE G.GROUP_ID_ IS NOT NULL
    )
    SELECT G.GROUP_ID_ FROM G WHERE G.GROUP_ID_ IS NOT NULL
    UNION ALL
    (SELECT A.GROUP_ID_ FROM ${prefix}ACT_RU_AUTHORIZATION A WHERE A.GROUP_ID_ IS NULL FETCH FIRST 1 ROWS ONLY)
  </select>
"""


TASK_FROM = """    from ${prefix}ACT_RU_TASK RES
"""
NEWEST_FROM = """    <bind name="newestWindow" value="@cn.gov.appeals.engine.TaskQueryPlugin@newestWindow" />
    from (select * from ${prefix}ACT_RU_TASK order by CREATE_TIME_ desc fetch first ${newestWindow} rows with ties) RES
"""
NEWEST_NOTE = """  <!-- appeals: the task list over the newest open tasks only (all tasks created at the same moment as
       the oldest of them included: WITH TIES). cn.gov.appeals.engine.NewestTasksFirst runs it for a
       page sorted by creation date, newest first, and keeps its answer only when the page is full:
       every task outside is older than every task inside, so none of them can be on that page. -->
"""


def generate(stock: str, version: str) -> str:
    stock = "\n".join(line.rstrip() for line in stock.splitlines()) + "\n"
    header = stock[: stock.index("<mapper ")]
    select = _cut(stock, '<select id="selectTaskByQueryCriteria" ', "</select>")
    count = _cut(stock, '<select id="selectTaskCountByQueryCriteria" ', "</select>")
    criteria = _cut(stock, '<sql id="selectTaskByQueryCriteriaSql">', "\n  </sql>")
    for part in ("select", "count"):
        text = select if part == "select" else count
        text = text.replace('resultMap="taskResultMap"', f'resultMap="{ENTITY}.TaskEntity.taskResultMap"')
        text = text.replace('<include refid="columnSelection"/>', f'<include refid="{ENTITY}.TaskEntity.columnSelection"/>')
        text = text.replace('<include refid="selectTaskByQueryCriteriaSql"/>',
                            f'<include refid="{NAMESPACE}.selectTaskByQueryCriteriaSql"/>')
        if part == "select":
            select = text
        else:
            count = text
    criteria = _replace_once(criteria, AUTH_JOIN, AUTH_JOIN_NEW)
    criteria = _replace_once(criteria, AUTH_WHERE, AUTH_WHERE_NEW)
    newest_criteria = _replace_once(criteria, TASK_FROM, NEWEST_FROM).replace(
        '<sql id="selectTaskByQueryCriteriaSql">', '<sql id="selectNewestTasksByQueryCriteriaSql">', 1)
    newest = _replace_once(select, 'id="selectTaskByQueryCriteria"', 'id="selectNewestTasksByQueryCriteria"')
    newest = _replace_once(newest, f'<include refid="{NAMESPACE}.selectTaskByQueryCriteriaSql"/>',
                           f'<include refid="{NAMESPACE}.selectNewestTasksByQueryCriteriaSql"/>')
    return (
        header
        + f"<!-- GENERATED by tools/task_query_mapping.py from camunda-engine {version} {STOCK}: do not edit.\n"
        + "     The engine's task query with the authorization check as EXISTS probes (docs/benchmarks.md,\n"
        + "     \"City scale\"); registered by cn.gov.appeals.engine.TaskQueryPlugin. -->\n"
        + f'<mapper namespace="{NAMESPACE}">\n\n'
        + CHECK + "\n"
        + "  " + criteria.lstrip() + "\n\n"
        + "  " + select.lstrip() + "\n\n"
        + "  " + count.lstrip() + "\n\n"
        + NEWEST_NOTE
        + "  " + newest_criteria.lstrip() + "\n\n"
        + "  " + newest.lstrip() + "\n\n"
        + GROUPS + "\n"
        + "</mapper>\n"
    )


# ---------------------------------------------------------------- the process-instance query (Cockpit)
INSTANCE_STOCK = "org/camunda/bpm/engine/impl/mapping/entity/Execution.xml"
INSTANCE_TARGET = ROOT / "engine/src/main/resources/cn/gov/appeals/engine/ProcessInstanceQuery.xml"
INSTANCE_NAMESPACE = "cn.gov.appeals.engine.ProcessInstanceQuery"
INSTANCE_AUTH_JOIN = """    <if test="authCheck.shouldPerformAuthorizatioCheck &amp;&amp; !authCheck.revokeAuthorizationCheckEnabled &amp;&amp; authCheck.authUserId != null">
      <include refid="org.camunda.bpm.engine.impl.persistence.entity.AuthorizationEntity.authCheckJoinWithoutOnClause" />
      AUTH ON (AUTH.RESOURCE_ID_ ${authJoinStart} RES.ID_ ${authJoinSeparator} P.KEY_ ${authJoinSeparator} '*' ${authJoinEnd})
    </if>
"""
INSTANCE_AUTH_WHERE = """      <include refid="org.camunda.bpm.engine.impl.persistence.entity.AuthorizationEntity.queryAuthorizationCheck" />
"""
INSTANCE_AUTH_WHERE_NEW = f"""      <include refid="{INSTANCE_NAMESPACE}.instanceAuthorizationCheck" />
"""
INSTANCE_CHECK = f"""  <!-- appeals: the stock inner join AUTH ON AUTH.RESOURCE_ID_ IN (RES.ID_, P.KEY_, '*') over the rows of
       AuthorizationEntity.authCheckJoinWithoutOnClauseWithBinding, with AUTH.RESOURCE_ID_ IS NOT NULL,
       as EXISTS probes on the indexed RESOURCE_ID_ (TaskQueryPlugin.INDEXES): the '*' grants once per
       query, then the instance's own, then its definition's. The same rows with the same filters; with
       REVOKE checks on, the stock check (which joins nothing). -->
{AUTHORIZATION_ROWS}
  <sql id="instanceAuthorizationCheck">
    <if test="authCheck.shouldPerformAuthorizatioCheck &amp;&amp; authCheck.authUserId != null">
      <choose>
        <when test="authCheck.revokeAuthorizationCheckEnabled">
          <include refid="{ENTITY}.AuthorizationEntity.queryAuthorizationCheck" />
        </when>
        <otherwise>
          <bind name="authGroupIds" value="authCheck.authGroupIds" />
          <bind name="atomicChecks" value="authCheck.permissionChecks.atomicChecks" />
          <bind name="disjunctive" value="authCheck.permissionChecks.disjunctive" />
          and (
          EXISTS (<include refid="{INSTANCE_NAMESPACE}.authorizationRows" /> AND A.RESOURCE_ID_ = '*')
          OR EXISTS (<include refid="{INSTANCE_NAMESPACE}.authorizationRows" /> AND A.RESOURCE_ID_ = RES.ID_)
          OR EXISTS (<include refid="{INSTANCE_NAMESPACE}.authorizationRows" /> AND A.RESOURCE_ID_ = P.KEY_)
          )
        </otherwise>
      </choose>
    </if>
  </sql>
"""


# Without the join of the grants, only the incident and activity joins (INC_JOIN, EXE_JOIN of the stock
# criteria; the same conditions) can give an instance more than one row: without them the list and the
# count need no DISTINCT (RES.ID_ is the key; the definition P is one per row).
ONE_ROW_PER_INSTANCE = """    <!-- appeals: one row per instance unless an incident or activity criterion joins more rows; then
         no DISTINCT (which sorts every visible instance before the first page) -->
    <bind name="oneRowPerInstance" value="true" />
    <foreach collection="queries" item="query">
      <if test="query != null &amp;&amp; (query.withIncident || query.incidentType != null || query.incidentId != null || query.incidentMessage != null || query.incidentMessageLike != null || (query.activityIds != null &amp;&amp; query.activityIds.length > 0))">
        <bind name="oneRowPerInstance" value="false" />
      </if>
    </foreach>
"""


def generate_instances(stock: str, version: str) -> str:
    """ProcessInstanceQuery.xml: the engine's process-instance list and count (Cockpit's running
    instances, REST /process-instance) with the authorization check as EXISTS probes."""
    stock = "\n".join(line.rstrip() for line in stock.splitlines()) + "\n"
    header = stock[: stock.index("<mapper ")]
    select = _cut(stock, '<select id="selectProcessInstanceByQueryCriteria" ', "</select>")
    count = _cut(stock, '<select id="selectProcessInstanceCountByQueryCriteria" ', "</select>")
    criteria = _cut(stock, '<sql id="selectProcessInstanceByQueryCriteriaSql">', "\n  </sql>")
    select = _replace_once(select, "    select ${distinct} RES.*\n",
                           "    select <if test=\"!oneRowPerInstance\">${distinct}</if> RES.*\n")
    select = _replace_once(select, '<include refid="org.camunda.bpm.engine.impl.persistence.entity.Commons.bindOrderBy"/>\n',
                           '<include refid="org.camunda.bpm.engine.impl.persistence.entity.Commons.bindOrderBy"/>\n'
                           + ONE_ROW_PER_INSTANCE)
    count = _replace_once(count, "    ${countDistinctBeforeStart} RES.ID_ ${countDistinctBeforeEnd}\n",
                          ONE_ROW_PER_INSTANCE
                          + '    <if test="oneRowPerInstance">select count(RES.ID_)</if>\n'
                          + '    <if test="!oneRowPerInstance">${countDistinctBeforeStart} RES.ID_ ${countDistinctBeforeEnd}</if>\n')
    count = _replace_once(count, "    ${countDistinctAfterEnd}\n",
                          '    <if test="!oneRowPerInstance">${countDistinctAfterEnd}</if>\n')
    parts = []
    for text in (select, count):
        text = text.replace('resultMap="executionResultMap"', f'resultMap="{ENTITY}.ExecutionEntity.executionResultMap"')
        text = _replace_once(text, '<include refid="selectProcessInstanceByQueryCriteriaSql"/>',
                             f'<include refid="{INSTANCE_NAMESPACE}.selectProcessInstanceByQueryCriteriaSql"/>')
        parts.append(text)
    criteria = _replace_once(criteria, INSTANCE_AUTH_JOIN,
                             "    <!-- appeals: no join of the authorizations here; instanceAuthorizationCheck below probes them -->\n")
    criteria = _replace_once(criteria, INSTANCE_AUTH_WHERE, INSTANCE_AUTH_WHERE_NEW)
    return (
        header
        + f"<!-- GENERATED by tools/task_query_mapping.py from camunda-engine {version} {INSTANCE_STOCK}: do not edit.\n"
        + "     The engine's process-instance query with the authorization check as EXISTS probes\n"
        + "     (docs/benchmarks.md, \"City scale\"); registered by cn.gov.appeals.engine.TaskQueryPlugin. -->\n"
        + f'<mapper namespace="{INSTANCE_NAMESPACE}">\n\n'
        + INSTANCE_CHECK + "\n"
        + "  " + criteria.lstrip() + "\n\n"
        + "  " + parts[0].lstrip() + "\n\n"
        + "  " + parts[1].lstrip() + "\n\n"
        + "</mapper>\n"
    )


# ---------------------------------------------------------------- the job list and the job log (admin-only engine jobs)
JOB_STOCK = "org/camunda/bpm/engine/impl/mapping/entity/Job.xml"
JOB_LOG_STOCK = "org/camunda/bpm/engine/impl/mapping/entity/HistoricJobLog.xml"
JOB_TARGET = ROOT / "engine/src/main/resources/cn/gov/appeals/engine/JobQuery.xml"
JOB_NAMESPACE = "cn.gov.appeals.engine.JobQuery"
JOB_STANDALONE = """            ELSE
              <!-- "standalone" job (e.g. job to activate/suspend a process definition etc.) -->
              1
"""
ADMINISTRATOR = "@cn.gov.appeals.engine.StandaloneJobGuardPlugin@administrator()"
JOB_STANDALONE_NEW = f"""            ELSE
              <!-- appeals: a job of no process (history cleanup, batches) is the administrators' alone (the
                   engine checks their queries too and lets them through by their grants on '*', which match
                   no resource of such a job; StandaloneJobGuardPlugin.administrator) -->
              <choose><when test="{ADMINISTRATOR}">1</when><otherwise>0</otherwise></choose>
"""
JOB_LOG_STANDALONE = """          ) or RES.PROCESS_DEF_KEY_ is null
"""
JOB_LOG_STANDALONE_NEW = f"""          )
          <!-- appeals: the log of a job of no process is the administrators' alone (StandaloneJobGuardPlugin) -->
          <if test="{ADMINISTRATOR}">or RES.PROCESS_DEF_KEY_ is null</if>
"""


def _query_statements(stock: str, name: str, result_map: str, entity: str) -> tuple[str, str, str]:
    """The criteria SQL, list and count statements `select{name}ByQueryCriteria…` of `stock`, their
    references qualified (the entity's result map, this file's criteria)."""
    select = _cut(stock, f'<select id="select{name}ByQueryCriteria" ', "</select>")
    count = _cut(stock, f'<select id="select{name}CountByQueryCriteria" ', "</select>")
    criteria = _cut(stock, f'<sql id="select{name}ByQueryCriteriaSql">', "\n  </sql>")
    parts = []
    for text in (select, count):
        text = text.replace(f'resultMap="{result_map}"', f'resultMap="{ENTITY}.{entity}.{result_map}"')
        text = _replace_once(text, f'<include refid="select{name}ByQueryCriteriaSql"/>',
                             f'<include refid="{JOB_NAMESPACE}.select{name}ByQueryCriteriaSql"/>')
        parts.append(text)
    return criteria, parts[0], parts[1]


def generate_jobs(jobs: str, log: str, version: str) -> str:
    """JobQuery.xml: the engine's job list and count (REST /job) and its job log (REST /history/job-log)
    without the exception for jobs of no process: Camunda CE lets every user with an authorization
    check read them (history cleanup, batch jobs); here such a row passes only without the check
    (administrators, the engine itself). A job of a process keeps the engine's check."""
    jobs = "\n".join(line.rstrip() for line in jobs.splitlines()) + "\n"
    log = "\n".join(line.rstrip() for line in log.splitlines()) + "\n"
    header = jobs[: jobs.index("<mapper ")]
    job_criteria, job_select, job_count = _query_statements(jobs, "Job", "jobResultMap", "JobEntity")
    job_criteria = _replace_once(job_criteria, JOB_STANDALONE, JOB_STANDALONE_NEW)
    log_criteria, log_select, log_count = _query_statements(log, "HistoricJobLog", "historicJobLogMap",
                                                            "HistoricJobLogEntity")
    log_criteria = _replace_once(log_criteria, JOB_LOG_STANDALONE, JOB_LOG_STANDALONE_NEW)
    return (
        header
        + f"<!-- GENERATED by tools/task_query_mapping.py from camunda-engine {version} {JOB_STOCK} and\n"
        + f"     {JOB_LOG_STOCK}: do not edit. The engine's job list and job log without the exception for\n"
        + "     jobs of no process; registered by cn.gov.appeals.engine.StandaloneJobGuardPlugin. -->\n"
        + f'<mapper namespace="{JOB_NAMESPACE}">\n\n'
        + "  " + job_criteria.lstrip() + "\n\n"
        + "  " + job_select.lstrip() + "\n\n"
        + "  " + job_count.lstrip() + "\n\n"
        + "  " + log_criteria.lstrip() + "\n\n"
        + "  " + log_select.lstrip() + "\n\n"
        + "  " + log_count.lstrip() + "\n\n"
        + "</mapper>\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is not up to date")
    args = parser.parse_args()
    version = engine_version()
    jar = engine_jar(version)
    if not jar.exists():
        raise SystemExit(f"{jar} is missing: build the engine first (make engine / mvn -f engine/pom.xml package)")
    with zipfile.ZipFile(jar) as archive:
        stock = archive.read(STOCK).decode("utf-8")
        instances = archive.read(INSTANCE_STOCK).decode("utf-8")
        jobs = archive.read(JOB_STOCK).decode("utf-8")
        job_log = archive.read(JOB_LOG_STOCK).decode("utf-8")
    outputs = {TARGET: generate(stock, version), INSTANCE_TARGET: generate_instances(instances, version),
               JOB_TARGET: generate_jobs(jobs, job_log, version)}
    if args.check:
        for target, text in outputs.items():
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                raise SystemExit(f"{target.relative_to(ROOT)} is out of date: run tools/task_query_mapping.py")
        return
    for target, text in outputs.items():
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

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

The file is generated (never edited by hand) so that an engine upgrade is one re-run; `--check`
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
AUTH_WHERE_NEW = f"""      <include refid="{NAMESPACE}.taskAuthorizationCheck" />
      <include refid="{NAMESPACE}.candidateTasks" />
"""

CHECK = f"""  <!-- appeals: the stock join condition AUTH.RESOURCE_ID_ IN (RES.ID_, D.KEY_, '*') over the rows of
       AuthorizationEntity.authCheckJoinWithoutOnClauseWithBinding, as EXISTS probes on the indexed
       RESOURCE_ID_: the '*' grants once per query, then the task's, then its definition's, per task
       (one index descent each; a department's tasks stop at the first: their own grant). The
       appeals indexes (TaskQueryPlugin.INDEXES) make these probes and the link scan index-only.
       With REVOKE checks on, the stock contextual check (which joins nothing). -->
  <sql id="authorizationRows">
    SELECT 1 FROM ${{prefix}}ACT_RU_AUTHORIZATION A
    WHERE A.TYPE_ &lt; 2
    AND ( A.USER_ID_ in ( #{{authCheck.authUserId, jdbcType=VARCHAR}}, '*')
    <if test="authGroupIds != null &amp;&amp; authGroupIds.size > 0">
      OR A.GROUP_ID_ IN <foreach item="item" index="index" collection="authGroupIds" open="(" separator="," close=")">#{{item}}</foreach>
    </if>
    )
    <include refid="{ENTITY}.AuthorizationEntity.atomicChecksOnResourceTypeAndPerms" />
  </sql>

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
    text = generate(stock, version)
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{TARGET.relative_to(ROOT)} is out of date: run tools/task_query_mapping.py")
        return
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

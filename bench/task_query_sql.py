"""The task query's SQL at 1k … 100k open tasks, stock against ours, on H2 and PostgreSQL (issue 15).

    .venv/bin/python bench/task_query_sql.py [--sizes 1000,10000,100000] [--db h2,postgresql] [--runs 7]
                                             [--rounds 3] [--users dept,office,leader] [--kinds page,count]
                                             [--stock-max N] [--explain]

The SQL the engine sends for Tasklist's filter 本单位待办 (candidate groups of the user, assigned tasks
included, created desc, first page of 15) and for its count, exactly as the engine's log shows it
(bench/scale_bench.py --sql-log), with the user's id and groups: once as Camunda 7.24 builds it
(`stock`: the authorization rows joined ON RESOURCE_ID_ IN (task, definition key, '*')), as the
project's mapping did before the count at 100,000 was worked on (`before`: one probe per task on
RESOURCE_ID_ IN (task, definition key)) and as it does now (`ours`: engine/…/TaskQuery.xml, with the
project's indexes, TaskQueryPlugin.INDEXES); for the first page also `newest`: ours over the newest 500
open tasks, which NewestTasksFirst asks first (it stands when the page is full: 15 rows). All on the same data: each round drops the indexes and
times `stock` and `before`, then creates them as the engine does and times `ours`. On the engine's own schema (its create scripts
from the camunda-engine jar), in a throwaway H2 file database (the engine's H2 version, through its
Shell) and a throwaway PostgreSQL cluster (tests/databases.py), filled directly by SQL with what the
engine writes for open user tasks: one task, one candidate-group identity link and one group
authorization (READ | TASK_WORK, as defaultUserPermissionNameForTask) per task, the same mix of groups as
bench/scale_bench.py, and the org chart's global grants on tasks and process definitions.

This isolates the database's share of a list from the HTTP, JSON and JVM work (bench/scale_bench.py
measures those end to end through REST). Times are the database's own (psql \\timing, H2 Shell),
p50 and p95 (nearest rank) over --rounds × --runs (each batch after one warm-up), in milliseconds,
with the machine's 1-minute load average (lowest–highest during the size) next to them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workers"))
sys.path.insert(0, str(ROOT))

ENGINE_JAR = Path.home() / ".m2/repository/org/camunda/bpm/camunda-engine/7.24.0/camunda-engine-7.24.0.jar"
H2_JAR = Path.home() / ".m2/repository/com/h2database/h2/2.5.252/h2-2.5.252.jar"

DEPARTMENTS = ["dept-industry", "dept-finance", "dept-justice", "dept-natural-resources", "dept-approval",
               "dept-power-supply", "dept-energy", "dept-finance-office", "dept-hr", "dept-development-reform",
               "dept-business-environment", "dept-market-regulation"]
APPROVERS = ["office-director", "deputy-head-industry", "deputy-head-economy", "deputy-head-resources"]
OVERSIGHT = ["office", "office-director", "county-head", "supervision", "workers"]
STAFF = ["deputy-head-industry", "deputy-head-economy", "deputy-head-resources", "city-center", *DEPARTMENTS]
USERS = {"dept": ("industry-handler", ["dept-industry"]), "office": ("office-clerk", ["office"]),
         "leader": ("deputy-industry", ["deputy-head-industry"])}
READ, READ_TASK, TASK_WORK = 2, 64, 16384
TASK, PROCDEF = 7, 6
COLUMNS = ("RES.REV_, RES.ID_, RES.NAME_, RES.PARENT_TASK_ID_, RES.DESCRIPTION_, RES.PRIORITY_, RES.CREATE_TIME_, "
           "RES.OWNER_, RES.ASSIGNEE_, RES.DELEGATION_, RES.EXECUTION_ID_, RES.PROC_INST_ID_, RES.PROC_DEF_ID_, "
           "RES.CASE_EXECUTION_ID_, RES.CASE_INST_ID_, RES.CASE_DEF_ID_, RES.TASK_DEF_KEY_, RES.DUE_DATE_, "
           "RES.FOLLOW_UP_DATE_, RES.SUSPENSION_STATE_, RES.TENANT_ID_, RES.LAST_UPDATED_, RES.TASK_STATE_")


def statements(script: str) -> list[str]:
    """The statements of one of the engine's create scripts (comment lines dropped)."""
    text = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    return [s for s in text.split(";") if s.strip()]


def _in(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def auth_rows(user: str, groups: list[str], bitand) -> str:
    return (f"SELECT A.* FROM ACT_RU_AUTHORIZATION A WHERE A.TYPE_ < 2 AND ( A.USER_ID_ in ( '{user}', '*') "
            f"OR A.GROUP_ID_ IN ( {_in(groups)} ) ) AND ( ( A.RESOURCE_TYPE_ = {TASK} AND {bitand('A.PERMS_', READ)} "
            f"= {READ} OR A.RESOURCE_TYPE_ = {PROCDEF} AND {bitand('A.PERMS_', READ_TASK)} = {READ_TASK} ) )")


def from_where(variant: str, user: str, groups: list[str], bitand) -> str:
    """FROM … WHERE of the engine's selectTaskByQueryCriteriaSql for the filter 本单位待办: `stock` (Camunda's),
    `before` (the project's mapping until the count at 100,000 was worked on: one probe `IN (RES.ID_,
    D.KEY_)` per task) or `ours` (the mapping now: the task's grant, then its definition's)."""
    criteria = (f"WHERE ( 1 = 1 and ( I.TYPE_ = 'candidate' and ( I.GROUP_ID_ IN ( {_in(groups)} ) ) ) "
                f"and RES.SUSPENSION_STATE_ = 1 )")
    base = ("from ACT_RU_TASK RES left join ACT_RU_IDENTITYLINK I on I.TASK_ID_ = RES.ID_ "
            "left join ACT_RE_PROCDEF D on RES.PROC_DEF_ID_ = D.ID_ ")
    if variant == "stock":
        return (base + f"left join ( {auth_rows(user, groups, bitand)} ) AUTH ON (AUTH.RESOURCE_ID_ IN "
                f"( RES.ID_ , D.KEY_ , '*' )) {criteria} and ( (RES.CASE_EXECUTION_ID_ IS NOT NULL) OR "
                "(AUTH.RESOURCE_ID_ IS NOT NULL) ) and (RES.TENANT_ID_ is null )")
    rows = auth_rows(user, groups, bitand).replace("SELECT A.*", "SELECT 1")
    probes = (f"EXISTS ( {rows} AND A.RESOURCE_ID_ IN (RES.ID_, D.KEY_))" if variant == "before" else
              f"EXISTS ( {rows} AND A.RESOURCE_ID_ = RES.ID_) OR EXISTS ( {rows} AND A.RESOURCE_ID_ = D.KEY_)")
    return (base + f"{criteria} and ( (RES.CASE_EXECUTION_ID_ IS NOT NULL) OR "
            f"EXISTS ( {rows} AND A.RESOURCE_ID_ = '*') OR "
            f"{probes} ) and (RES.TENANT_ID_ is null ) "
            "and RES.ID_ IN (select I2.TASK_ID_ from ACT_RU_IDENTITYLINK I2 where I2.TYPE_ = 'candidate' "
            f"and I2.GROUP_ID_ IN ( {_in(groups)} ))")


NEWEST_WINDOW = 500  # TaskQueryPlugin.newestWindow


def page(variant: str, user: str, groups: list[str], bitand) -> str:
    """The first page; `newest` is ours over the newest open tasks only, as NewestTasksFirst asks first
    (its answer stands when the page is full, which the timing loop checks)."""
    sql = from_where("ours" if variant == "newest" else variant, user, groups, bitand)
    if variant == "newest":
        sql = sql.replace("from ACT_RU_TASK RES ", "from (select * from ACT_RU_TASK order by CREATE_TIME_ desc "
                          f"fetch first {NEWEST_WINDOW} rows with ties) RES ", 1)
    return f"select distinct {COLUMNS} {sql} order by RES.CREATE_TIME_ desc LIMIT 15 OFFSET 0"


def count(variant: str, user: str, groups: list[str], bitand, db: str) -> str:
    if db == "h2":
        return f"select count(distinct RES.ID_) {from_where(variant, user, groups, bitand)}"
    return f"SELECT COUNT(*) FROM (SELECT DISTINCT RES.ID_ {from_where(variant, user, groups, bitand)}) countDistinct"


def indexes() -> list[tuple[str, str, str]]:
    """The project's indexes on the engine's tables (name, table, columns), as TaskQueryPlugin.INDEXES
    creates them at the engine's start: read from the Java source, so the benchmark measures those."""
    java = (ROOT / "engine/src/main/java/cn/gov/appeals/engine/TaskQueryPlugin.java").read_text(encoding="utf-8")
    found = re.findall(r'\{"(APPEALS_IDX_\w+)",\s*"(\w+)",\s*"([^"]+)"\}', java)
    assert found, "TaskQueryPlugin.INDEXES not found"
    return found


def index_sql(db: str, present: bool) -> list[str]:
    """Creates (as the engine does) or drops the project's indexes, then refreshes the statistics (and on
    PostgreSQL the visibility map, as autovacuum keeps it: index-only scans depend on it)."""
    if present:
        sql = [f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})" for name, table, columns in indexes()]
    else:
        sql = [f"DROP INDEX IF EXISTS {name}" for name, _, _ in indexes()]
    return sql + (["vacuum analyze"] if db == "postgresql" else ["analyze"])


# ------------------------------------------------------------------------------------------- data
def fill_sql(n: int, db: str) -> list[str]:
    series = f"generate_series(1, {n}) g(x)" if db == "postgresql" else f"SYSTEM_RANGE(1, {n}) g(x)"
    now = "now()" if db == "postgresql" else "CURRENT_TIMESTAMP"
    minus = (f"{now} - (g.x || ' seconds')::interval" if db == "postgresql"
             else f"DATEADD(SECOND, -g.x, {now})")
    # 25 % office, 10 % approvals (director and the three deputies in turn), 65 % the departments
    cases = ("case when mod(g.x, 20) < 5 then 'office' when mod(g.x, 20) < 7 then case mod(g.x / 20, 4) "
             + " ".join(f"when {i} then '{a}'" for i, a in enumerate(APPROVERS)) + " end"
             + " else " + "case mod(g.x, 12) " + " ".join(f"when {i} then '{d}'" for i, d in enumerate(DEPARTMENTS))
             + " end end")
    return [
        "delete from ACT_RU_AUTHORIZATION where RESOURCE_TYPE_ = 7 and RESOURCE_ID_ <> '*'",
        "delete from ACT_RU_IDENTITYLINK", "delete from ACT_RU_TASK",
        "insert into ACT_RU_TASK (ID_, REV_, NAME_, PROC_DEF_ID_, PROC_INST_ID_, EXECUTION_ID_, CREATE_TIME_, "
        "SUSPENSION_STATE_, TASK_DEF_KEY_, PRIORITY_) select concat('T', g.x), 1, 'task', 'EnterpriseAppeal:1:1', "
        f"NULL, NULL, {minus}, 1, 'Task_HandleAppeal', 50 from {series}",
        "insert into ACT_RU_IDENTITYLINK (ID_, REV_, GROUP_ID_, TYPE_, TASK_ID_) select concat('L', g.x), 1, "
        f"{cases}, 'candidate', concat('T', g.x) from {series}",
        "insert into ACT_RU_AUTHORIZATION (ID_, REV_, TYPE_, GROUP_ID_, RESOURCE_TYPE_, RESOURCE_ID_, PERMS_) "
        f"select concat('A', L.ID_), 1, 1, L.GROUP_ID_, 7, L.TASK_ID_, {READ | TASK_WORK} from ACT_RU_IDENTITYLINK L",
        "analyze" if db == "postgresql" else "analyze",
    ]


def setup_sql() -> list[str]:
    rows = ["insert into ACT_RE_PROCDEF (ID_, REV_, KEY_, VERSION_, DEPLOYMENT_ID_, RESOURCE_NAME_, "
            "SUSPENSION_STATE_, NAME_) values ('EnterpriseAppeal:1:1', 1, 'EnterpriseAppeal', 1, 'd1', "
            "'EnterpriseAppeal.bpmn', 1, '企业诉求办理')"]
    n = 0

    def grant(group: str, resource_type: int, resource_id: str, perms: int, type_: int = 1) -> None:
        nonlocal n
        n += 1
        rows.append("insert into ACT_RU_AUTHORIZATION (ID_, REV_, TYPE_, GROUP_ID_, RESOURCE_TYPE_, RESOURCE_ID_, "
                    f"PERMS_) values ('G{n}', 1, {type_}, '{group}', {resource_type}, '{resource_id}', {perms})")

    for group in OVERSIGHT:
        grant(group, TASK, "*", READ)
        grant(group, PROCDEF, "*", READ | READ_TASK | 4 | 128)
    for group in STAFF:
        grant(group, PROCDEF, "*", READ)
        for resource_type in (0, 1, 2, 5):  # application, user, group, filter grants: not for tasks
            grant(group, resource_type, "*", READ)
    grant("public-channel", PROCDEF, "EnterpriseAppeal", 256 | 4096)
    return rows


# ------------------------------------------------------------------------------------------- runners
class Postgres:
    name = "postgresql"

    def __init__(self) -> None:
        from tests.databases import PostgresServer

        self.server = PostgresServer().start()
        self.server.create_database("scale")
        self.run_sql(self._create_script())

    @staticmethod
    def _create_script() -> list[str]:
        with zipfile.ZipFile(ENGINE_JAR) as jar:
            text = jar.read("org/camunda/bpm/engine/db/create/activiti.postgres.create.engine.sql").decode()
        return statements(text) + setup_sql()

    @staticmethod
    def bitand(column: str, value: int) -> str:
        return f"{column} & {value}"

    def run_sql(self, statements: list[str], timing: bool = False) -> list[float]:
        script = ("\\timing on\n" if timing else "") + ";\n".join(statements) + ";\n"
        s = self.server
        out = subprocess.run([*(["runuser", "-u", "postgres", "--"] if s.as_root else []), str(s.bin_dir / "psql"),
                              "-h", "127.0.0.1", "-p", str(s.port), "-U", "postgres", "-d", "scale", "-q",
                              "-v", "ON_ERROR_STOP=1", "-o", "/dev/null"],
                             input=script, capture_output=True, text=True, cwd=s.root)
        if out.returncode:
            raise RuntimeError(out.stderr[-2000:])
        return [float(m) for m in re.findall(r"^Time: ([\d.]+) ms", out.stdout + out.stderr, re.M)]

    def explain(self, sql: str) -> str:
        s = self.server
        out = subprocess.run([*(["runuser", "-u", "postgres", "--"] if s.as_root else []), str(s.bin_dir / "psql"),
                              "-h", "127.0.0.1", "-p", str(s.port), "-U", "postgres", "-d", "scale", "-At", "-c",
                              f"explain (analyze, buffers) {sql}"], capture_output=True, text=True, cwd=s.root)
        return out.stdout + out.stderr

    def close(self) -> None:
        self.server.stop()


class H2:
    name = "h2"

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="appeals-h2-sql-"))
        self.url = f"jdbc:h2:file:{self.folder}/scale"
        with zipfile.ZipFile(ENGINE_JAR) as jar:
            text = jar.read("org/camunda/bpm/engine/db/create/activiti.h2.create.engine.sql").decode()
        self.run_sql(statements(text) + setup_sql())

    @staticmethod
    def bitand(column: str, value: int) -> str:
        return f"BITAND({column}, {value})"

    def run_sql(self, statements: list[str], timing: bool = False) -> list[float]:
        script = self.folder / "script.sql"
        script.write_text(";\n".join(s.strip() for s in statements) + ";\n", encoding="utf-8")
        if not timing:
            subprocess.run(["java", "-cp", str(H2_JAR), "org.h2.tools.RunScript", "-url", self.url, "-user", "sa",
                            "-script", str(script)], check=True, capture_output=True, text=True)
            return []
        # the Shell prints "(N rows, M ms)" after each query
        out = subprocess.run(["java", "-cp", str(H2_JAR), "org.h2.tools.Shell", "-url", self.url, "-user", "sa"],
                             input=script.read_text(encoding="utf-8").replace(";\n", ";\n") + "quit\n",
                             capture_output=True, text=True)
        return [float(m) for m in re.findall(r"\((?:\d+|\w+) rows?, (\d+) ms\)", out.stdout)]

    def explain(self, sql: str) -> str:
        out = subprocess.run(["java", "-cp", str(H2_JAR), "org.h2.tools.Shell", "-url", self.url, "-user", "sa",
                              "-sql", f"explain analyze {sql}"], capture_output=True, text=True)
        return out.stdout + out.stderr

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * int(p) // 100) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--db", default="h2,postgresql")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per round and statement")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per size: without the project's indexes (stock, before), then with them (ours)")
    parser.add_argument("--users", default="dept,office,leader")
    parser.add_argument("--kinds", default="page,count")
    parser.add_argument("--explain", action="store_true", help="print the plans at each size")
    parser.add_argument("--stock-max", type=int, default=10**9,
                        help="time the stock SQL only up to this size (it grows quadratically)")
    args = parser.parse_args()
    table = []
    variants = {False: ("stock", "before"), True: ("ours", "newest")}  # without / with the project's indexes
    for name in args.db.split(","):
        db = Postgres() if name == "postgresql" else H2()
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                db.run_sql(fill_sql(size, db.name))
                times: dict[tuple, list[float]] = {}
                load = [os.getloadavg()[0]]
                # the same data throughout; the indexes dropped and created again each round, so that the
                # two states share the machine's load as it drifts
                for round_ in range(args.rounds):
                    for present in (False, True):
                        db.run_sql(index_sql(db.name, present))
                        for who in args.users.split(","):
                            user, groups = USERS[who]
                            for kind in args.kinds.split(","):
                                for variant in variants[present]:
                                    if variant == "stock" and size > args.stock_max or \
                                            variant == "newest" and kind != "page":
                                        continue
                                    sql = (page(variant, user, groups, db.bitand) if kind == "page"
                                           else count(variant, user, groups, db.bitand, db.name))
                                    # a new comment each run: H2 reuses a cached statement's last result
                                    runs = [f"/* run {round_} {i} */ {sql}" for i in range(args.runs + 1)]
                                    times.setdefault((who, kind, variant), []).extend(
                                        db.run_sql(runs, timing=True)[1:])
                                    if args.explain and round_ == 0:
                                        print(f"--- {db.name} {size} {who} {kind} {variant}")
                                        print(db.explain(sql), flush=True)
                        load.append(os.getloadavg()[0])
                for (who, kind, variant), values in times.items():
                    row = (db.name, size, who, kind, variant, percentile(values, 50), percentile(values, 95),
                           len(values), min(load), max(load))
                    table.append(row)
                    print(f"{row[0]:10} {size:>7} {who:6} {kind:5} {variant:6} p50 {row[5]:8.1f} ms  "
                          f"p95 {row[6]:8.1f} ms  n {row[7]}  load {row[8]:.1f}-{row[9]:.1f}", flush=True)
        finally:
            db.close()
    print("\n| db | open tasks | user | query | variant | p50 / p95 ms | runs | load average |")
    print("|---|---|---|---|---|---|---|---|")
    for r in table:
        print(f"| {r[0]} | {r[1]:,} | {r[2]} | {r[3]} | {r[4]} | {r[5]:.1f} / {r[6]:.1f} | {r[7]} | {r[8]:.1f}–{r[9]:.1f} |")


if __name__ == "__main__":
    main()

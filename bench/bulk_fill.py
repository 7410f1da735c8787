"""Fast fill for the city-scale benchmark: copies of real open appeals, written by SQL (issue 15).

Starting 100,000 appeals through REST takes 1–2 hours on a 2-core machine (14–33 starts/s). Here a few
hundred *template* appeals are started through REST by bench/scale_bench.py (the real process, the
real engine: candidate groups, task grants, TaskSummaryPlugin's task variables, timers, history), and
this module writes copies of every row the engine wrote for them, with new ids, into the engine's own
tables while the engine is stopped (H2 file database) or idle (PostgreSQL):

    copies(db, templates=[process instance ids], first=1, last=400)   # copy k = first … last-1

What is copied: each row of ACT_RU_* / ACT_HI_* / ACT_GE_BYTEARRAY that belongs to a template instance
(its PROC_INST_ID_, PROCESS_INSTANCE_ID_ or ROOT_PROC_INST_ID_ is a template; identity links and
authorizations by their task; the byte arrays the variables point to). Copy k gets every
instance-scoped id with ".k" appended (ID_, process instance, execution, parent, activity instance,
task, variable scope, byte array, job … — `ID_COLUMNS`), consistently in every table, so each copy is
a complete appeal the engine can query, show, complete and clean up. Definition, deployment, job
definition, user, group and tenant ids stay as they are.

How copies differ from appeals started one by one (docs/benchmarks.md, "City scale"):
- business key, registration number (registrationNumber, taskNumber) and the task-local `taskId` carry
  the suffix too (`某县服企办收（2026）第7号.12`); all other variable values are the template's, so
  enterprises, dates and due dates repeat every `len(templates)` appeals;
- a copy's task was created k minutes before its template's (ACT_RU_TASK.CREATE_TIME_ only), so
  "created desc" orders distinct times; history and other timestamps are the template's;
- the mix of user tasks and departments is the templates' mix, repeated.

Foreign keys are not checked while copying (PostgreSQL: session_replication_role = replica; H2:
REFERENTIAL_INTEGRITY FALSE): parents and children arrive in one statement in no particular order.
PostgreSQL's statistics are refreshed afterwards (VACUUM ANALYZE, as autovacuum would).
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
import time
from pathlib import Path

H2_JAR = Path.home() / ".m2/repository/com/h2database/h2/2.5.252/h2-2.5.252.jar"

# instance-scoped id columns: copy k appends ".k" (NULL stays NULL)
ID_COLUMNS = {
    "ID_", "ROOT_PROC_INST_ID_", "PROC_INST_ID_", "PROCESS_INSTANCE_ID_", "EXECUTION_ID_", "PARENT_ID_",
    "SUPER_EXEC_", "ACT_INST_ID_", "PARENT_ACT_INST_ID_", "TASK_ID_", "PARENT_TASK_ID_", "CALL_PROC_INST_ID_",
    "VAR_SCOPE_", "BYTEARRAY_ID_", "VAR_INST_ID_", "EXCEPTION_STACK_ID_", "JOB_ID_", "JOB_EXCEPTION_STACK_ID_",
    "CAUSE_INCIDENT_ID_", "ROOT_CAUSE_INCIDENT_ID_", "ERROR_DETAILS_ID_", "LAST_FAILURE_LOG_ID_",
    "EXT_TASK_ID_", "SUPER_PROCESS_INSTANCE_ID_", "OPERATION_ID_", "BUSINESS_KEY_",
}
# variable values that name the appeal or the task (TaskSummaryPlugin's task-local copies)
SUFFIXED_VALUES = ("registrationNumber", "taskNumber", "taskId")
TABLE_PREFIXES = ("ACT_RU_", "ACT_HI_", "ACT_GE_BYTEARRAY")
SKIP = {"ACT_RU_METER_LOG", "ACT_RU_TASK_METER_LOG", "ACT_RU_FILTER", "ACT_RU_BATCH", "ACT_HI_BATCH",
        "ACT_RU_JOBDEF"}


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _suffix(expression: str) -> str:
    return f"CASE WHEN {expression} IS NULL THEN NULL ELSE CONCAT({expression}, '.', CAST(g.k AS VARCHAR(10))) END"


STAGE = "APPEALS_BENCH_"  # + table: the template rows of that table, read once per fill


def stage(columns: dict[str, list[str]], templates: list[str], db: str) -> list[str]:
    """CREATE TABLE APPEALS_BENCH_<table> AS the template instances' rows of each table (then every
    chunk of copies reads those few rows, not the growing engine table)."""
    temp = "TEMP " if db == "postgresql" else ""
    return [f"DROP TABLE IF EXISTS {STAGE}{table}" for table in _copied(columns)] + [
        f"CREATE {temp}TABLE {STAGE}{table} AS SELECT * FROM {table} R WHERE {where}"
        for table, where in _copied(columns, templates).items()]


def unstage(columns: dict[str, list[str]]) -> list[str]:
    return [f"DROP TABLE IF EXISTS {STAGE}{table}" for table in _copied(columns)]


def _copied(columns: dict[str, list[str]], templates: list[str] | None = None) -> dict[str, str]:
    """table → the condition selecting its rows that belong to the template instances."""
    tmpl = _in(templates or ["-"])
    tasks = f"(SELECT T0.ID_ FROM ACT_RU_TASK T0 WHERE T0.PROC_INST_ID_ IN ({tmpl}))"
    hist_tasks = f"(SELECT T1.ID_ FROM ACT_HI_TASKINST T1 WHERE T1.PROC_INST_ID_ IN ({tmpl}))"
    out = {}
    for table, cols in sorted(columns.items()):
        if not table.startswith(TABLE_PREFIXES) or table in SKIP:
            continue
        belongs = [f"R.{c} IN ({tmpl})" for c in ("PROC_INST_ID_", "PROCESS_INSTANCE_ID_", "ROOT_PROC_INST_ID_")
                   if c in cols]
        if table == "ACT_RU_IDENTITYLINK":
            belongs = [f"R.TASK_ID_ IN {tasks}"]
        elif table == "ACT_HI_IDENTITYLINK":
            belongs.append(f"R.TASK_ID_ IN {hist_tasks}")
        elif table == "ACT_RU_AUTHORIZATION":
            belongs = [f"R.RESOURCE_TYPE_ = 7 AND R.RESOURCE_ID_ IN {tasks}"]
        elif table == "ACT_GE_BYTEARRAY":
            belongs.append(f"R.ID_ IN (SELECT V.BYTEARRAY_ID_ FROM ACT_RU_VARIABLE V WHERE V.PROC_INST_ID_ IN ({tmpl}))")
        if belongs:
            out[table] = " OR ".join(f"({b})" for b in belongs)
    return out


def statements(columns: dict[str, list[str]], first: int, last: int, db: str) -> list[str]:
    """INSERT … SELECT per table for copies first … last-1 of the staged template rows (`stage`).

    `columns`: table → its column names (upper case), as the database reports them."""
    assert 1 <= first < last
    series = f"generate_series({first}, {last - 1}) g(k)" if db == "postgresql" else f"SYSTEM_RANGE({first}, {last - 1}) g(k)"
    out = []
    for table in _copied(columns):
        cols = columns[table]
        exprs = []
        for c in cols:
            if c in ID_COLUMNS or (table == "ACT_RU_AUTHORIZATION" and c == "RESOURCE_ID_"):
                exprs.append(_suffix(f"R.{c}"))
            elif c in ("TEXT_",) and "NAME_" in cols and table != "ACT_HI_OP_LOG":
                exprs.append(f"CASE WHEN R.NAME_ IN ({_in(SUFFIXED_VALUES)}) THEN {_suffix('R.TEXT_')} ELSE R.TEXT_ END")
            elif table == "ACT_RU_TASK" and c == "CREATE_TIME_":
                exprs.append("R.CREATE_TIME_ - g.k * INTERVAL '1 minute'" if db == "postgresql"
                             else "DATEADD(MINUTE, -g.k, R.CREATE_TIME_)")
            else:
                exprs.append(f"R.{c}")
        out.append(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {STAGE}{table} R, {series}")
    return out


# ------------------------------------------------------------------------------------------- runners
def postgres_copies(server, database: str, templates: list[str], first: int, last: int, chunk: int = 50,
                    log=print) -> float:
    """Copies on a running PostgreSQL (tests.databases.PostgresServer); returns seconds."""
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(host="127.0.0.1", port=server.port, user="postgres", dbname=database,
                         autocommit=True) as conn:
        columns: dict[str, list[str]] = {}
        for table, column in conn.execute(
                "select upper(table_name), upper(column_name) from information_schema.columns "
                "where table_schema = 'public' order by table_name, ordinal_position"):
            columns.setdefault(table, []).append(column)
        columns = {t: c for t, c in columns.items() if not t.startswith(STAGE)}
        conn.execute("SET session_replication_role = replica")
        for sql in stage(columns, templates, "postgresql"):
            conn.execute(sql)
        for start in range(first, last, chunk):
            stop = min(last, start + chunk)
            with conn.transaction():
                for sql in statements(columns, start, stop, "postgresql"):
                    conn.execute(sql)
            log(f"  copies {start}…{stop - 1} written ({time.perf_counter() - t0:.0f} s)")
        for sql in unstage(columns):
            conn.execute(sql)
        conn.execute("SET session_replication_role = origin")
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


def h2_copies(url: str, templates: list[str], first: int, last: int, chunk: int = 10, log=print) -> float:
    """Copies into an H2 file database no engine has open (jdbc url); returns seconds."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="appeals-bulk-") as tmp:
        listing = Path(tmp) / "columns.csv"
        _h2(url, [f"CALL CSVWRITE('{listing}', 'SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
                  "WHERE TABLE_SCHEMA = ''PUBLIC'' ORDER BY TABLE_NAME, ORDINAL_POSITION')"], tmp)
        columns: dict[str, list[str]] = {}
        with listing.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                columns.setdefault(row["TABLE_NAME"].upper(), []).append(row["COLUMN_NAME"].upper())
        columns = {t: c for t, c in columns.items() if not t.startswith(STAGE)}
        script = stage(columns, templates, "h2") + ["SET REFERENTIAL_INTEGRITY FALSE"]
        for start in range(first, last, chunk):  # one JVM, one script; a commit per statement
            script += statements(columns, start, min(last, start + chunk), "h2")
        _h2(url, script + ["SET REFERENTIAL_INTEGRITY TRUE", *unstage(columns), "ANALYZE"], tmp)
        log(f"  copies {first}…{last - 1} written ({time.perf_counter() - t0:.0f} s)")
    return time.perf_counter() - t0


# The copy's own H2 (RunScript, no engine open): a 4 GB page cache in a 6 GB heap. With H2's default
# (64 MB per GB of heap) every index insert into the growing tables read and rewrote pages the cache had
# dropped: 10,000 appeals took 87 s with it and 59 s with this (load 3–5), and the gap grows with the file.
H2_COPY_HEAP = "-Xmx6g"
H2_COPY_CACHE_KB = 4 * 1024 * 1024


def _h2(url: str, sql: list[str], tmp: str) -> None:
    script = Path(tmp) / "script.sql"
    script.write_text(";\n".join(sql) + ";\n", encoding="utf-8")
    out = subprocess.run(["java", H2_COPY_HEAP, "-cp", str(H2_JAR), "org.h2.tools.RunScript",
                          "-url", f"{url};CACHE_SIZE={H2_COPY_CACHE_KB}",
                          "-user", "sa", "-script", str(script)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"H2: {out.stdout[-1500:]}{out.stderr[-1500:]}")

"""City-scale benchmark (issue 15): the work lists at 1k / 10k / 100k open appeals, on H2 and PostgreSQL.

    .venv/bin/python bench/scale_bench.py [--sizes 1000,10000,100000] [--db h2,postgresql]
                                          [--variants stock,fast] [--runs 30] [--threads 4]
                                          [--json results.json] [--sql-log] [--keep]

For each database it starts a throwaway engine from the project's jar (a free port, a temporary H2
folder or a throwaway PostgreSQL cluster from tests/databases.py, a random admin password, authorization
on, as `appeals up` runs it), deploys the project's models and syncs the demo org chart (`appeals org
sync`: groups, users, grants, the Tasklist filters 本单位待办 / 我的待办). Then, for each size in
ascending order, it tops the engine up to that many open EnterpriseAppeal instances and times the lists
as the users who open them, with their own credentials, by the REST calls Tasklist and Cockpit send:

  dept-page     industry-handler: filter 本单位待办, first page (15, created desc): the task query
  dept-page-hal the same as Tasklist asks for it (application/hal+json: with the filter's list
                variables, candidate groups, assignees and definitions of the 15 tasks)
  dept-count    industry-handler: the count of that filter (Tasklist's badge)
  office-page   office-clerk: the same filter (the office sees every appeal: global READ on tasks)
  leader-page   deputy-industry: the same filter (approvals of the departments the deputy oversees)
  cockpit-page  supervisor: running EnterpriseAppeal instances, first page of 50 + count (the REST
  cockpit-count queries of Cockpit's process-definition view)

Open work is filled by the REST start with `startInstructions` (startBeforeActivity) on the real user
tasks, not by driving each appeal through its whole path (which would take hours at 100k):
Task_VerifyAppeal (office, 25 %), Task_ApproveDispatch (office-director or the deputy head overseeing
the lead department, 10 %), Task_SignDispatch (25 %) and Task_HandleAppeal (40 %, with its three timer
boundary events) for the department in `handlerGroup`; the lead department is spread evenly over the
12 departments of the demo chart; due dates and timers lie weeks ahead, so nothing fires. The engine
assigns candidate groups and their task authorizations as in production.

Variants: the engine's task query as Camunda 7.24 ships it (`stock`: APPEALS_TASK_QUERY=stock) and
the project's task query (`fast`, the default; engine/…/TaskQueryPlugin.java, docs/benchmarks.md).
Both run on the same data: the engine is restarted between variants (the database is kept).

Each query is run --runs times per variant after two warm-up calls; p50 / p95 in milliseconds of the
client's wall clock (one HTTP request each). The engine's resident memory and the database's size are
printed with each size. Not a test: prints a table (docs/benchmarks.md, "City scale").
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import appeals  # noqa: F401
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(ROOT / "workers"))
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from worker_bench import thread_session  # noqa: E402

from appeals import org as orgchart  # noqa: E402
from appeals import stack  # noqa: E402
from appeals.camunda import Camunda, to_variables  # noqa: E402
from appeals.deploy import deploy  # noqa: E402

ADMIN = "admin"
PASSWORD = "bench-" + secrets.token_hex(6)  # every demo user's password in the throwaway engine
JAVA_OPTS = stack.ENGINE_JVM_OPTIONS  # as `appeals up`
PROCESS = "EnterpriseAppeal"
TASK_MAPPER = "org.camunda.bpm.engine.impl.persistence.entity.TaskEntity"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# (activity, share of the open appeals)
MIX = (("Task_VerifyAppeal", 0.25), ("Task_ApproveDispatch", 0.10), ("Task_SignDispatch", 0.25),
       ("Task_HandleAppeal", 0.40))
USERS = {"dept": "industry-handler", "office": "office-clerk", "leader": "deputy-industry",
         "cockpit": "supervisor"}


# =========================================================================================== engine
class Engine:
    """The engine jar on a free port; H2 in a temporary folder or the given JDBC database."""

    def __init__(self, db: str, pg=None, sql_log: bool = False) -> None:
        self.db = db
        self.sql_log = sql_log
        self.pg = pg
        self.port = stack.free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"appeals-scale-{db}-"))
        self.url = f"http://127.0.0.1:{self.port}/engine-rest"
        self.process: subprocess.Popen | None = None
        self.variant = ""

    def start(self, variant: str) -> float:
        jar = stack.build_engine()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DB_", "APPEALS_", "CAMUNDA_", "SPRING_", "HISTORY_TTL"))}
        env.update(SERVER_PORT=str(self.port), APPEALS_DATA_DIR=str(self.data_dir),
                   CAMUNDA_ADMIN_USER=ADMIN, CAMUNDA_ADMIN_PASSWORD=PASSWORD, APPEALS_TASK_QUERY=variant)
        if self.sql_log:  # the task queries' SQL and parameters in engine.log (for EXPLAIN)
            env["SPRING_APPLICATION_JSON"] = json.dumps({"logging.level.cn.gov.appeals.engine.TaskQuery": "DEBUG",
                                                         f"logging.level.{TASK_MAPPER}": "DEBUG"})
        if self.pg is not None:
            env.update(DB_DRIVER="org.postgresql.Driver", DB_URL=self.pg.jdbc_url("camunda"),
                       DB_USERNAME="postgres", DB_PASSWORD="")
        log = open(self.data_dir / "engine.log", "ab")
        self.process = subprocess.Popen(["java", *JAVA_OPTS, "-jar", str(jar)], stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                        cwd=self.data_dir)
        self.variant = variant
        try:
            return stack.wait_for_engine(self.url, (ADMIN, PASSWORD), timeout=300, pid=self.process.pid)
        except stack.StackError:
            print((self.data_dir / "engine.log").read_text(errors="replace")[-4000:], file=sys.stderr)
            raise

    def stop(self) -> None:
        if self.process is not None:
            stack.terminate(self.process)
            self.process = None

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def db_size_mb(self) -> float:
        if self.pg is None:
            return sum(p.stat().st_size for p in (self.data_dir / "engine").glob("*")) / 2**20
        out = subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if self.pg.as_root else []), str(self.pg.bin_dir / "psql"),
             "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", "-At", "-c",
             "select pg_database_size('camunda')"], capture_output=True, text=True, check=True, cwd=self.pg.root)
        return int(out.stdout.strip()) / 2**20

    def cleanup(self, keep: bool = False) -> None:
        self.stop()
        if keep:
            print(f"kept {self.data_dir} (engine.log, H2 database)", flush=True)
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def prepare(engine: Engine) -> orgchart.OrgChart:
    admin = Camunda(engine.url, ADMIN, PASSWORD, timeout=120)
    deploy(admin)
    chart = orgchart.load(orgchart.DEMO_ORG)
    orgchart.IdentitySync(admin, PASSWORD).sync(chart)
    return chart


# =========================================================================================== filling
def appeal(n: int, chart: orgchart.OrgChart, rng: random.Random) -> dict:
    """The start request of the n-th open appeal: which user task it waits in, and its variables."""
    departments = [g.id for g in chart.of_kind("department")]
    lead = departments[n % len(departments)]
    r, activity = rng.random(), MIX[-1][0]
    for name, share in MIX:
        if r < share:
            activity = name
            break
        r -= share
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    deputy = chart.deputy_for(lead)
    values = {
        "registrationNumber": f"某县服企办收（2026）第{n + 1}号",
        "enterpriseName": f"某县第{n % 4000 + 1}号企业有限公司",
        "appealTitle": f"诉求{n + 1}",
        "channel": ("hotline", "online", "visit", "meeting")[n % 4],
        "leadDepartment": lead,
        "handlerGroup": lead,
        "approverGroup": "office-director" if n % 2 else (deputy.id if deputy else "office-director"),
        "receivedAt": now - dt.timedelta(days=rng.randint(0, 20)),
    }
    due = now + dt.timedelta(days=30 + rng.randint(0, 30))
    for name in ("verifyDue", "dispatchDue", "signDue", "handlingDue"):
        values[name] = due
    values["handlingReminderAt"] = due - dt.timedelta(days=2)
    values["escalateAt"] = due + dt.timedelta(days=20)
    return {"variables": to_variables(values), "businessKey": values["registrationNumber"],
            "startInstructions": [{"type": "startBeforeActivity", "activityId": activity}]}


def fill(engine: Engine, chart: orgchart.OrgChart, start: int, stop: int, threads: int) -> float:
    """Start appeals number start … stop-1; returns the seconds it took."""
    url = f"{engine.url}/process-definition/key/{PROCESS}/start"

    def one(n: int) -> None:
        body = appeal(n, chart, random.Random(n))
        response = thread_session((ADMIN, PASSWORD)).post(url, json=body, timeout=600)
        response.raise_for_status()

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(threads) as pool:
        for chunk in range(start, stop, 2000):
            list(pool.map(one, range(chunk, min(stop, chunk + 2000))))
            done = min(stop, chunk + 2000)
            rate = (done - start) / (time.perf_counter() - t0)
            print(f"  filled {done} ({rate:.0f}/s)", flush=True)
    return time.perf_counter() - t0


# =========================================================================================== queries
HAL = {"Accept": "application/hal+json"}
LIST_BODY = {"processVariables": [], "taskVariables": [], "caseInstanceVariables": [],
             "sorting": [{"sortBy": "created", "sortOrder": "desc"}], "active": True}


def queries(engine: Engine) -> dict[str, tuple]:
    """name → (user, method, path, json body, headers, check of the answer)."""
    admin = Camunda(engine.url, ADMIN, PASSWORD)
    unit = next(f["id"] for f in admin.get("/filter", resourceType="Task") if f["name"] == "本单位待办")
    page = f"/filter/{unit}/list?firstResult=0&maxResults=15"
    instances = {"processDefinitionKey": PROCESS, "sorting": [{"sortBy": "instanceId", "sortOrder": "desc"}]}
    return {
        "dept-page": (USERS["dept"], "POST", page, LIST_BODY, {}),
        "dept-page-hal": (USERS["dept"], "POST", page, LIST_BODY, HAL),
        "dept-count": (USERS["dept"], "POST", f"/filter/{unit}/count", LIST_BODY, {}),
        "office-page": (USERS["office"], "POST", page, LIST_BODY, HAL),
        "office-count": (USERS["office"], "POST", f"/filter/{unit}/count", LIST_BODY, {}),
        "leader-page": (USERS["leader"], "POST", page, LIST_BODY, HAL),
        "cockpit-page": (USERS["cockpit"], "POST", "/process-instance?firstResult=0&maxResults=50", instances, {}),
        "cockpit-count": (USERS["cockpit"], "POST", "/process-instance/count", {"processDefinitionKey": PROCESS}, {}),
    }


def measure(engine: Engine, runs: int) -> dict[str, dict]:
    results: dict[str, dict] = {}
    for name, (user, method, path, body, headers) in queries(engine).items():
        session = requests.Session()
        session.auth = (user, PASSWORD)
        times, answer = [], None
        for i in range(runs + 2):
            t0 = time.perf_counter()
            response = session.request(method, engine.url + path, json=body, headers=headers, timeout=300)
            elapsed = (time.perf_counter() - t0) * 1000
            response.raise_for_status()
            if i >= 2:
                times.append(elapsed)
            answer = response.json()
        times.sort()
        if isinstance(answer, dict) and "count" in answer:
            size = answer["count"]
        elif isinstance(answer, dict) and "_embedded" in answer:
            size = len(answer["_embedded"].get("task", []))
        else:
            size = len(answer)
        if isinstance(answer, dict) and "_embedded" in answer:
            answer = answer["_embedded"].get("task", [])
        results[name] = {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)],
                         "rows": size, "answer": answer if isinstance(answer, dict) else
                         [item.get("id") for item in answer]}
    return results


# =========================================================================================== main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--db", default="h2,postgresql")
    parser.add_argument("--variants", default="stock,fast")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sql-log", action="store_true", help="log the task queries' SQL in engine.log")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (and PostgreSQL running "
                        "until Enter is pressed) to EXPLAIN the logged queries")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    variants = args.variants.split(",")
    rows: list[dict] = []
    for db in args.db.split(","):
        pg = None
        if db == "postgresql":
            from tests.databases import PostgresServer

            pg = PostgresServer().start()
            pg.create_database("camunda")
        engine = Engine(db, pg, args.sql_log)
        try:
            order = list(variants)
            print(f"[{db}] engine ({order[0]}) started in {engine.start(order[0]):.0f} s", flush=True)
            chart = prepare(engine)
            filled = 0
            for size in sizes:
                seconds = fill(engine, chart, filled, size, args.threads)
                print(f"[{db}] {size} open appeals ({size - filled} started in {seconds:.0f} s, "
                      f"{(size - filled) / seconds:.0f}/s)", flush=True)
                filled = size
                for variant in order:
                    if engine.variant != variant:
                        engine.stop()
                        engine.start(variant)
                    result = measure(engine, args.runs)
                    row = {"db": db, "size": size, "variant": variant, "engine_rss_mb": round(engine.rss_mb()),
                           "db_mb": round(engine.db_size_mb()), "queries": result}
                    rows.append(row)
                    print(f"[{db}] {size} {variant}: engine {row['engine_rss_mb']} MB RSS, db {row['db_mb']} MB",
                          flush=True)
                    for name, r in result.items():
                        print(f"    {name:14} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  ({r['rows']})",
                              flush=True)
                same = [r["queries"] for r in rows if r["db"] == db and r["size"] == size]
                for name in same[0]:
                    answers = {json.dumps(q[name]["answer"]) for q in same}
                    if len(answers) > 1:
                        print(f"[{db}] {size} {name}: the variants answered DIFFERENTLY", flush=True)
                order.reverse()  # the variant already running measures first at the next size
        finally:
            engine.cleanup(args.keep)
            if pg is not None and args.keep:
                try:
                    input(f"PostgreSQL on port {pg.port} (database camunda, user postgres): Enter stops it ")
                except EOFError:
                    pass
            if pg is not None:
                pg.stop()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


def print_table(rows: list[dict]) -> None:
    if not rows:
        return
    names = list(rows[0]["queries"])
    print("\n| db | open | variant | " + " | ".join(f"{n} p50/p95 ms" for n in names) + " | engine RSS | db |")
    print("|---|---|---|" + "---|" * len(names) + "---|---|")
    for row in rows:
        cells = [f"{row['queries'][n]['p50']:.0f} / {row['queries'][n]['p95']:.0f}" for n in names]
        print(f"| {row['db']} | {row['size']:,} | {row['variant']} | " + " | ".join(cells)
              + f" | {row['engine_rss_mb']} MB | {row['db_mb']} MB |")


if __name__ == "__main__":
    main()

"""City-scale benchmark (issue 15): the work lists at 1k / 10k / 100k open appeals, on H2 and PostgreSQL.

    .venv/bin/python bench/scale_bench.py [--sizes 1000,10000,100000] [--db h2,postgresql]
                                          [--variants stock,fast] [--runs 30] [--threads 4]
                                          [--json results.json] [--sql-log] [--keep]
                                          [--pg-dir DIR] [--h2-dir DIR] [--queries a,b] [--baseline-jar JAR]
                                          [--baseline-drop-indexes NAMES] [--rounds N]

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

Variants: the engine's task query as Camunda 7.24 ships it (`stock`: APPEALS_TASK_QUERY=stock),
the project's task query (`fast`, the default; engine/…/TaskQueryPlugin.java, docs/benchmarks.md) and
the project's without its newest-first pages (`nowindow`: APPEALS_TASK_QUERY_WINDOW=0).
Both run on the same data: the engine is restarted between variants (the database is kept).

Each query is run --runs times per variant after two warm-up calls (on H2 each after one write: database_writer); p50 / p95 in milliseconds of the
client's wall clock (one HTTP request each), and the engine's CPU time per request (user + system of the
JVM over those calls: what a loaded machine does not inflate). The engine's resident memory, the
database's size and the load average are printed with each size; at the largest size the memory of the
Python services (--services). Not a test: prints a table (docs/benchmarks.md, "City scale").

Filling: --fill copy (default) starts --templates appeals through REST and copies them by SQL to each
size (bench/bulk_fill.py: minutes for 100,000; how copies differ is said there); --fill rest starts every
appeal through REST (hours for 100,000).
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
from bulk_fill import h2_copies, postgres_copies  # noqa: E402
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
# the queries the stock variant is timed for above --stock-max (the office's lists take minutes there)
STOCK_AT_VOLUME = ("dept-page", "dept-count", "leader-page")
USERS = {"dept": "industry-handler", "office": "office-clerk", "leader": "deputy-industry",
         "cockpit": "supervisor"}


# =========================================================================================== engine
class Engine:
    """The engine jar on a free port; H2 in a temporary folder or the given JDBC database."""

    def __init__(self, db: str, pg=None, sql_log: bool = False, data_dir: Path | None = None) -> None:
        self.db = db
        self.sql_log = sql_log
        self.pg = pg
        self.port = stack.free_port()
        self.kept = data_dir is not None  # --h2-dir: the folder (and its H2 database) outlives the run
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix=f"appeals-scale-{db}-"))
        self.url = f"http://127.0.0.1:{self.port}/engine-rest"
        self.process: subprocess.Popen | None = None
        self.variant = ""

    baseline_jar: Path | None = None  # --baseline-jar: the jar of variant `before`
    baseline_drop: tuple[str, ...] = ()  # --baseline-drop-indexes: indexes the jar of `before` does not create

    def start(self, variant: str) -> float:
        jar = self.baseline_jar if variant == "before" else stack.build_engine()
        if jar is None:
            raise SystemExit("variant before needs --baseline-jar")
        if variant == "before" and self.baseline_drop:
            # the newer indexes ours created would serve the baseline's queries too; the next start of
            # ours creates them again (CREATE INDEX IF NOT EXISTS)
            for name in self.baseline_drop:
                self.sql(f"DROP INDEX IF EXISTS {name}")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DB_", "APPEALS_", "CAMUNDA_", "SPRING_", "HISTORY_TTL"))}
        env.update(SERVER_PORT=str(self.port), APPEALS_DATA_DIR=str(self.data_dir),
                   CAMUNDA_ADMIN_USER=ADMIN, CAMUNDA_ADMIN_PASSWORD=PASSWORD,
                   APPEALS_TASK_QUERY="fast" if variant in ("nowindow", "before") else variant)
        if variant == "nowindow":  # ours without the newest-first page (NewestTasksFirst): as before it
            env["APPEALS_TASK_QUERY_WINDOW"] = "0"
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

    def cpu_seconds(self) -> float:
        """User + system CPU the engine's JVM has used since it started."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def h2_url(self) -> str:
        return f"jdbc:h2:file:{self.data_dir}/engine/process-engine"

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def db_size_mb(self) -> float:
        if self.pg is None:
            return sum(p.stat().st_size for p in (self.data_dir / "engine").glob("*")) / 2**20
        return int(self.sql("select pg_database_size('camunda')")) / 2**20

    def sql(self, statement: str) -> str:
        """One statement on the PostgreSQL database `camunda` (psql); its output."""
        if self.pg is None:
            raise SystemExit("PostgreSQL only")
        out = subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if self.pg.as_root else []), str(self.pg.bin_dir / "psql"),
             "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", "-At", "-d", "camunda", "-c",
             statement], capture_output=True, text=True, check=True, cwd=self.pg.root)
        return out.stdout.strip()

    def cleanup(self, keep: bool = False) -> None:
        self.stop()
        if keep or self.kept:
            print(f"kept {self.data_dir} (engine.log, H2 database)", flush=True)
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def prepare(engine: Engine) -> orgchart.OrgChart:
    admin = Camunda(engine.url, ADMIN, PASSWORD, timeout=120)
    deploy(admin)
    chart = orgchart.load(orgchart.DEMO_ORG)
    orgchart.IdentitySync(admin, PASSWORD).sync(chart, worker_password=PASSWORD, public_password=PASSWORD)
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


def database_writer(engine: Engine):
    """H2 only: a callable that writes one row through REST (the profile of a user of its own), run
    before each timed request. H2 hands back a prepared statement's last result when the same statement
    runs again with the same parameters and nothing was written to the database since (its
    OPTIMIZE_REUSE_RESULTS, which also serves a statement's own IN-subqueries, so it stays on): the
    benchmark's repeated requests on an idle engine would time that, not the query. In use, the tasks,
    variables and jobs written between two users' requests void it the same way. PostgreSQL: None."""
    if engine.pg is not None:
        return None
    admin = Camunda(engine.url, ADMIN, PASSWORD)
    user = "bench-writer"
    if not admin.get("/user", id=user):
        admin.post("/user/create", {"profile": {"id": user, "firstName": "0", "lastName": "bench"},
                                    "credentials": {"password": PASSWORD}})

    def write(i: int) -> None:
        admin.put(f"/user/{user}/profile", {"id": user, "firstName": str(i), "lastName": "bench"})
    return write


def measure(engine: Engine, runs: int, only: tuple[str, ...] | None = None) -> dict[str, dict]:
    results: dict[str, dict] = {}
    tick = database_writer(engine)
    for name, (user, method, path, body, headers) in queries(engine).items():
        if only is not None and name not in only:
            continue
        session = requests.Session()
        session.auth = (user, PASSWORD)
        times, answer = [], None
        cpu0 = engine.cpu_seconds()
        for i in range(runs + 2):
            if tick is not None:
                tick(i)
            t0 = time.perf_counter()
            response = session.request(method, engine.url + path, json=body, headers=headers, timeout=300)
            elapsed = (time.perf_counter() - t0) * 1000
            response.raise_for_status()
            if i >= 2:
                times.append(elapsed)
            answer = response.json()
        cpu_ms = (engine.cpu_seconds() - cpu0) * 1000 / (runs + 2)  # the engine's CPU per request (any thread)
        times.sort()
        if isinstance(answer, dict) and "count" in answer:
            size = answer["count"]
        elif isinstance(answer, dict) and "_embedded" in answer:
            size = len(answer["_embedded"].get("task", []))
        else:
            size = len(answer)
        if isinstance(answer, dict) and "_embedded" in answer:
            answer = answer["_embedded"].get("task", [])
        results[name] = {"p50": statistics.median(times), "p95": times[max(0, -(-len(times) * 95 // 100) - 1)],
                         "engine_cpu_ms": round(cpu_ms, 1), "rows": size, "answer": answer if isinstance(answer, dict) else
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
    parser.add_argument("--fill", choices=("copy", "rest"), default="copy",
                        help="copy: start --templates appeals through REST, then copy them by SQL "
                        "(bench/bulk_fill.py; minutes for 100k); rest: start every appeal through REST (hours)")
    parser.add_argument("--templates", type=int, default=250,
                        help="appeals started through REST with --fill copy (every size a multiple of it)")
    parser.add_argument("--stock-max", type=int, default=10000,
                        help="above this size the stock query is timed only for STOCK_AT_VOLUME, --stock-runs times "
                        "(the office's stock count takes about a minute at 100,000)")
    parser.add_argument("--stock-runs", type=int, default=5)
    parser.add_argument("--services", type=float, default=60.0, metavar="SECONDS",
                        help="at the largest size, run the worker, public pages and dashboard this long and "
                        "report their memory (0: not)")
    parser.add_argument("--sql-log", action="store_true", help="log the task queries' SQL in engine.log")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (and PostgreSQL running "
                        "until Enter is pressed) to EXPLAIN the logged queries")
    parser.add_argument("--pg-dir", type=Path, help="PostgreSQL only: keep the filled cluster in this folder and "
                        "reuse it on the next run with the same folder (no fill when it holds the size already; "
                        "delete the folder when done: ~6 GB at 100,000)")
    parser.add_argument("--h2-dir", type=Path, help="H2 only: keep the engine's folder with its filled H2 database "
                        "here and reuse it on the next run with the same folder (as --pg-dir; ~9 GB at 100,000)")
    parser.add_argument("--queries", help="only these queries (comma-separated names of `queries`)")
    parser.add_argument("--baseline-jar", type=Path, help="variant `before`: ours from this engine jar (e.g. "
                        "main's engine/target/appeals-engine.jar copied before a change), on the same data")
    parser.add_argument("--baseline-drop-indexes", default="",
                        help="PostgreSQL: drop these indexes (comma-separated) before each start of `before`: "
                        "ours created them, the baseline jar would not have them")
    parser.add_argument("--rounds", type=int, default=1, help="measure the variants this many times in turn "
                        "at each size (each round a row; the machine's load changes less between neighbours)")
    args = parser.parse_args()
    only = tuple(args.queries.split(",")) if args.queries else None
    sizes = [int(s) for s in args.sizes.split(",")]
    variants = args.variants.split(",")
    if args.fill == "copy" and any(size % args.templates for size in sizes):
        parser.error(f"with --fill copy every size is a multiple of --templates ({args.templates})")
    rows: list[dict] = []
    t_all = time.perf_counter()
    for db in args.db.split(","):
        pg, state = None, None
        kept_dir = args.pg_dir if db == "postgresql" else args.h2_dir
        if db == "postgresql" and args.pg_dir:
            pg, state = kept_postgres(args.pg_dir)
        elif db == "h2" and args.h2_dir:
            state = kept_state(args.h2_dir)
        elif db == "postgresql":
            from tests.databases import PostgresServer

            pg = PostgresServer().start()
            pg.create_database("camunda")
        engine = Engine(db, pg, args.sql_log, args.h2_dir if db == "h2" else None)
        engine.baseline_jar = args.baseline_jar
        engine.baseline_drop = tuple(n for n in args.baseline_drop_indexes.split(",") if n)
        try:
            order = list(variants)
            print(f"[{db}] engine ({order[0]}) started in {engine.start(order[0]):.0f} s", flush=True)
            filled, templates = 0, []
            if state and state.get("filled"):
                filled, templates = state["filled"], state["templates"]
                chart = orgchart.load(orgchart.DEMO_ORG)
                print(f"[{db}] reusing {kept_dir}: {filled} open appeals", flush=True)
            else:
                chart = prepare(engine)
            for size in sizes:
                t0 = time.perf_counter()
                if args.fill == "rest":
                    fill(engine, chart, filled, size, args.threads)
                else:
                    if not templates:
                        fill(engine, chart, 0, args.templates, args.threads)
                        templates = instance_ids(engine)
                        filled = args.templates
                    if size > filled:
                        variant = engine.variant
                        engine.stop()  # H2: the file is the engine's alone; PostgreSQL: no engine writes meanwhile
                        first, last = filled // args.templates, size // args.templates
                        if pg is not None:
                            postgres_copies(pg, "camunda", templates, first, last)
                        else:
                            h2_copies(engine.h2_url(), templates, first, last)
                        engine.start(variant)
                        check_copy(engine, templates[0], last - 1)
                seconds = time.perf_counter() - t0
                count = Camunda(engine.url, ADMIN, PASSWORD, timeout=300).post("/process-instance/count",
                                                                  {"processDefinitionKey": PROCESS})["count"]
                if count != size:
                    raise SystemExit(f"[{db}] {count} open appeals, expected {size}")
                print(f"[{db}] {size} open appeals ({size - filled} added in {seconds:.0f} s, "
                      f"{(size - filled) / max(seconds, 1e-9):.0f}/s, fill {args.fill})", flush=True)
                filled = size
                if state is not None:
                    state.update(filled=filled, templates=templates)
                    (kept_dir / "bench-state.json").write_text(json.dumps(state), encoding="utf-8")
                # rounds in turn, every other one backwards (A B B A ...): one restart fewer per round,
                # and a drift of the machine's load falls on both variants alike
                for variant in [v for r in range(args.rounds) for v in (order if r % 2 == 0 else order[::-1])]:
                    if engine.variant != variant:
                        engine.stop()
                        engine.start(variant)
                    load0, cpu0 = os.getloadavg()[0], engine.cpu_seconds()
                    big_stock = variant == "stock" and size > args.stock_max
                    wanted = STOCK_AT_VOLUME if big_stock else None
                    if only is not None:
                        wanted = tuple(q for q in (wanted or only) if q in only)
                    result = measure(engine, args.stock_runs if big_stock else args.runs, wanted)
                    row = {"db": db, "size": size, "variant": variant, "engine_rss_mb": round(engine.rss_mb()),
                           "db_mb": round(engine.db_size_mb()), "queries": result,
                           "load": [round(load0, 1), round(os.getloadavg()[0], 1)],
                           "engine_cpu_s": round(engine.cpu_seconds() - cpu0, 1), "fill": args.fill}
                    rows.append(row)
                    print(f"[{db}] {size} {variant}: engine {row['engine_rss_mb']} MB RSS, db {row['db_mb']} MB, "
                          f"load {row['load'][0]}→{row['load'][1]}, engine CPU {row['engine_cpu_s']} s "
                          f"for {len(result)} queries", flush=True)
                    for name, r in result.items():
                        print(f"    {name:14} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  "
                              f"engine CPU {r['engine_cpu_ms']:6.1f} ms/request  ({r['rows']})", flush=True)
                if size == sizes[-1] and args.services:
                    services = services_memory(engine, args.services)
                    services["engine"] = {"rss_mb": round(engine.rss_mb())}
                    rows[-1]["services"] = services
                    print(f"[{db}] {size} memory: " + ", ".join(f"{name} {m}" for name, m in services.items()),
                          flush=True)
                same = [r["queries"] for r in rows if r["db"] == db and r["size"] == size]
                for name in same[0]:
                    answers = {json.dumps(q[name]["answer"]) for q in same if name in q}
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
                pg.stop()  # a --pg-dir cluster is stopped and kept
    print_table(rows)
    print(f"\nwhole run: {(time.perf_counter() - t_all) / 60:.1f} min", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


def kept_state(folder: Path) -> dict:
    """The benchmark's state kept in --pg-dir / --h2-dir (bench-state.json; created with the folder):
    the demo users' password, the open appeals filled and the template instances. A folder used
    before sets this run's PASSWORD to the one its users were created with."""
    global PASSWORD
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    state_file = folder / "bench-state.json"
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    if state.get("password"):
        PASSWORD = state["password"]
    else:
        state = {"password": PASSWORD, "filled": 0, "templates": []}
        state_file.write_text(json.dumps(state), encoding="utf-8")
    return state


def kept_postgres(folder: Path):
    """The PostgreSQL cluster of --pg-dir (created when absent; durability off as the throwaway ones),
    started on a free port, and the benchmark's state kept with it (`kept_state`). `stop()` keeps the
    folder."""
    from appeals.cluster import LocalPostgres

    state = kept_state(folder)
    pid_file = folder / "postgres" / "data" / "postmaster.pid"
    running = pid_file.exists() and len(pid_file.read_text().splitlines()) > 3
    port = int(pid_file.read_text().splitlines()[3]) if running else stack.free_port()  # still running: its port
    pg = LocalPostgres(folder, port, throwaway=True)
    pg.start()
    pg.throwaway = False  # started without durability; stop() keeps the folder
    pg.ensure_database("camunda")
    return pg, state


def services_memory(engine: Engine, seconds: float = 60.0) -> dict[str, dict]:
    """The product's Python services against this engine, as `appeals up` starts them, with the open
    work of the current size: `appeals worker` (every topic, long polls), `appeals public serve` and
    `appeals dashboard serve` (fresh SQLite application database, PDF off). After one request to each
    web service (the public form; the dashboard's board as supervisor) and `seconds` of running:
    resident memory now and at its peak (VmRSS / VmHWM, MB) and CPU seconds, per process."""
    from appeals.db import upgrade

    data = engine.data_dir / "services"
    data.mkdir(exist_ok=True)
    db_url = f"sqlite:///{data}/appeals.db"
    upgrade(db_url)
    secret = secrets.token_hex(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APPEALS_", "CAMUNDA_"))}
    env.update(APPEALS_ENGINE_URL=engine.url, APPEALS_DATA_DIR=str(data), APPEALS_DATABASE_URL=db_url,
               APPEALS_WORKER_USER="appeals-worker", APPEALS_WORKER_PASSWORD=PASSWORD,
               APPEALS_PUBLIC_PASSWORD=PASSWORD, APPEALS_PUBLIC_SECRET=secret, APPEALS_DASHBOARD_SECRET=secret,
               APPEALS_PDF="false", PYTHONPATH=str(ROOT / "workers"))
    ports = {"public": stack.free_port(), "dashboard": stack.free_port()}
    commands = {"worker": ["worker"], "public": ["public", "serve", "--port", str(ports["public"])],
                "dashboard": ["dashboard", "serve", "--port", str(ports["dashboard"])]}
    processes = {name: subprocess.Popen([sys.executable, "-m", "appeals.cli", *argv], env=env, cwd=data,
                                        stdout=open(data / f"{name}.log", "ab"), stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
                 for name, argv in commands.items()}
    try:
        for name in ("public", "dashboard"):
            stack.wait_until_listening(f"http://127.0.0.1:{ports[name]}/", timeout=120)
        requests.get(f"http://127.0.0.1:{ports['public']}/appeal", timeout=60)
        board = requests.Session()
        board.post(f"http://127.0.0.1:{ports['dashboard']}/login", timeout=60,
                   data={"username": USERS["cockpit"], "password": PASSWORD})
        board.get(f"http://127.0.0.1:{ports['dashboard']}/", timeout=120)
        time.sleep(seconds)
        out = {}
        for name, process in processes.items():
            if process.poll() is not None:
                out[name] = {"exited": process.returncode}
                continue
            status = {line.split(":")[0]: line.split()[1] for line in
                      Path(f"/proc/{process.pid}/status").read_text().splitlines() if line.startswith("Vm")}
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[name] = {"rss_mb": round(int(status["VmRSS"]) / 1024), "peak_rss_mb": round(int(status["VmHWM"]) / 1024),
                         "cpu_s": round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)}
        return out
    finally:
        for process in processes.values():
            stack.terminate(process)


def check_copy(engine: Engine, template: str, k: int) -> None:
    """Copy k of a template appeal answers like the template: the same tree of activity instances, one
    task with the same name and candidate groups, its task-local taskId naming itself, the business key
    with the suffix. SystemExit otherwise."""
    admin = Camunda(engine.url, ADMIN, PASSWORD)
    copy = f"{template}.{k}"

    def tree(node: dict) -> list:
        return sorted([node["activityId"], tree(child)] for child in node["childActivityInstances"])

    def task_of(instance: str) -> dict:
        tasks = admin.get("/task", processInstanceId=instance)
        assert len(tasks) == 1, tasks
        task = tasks[0]
        task["groups"] = sorted(link["groupId"] for link in admin.get(f"/task/{task['id']}/identity-links")
                                if link["type"] == "candidate")
        return task

    original, copied = task_of(template), task_of(copy)
    problems = []
    if tree(admin.get(f"/process-instance/{template}/activity-instances")) != \
            tree(admin.get(f"/process-instance/{copy}/activity-instances")):
        problems.append("activity instances differ")
    if (original["name"], original["groups"]) != (copied["name"], copied["groups"]):
        problems.append(f"task {original['name']} {original['groups']} vs {copied['name']} {copied['groups']}")
    if admin.get(f"/task/{copied['id']}/localVariables/taskId")["value"] != copied["id"]:
        problems.append("taskId variable")
    key = admin.get(f"/process-instance/{copy}")["businessKey"]
    if key != admin.get(f"/process-instance/{template}")["businessKey"] + f".{k}":
        problems.append(f"business key {key}")
    if problems:
        raise SystemExit(f"copy {copy} of {template}: " + "; ".join(problems))


def instance_ids(engine: Engine) -> list[str]:
    """Ids of the open EnterpriseAppeal instances (the templates of --fill copy)."""
    admin = Camunda(engine.url, ADMIN, PASSWORD)
    found = admin.post("/process-instance", {"processDefinitionKey": PROCESS},
                       params={"firstResult": 0, "maxResults": 100000})
    return [item["id"] for item in found]


def print_table(rows: list[dict]) -> None:
    if not rows:
        return
    names = list(dict.fromkeys(n for r in rows for n in r["queries"]))
    print("\n| db | open | variant | " + " | ".join(f"{n} p50/p95 ms" for n in names) + " | engine RSS | db | load |")
    print("|---|---|---|" + "---|" * len(names) + "---|---|---|")
    for row in rows:
        cells = [f"{row['queries'][n]['p50']:.0f} / {row['queries'][n]['p95']:.0f}" if n in row["queries"] else "—"
                 for n in names]
        print(f"| {row['db']} | {row['size']:,} | {row['variant']} | " + " | ".join(cells)
              + f" | {row['engine_rss_mb']} MB | {row['db_mb']} MB | {row['load'][0]}–{row['load'][1]} |")


if __name__ == "__main__":
    main()

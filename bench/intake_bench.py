"""Intake at volume (issue 15): a day of 12345 orders and a flood of public submissions into appeals.

    PYTHONPATH=workers .venv/bin/python bench/intake_bench.py [--db postgresql,h2]
        [--orders 65000] [--public 10000] [--baseline-orders 5000] [--baseline-ref main]
        [--concurrency 6] [--json results.json]

For each database it starts a throwaway engine from the project's jar (a free port, a temporary H2
folder or a throwaway PostgreSQL cluster from tests/databases.py, authorization on, as `appeals up`),
deploys the models and syncs the demo org chart (groups, grants, the workers' and the public pages'
technical users). The application database is SQLite in a temporary folder (H2 runs) or a database
of the same PostgreSQL cluster (PostgreSQL runs), migrated as `appeals up` does.

**Hotline.** The 12345 simulator (appeals.hotline.simulator, in its own process, as the platform is)
generates N orders received within one day (`days=1`: 5 % withdrawn, 10 % with 催单, 6 % with a wrong
credit code, a few malformed records). Our sync (`appeals.hotline.sync.sync`, the function the
pullHotlineOrders worker runs) is called in its own process, as the workers' technical user, until
a sync finds nothing new: each call pulls pages of 100 (the default), puts each record into the
registry or the quarantine, and drains the registry into EnterpriseAppeal instances (message
AppealSubmitted). Timed from the first call to the last; then it checks that the engine holds
exactly one appeal per well-formed, not withdrawn order (by business key) and nothing else.

**Public pages.** `appeals public serve` (waitress, 8 threads) in its own process; M
enterprises each load the questionnaire (GET /appeal: CSRF token) and submit it (POST), from
--concurrency clients at once, each from its own address (X-Forwarded-For behind one trusted proxy:
the per-address rate limit applies per enterprise, as in production). The receipt's wait for the
registration number is set to 0 (APPEALS_PUBLIC_REGISTRATION_WAIT_SECONDS; no workers run here: the number is the workers' job, measured by
bench/worker_bench.py). Checks that every submission became exactly one appeal.

**Baseline.** `--baseline-orders K` first runs the same hotline intake with the code of
`--baseline-ref` (default: main; exported by `git archive` into a temporary folder) on K orders, on
the same engine, so before and after stand side by side in one run.

Prints the time, orders per second, the engine's RSS, the sync process's peak RSS, the database
sizes. Not a test (docs/benchmarks.md, "Intake at volume").
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
try:
    import appeals  # noqa: F401
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(ROOT / "workers"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

API_KEY = "bench-" + secrets.token_hex(6)
PUBLIC_SECRET = secrets.token_urlsafe(32)
PROCESS = "EnterpriseAppeal"


def _uptime() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# =========================================================================================== children
def serve_simulator(orders: int, port_file: Path, seed: int, prefix: str) -> None:
    """(child process) The 12345 platform with `orders` orders of one day, until killed."""
    from appeals.hotline.simulator import HotlineSimulator, SimulatorServer

    t0 = time.perf_counter()
    simulator = HotlineSimulator(orders=orders, seed=seed, malformed=3, days=1, api_key=API_KEY_FROM_ENV(),
                                 prefix=prefix)
    server = SimulatorServer(simulator).start()
    ids = simulator.order_ids(include_withdrawn=False)
    port_file.write_text(json.dumps({"url": server.url, "expected": len(ids), "all": len(simulator.order_ids()),
                                     "generated_s": round(time.perf_counter() - t0, 1)}))
    threading.Event().wait()


def API_KEY_FROM_ENV() -> str:  # noqa: N802 - the child reads the key its parent chose
    return os.environ["BENCH_HOTLINE_KEY"]


def run_sync(url: str, engine_url: str, user: str, password: str, db_url: str, out: Path,
             concurrency: int) -> None:
    """(child process) Call the sync until it finds nothing new; write what happened to `out`."""
    import dataclasses
    import resource

    from appeals.camunda import Camunda
    from appeals.db import make_engine
    from appeals.hotline.sync import sync
    from appeals.settings import HotlineConfig

    fields = {f.name for f in dataclasses.fields(HotlineConfig)}
    values = {"url": url, "api_key": API_KEY_FROM_ENV(), "timeout": 60, "retry_wait": 0.2}
    if "drain_workers" in fields:
        values["drain_workers"] = concurrency
    config = HotlineConfig(**values)
    db = make_engine(db_url)
    camunda = Camunda(engine_url, user, password, timeout=120, pool_size=max(10, concurrency * 2))
    totals: dict[str, int] = {}
    calls = []
    profile = None
    if os.environ.get("BENCH_PROFILE"):  # where the sync's own time goes (cProfile, sorted by cumulative)
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    t0 = time.perf_counter()
    while True:
        s0 = time.perf_counter()
        report = sync(config, db=db, camunda=camunda)
        data = report.as_dict()
        calls.append({"seconds": round(time.perf_counter() - s0, 1), "records": data.get("records"),
                      "new": data.get("new"), "started": data.get("started"), "errors": data.get("errors")[:3]})
        print(f"    sync: {calls[-1]}", flush=True)
        for key, value in data.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
        if not data.get("new") and not data.get("started") and not data.get("start_failed"):
            break
        if len(calls) > 20:
            break
    elapsed = time.perf_counter() - t0
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=open(os.environ["BENCH_PROFILE"], "w")).sort_stats("cumulative").print_stats(60)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps({"seconds": elapsed, "calls": calls, "totals": totals,
                               "cpu_s": usage.ru_utime + usage.ru_stime,
                               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


# =========================================================================================== parent
def workers_tree(ref: str | None) -> tuple[Path, Path | None]:
    """The workers folder to import `appeals` from: ours, or `ref`'s exported into a temporary folder."""
    if ref is None:
        return ROOT / "workers", None
    folder = Path(tempfile.mkdtemp(prefix="appeals-baseline-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "workers"], check=True,
                             capture_output=True).stdout
    tar = folder / "workers.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as handle:
        handle.extractall(folder, filter="data")
    return folder / "workers", folder


def child(args: list[str], workers: Path, env_extra: dict[str, str], log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(workers), BENCH_HOTLINE_KEY=API_KEY, **env_extra)
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def wait_file(path: Path, process: subprocess.Popen, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return json.loads(path.read_text())
        if process.poll() is not None:
            raise RuntimeError(f"child {process.args} ended with {process.returncode}")
        time.sleep(0.5)
    raise TimeoutError(path)


def app_db_size_mb(db_url: str, tmp: Path, pg) -> float:
    if db_url.startswith("sqlite"):
        return sum(p.stat().st_size for p in tmp.glob("appeals*.db*")) / 2**20
    name = db_url.rsplit("/", 1)[1]
    out = subprocess.run(
        [*(["runuser", "-u", "postgres", "--"] if pg.as_root else []), str(pg.bin_dir / "psql"),
         "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-At", "-c",
         f"select pg_database_size('{name}')"], capture_output=True, text=True, check=True, cwd=pg.root)
    return int(out.stdout.strip()) / 2**20


def hotline_run(label: str, prefix: str, orders: int, seed: int, engine, db_url: str, workers: Path, tmp: Path,
                concurrency: int, worker_password: str) -> dict:
    from scale_bench import ADMIN, PASSWORD

    from appeals.camunda import Camunda

    admin = Camunda(engine.url, ADMIN, PASSWORD, timeout=300)
    port_file, out = tmp / f"sim-{label}.json", tmp / f"sync-{label}.json"
    print(f"  [{label}] generating {orders:,} orders in the simulator …", flush=True)
    sim = child(["_simulator", str(orders), str(port_file), str(seed), prefix], ROOT / "workers", {}, tmp / "sim.log")
    try:
        info = wait_file(port_file, sim, 900)
        before = admin.get("/history/process-instance/count", processDefinitionKey=PROCESS)["count"]
        load = _uptime()
        print(f"  [{label}] simulator ready ({info['expected']:,} to become appeals, generated in "
              f"{info['generated_s']} s); syncing, load {load}", flush=True)
        sync = child(["_sync", info["url"], engine.url, "appeals-worker", worker_password, db_url, str(out),
                      str(concurrency)], workers, {}, tmp / f"sync-{label}.log")
        engine_rss = 0.0
        engine_cpu, sim_cpu = _cpu_s(engine.process.pid), _cpu_s(sim.pid)
        engine_cpu_now, sim_cpu_now = engine_cpu, sim_cpu
        while sync.poll() is None:
            engine_rss = max(engine_rss, engine.rss_mb())
            sim_cpu_now, engine_cpu_now = _cpu_s(sim.pid), _cpu_s(engine.process.pid)
            time.sleep(1)
        engine_cpu, sim_cpu = engine_cpu_now - engine_cpu, sim_cpu_now - sim_cpu
        if sync.returncode != 0:
            print((tmp / f"sync-{label}.log").read_text()[-3000:], file=sys.stderr)
            raise RuntimeError(f"sync ended with {sync.returncode}")
        result = json.loads(out.read_text())
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    after = admin.get("/history/process-instance/count", processDefinitionKey=PROCESS)["count"]
    prefix_count = admin.get("/history/process-instance/count", processDefinitionKey=PROCESS,
                             processInstanceBusinessKeyLike=f"12345-{prefix}%")["count"]
    seconds = result["seconds"]
    row = {"label": label, "orders": orders, "expected": info["expected"], "appeals": after - before,
           "seconds": round(seconds, 1), "per_s": round(info["expected"] / seconds, 1),
           "syncs": len(result["calls"]), "load_start": load, "load_end": _uptime(),
           "engine_rss_mb": round(engine_rss), "sync_peak_rss_mb": round(result["peak_rss_mb"]),
           "engine_db_mb": round(engine.db_size_mb()), "app_db_mb": round(app_db_size_mb(db_url, tmp, engine.pg), 1),
           "totals": result["totals"], "prefix_appeals": prefix_count, "engine_cpu_s": round(engine_cpu),
           "simulator_cpu_s": round(sim_cpu), "sync_cpu_s": round(result.get("cpu_s", 0))}
    for call in result["calls"]:
        print(f"    one sync: {call}", flush=True)
    ok = row["appeals"] == info["expected"] == prefix_count
    print(f"  [{label}] {row['appeals']:,} appeals for {info['expected']:,} orders "
          f"{'(exactly one each)' if ok else '(MISMATCH)'} in {seconds:.1f} s = {row['per_s']}/s, "
          f"{row['syncs']} syncs; engine RSS {row['engine_rss_mb']} MB, sync peak RSS {row['sync_peak_rss_mb']} MB, "
          f"engine db {row['engine_db_mb']} MB, app db {row['app_db_mb']} MB; CPU s: engine {row['engine_cpu_s']}, "
          f"sync {row['sync_cpu_s']}, simulator {row['simulator_cpu_s']}; load {load} → {row['load_end']}",
          flush=True)
    row["exact"] = ok
    return row


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def public_run(count: int, engine, db_url: str, tmp: Path, concurrency: int, public_password: str) -> dict:
    import random

    import requests
    from scale_bench import ADMIN, PASSWORD
    from stdnum.cn import uscc

    from appeals import stack
    from appeals.camunda import Camunda
    from appeals.hotline.simulator import PROBLEMS, credit_code

    admin = Camunda(engine.url, ADMIN, PASSWORD, timeout=300)
    port = stack.free_port()
    env = {"APPEALS_ENGINE_URL": engine.url, "APPEALS_DATABASE_URL": db_url, "APPEALS_PUBLIC_PASSWORD": public_password,
           "APPEALS_PUBLIC_SECRET": PUBLIC_SECRET, "APPEALS_PUBLIC_TRUSTED_PROXIES": "1",
           "APPEALS_DATA_DIR": str(tmp), "APPEALS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    env["APPEALS_PUBLIC_REGISTRATION_WAIT_SECONDS"] = "0"
    server = subprocess.Popen([sys.executable, "-m", "appeals.cli", "public", "serve", "--port", str(port)],
                              env=dict(os.environ, PYTHONPATH=str(ROOT / "workers"), **env), cwd=tmp,
                              stdout=open(tmp / "public.log", "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print((tmp / "public.log").read_text()[-3000:], file=sys.stderr)
                raise RuntimeError("the public pages did not start")
            time.sleep(0.5)
        before = admin.get("/history/process-instance/count", processDefinitionKey=PROCESS,
                           processInstanceBusinessKeyLike="WEB-%")["count"]
        token_re = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
        failures: list[str] = []
        categories = list(PROBLEMS)

        def one(n: int) -> float:
            rng = random.Random(n)
            session = requests.Session()
            ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
            headers = {"X-Forwarded-For": ip}
            t0 = time.perf_counter()
            page = session.get(f"{base}/appeal", headers=headers, timeout=120)
            match = token_re.search(page.text)
            category = rng.choice(categories)
            text, help_ = rng.choice(PROBLEMS[category])
            form = {
                "csrf_token": (match.group(1) or match.group(2)) if match else "",
                "nonce": secrets.token_urlsafe(18), "agree": "1",
                "enterpriseName": f"某县第{n + 1}号{rng.choice(('机械', '建材', '食品'))}有限公司",
                "creditCode": credit_code(rng), "enterpriseAddress": f"某县经济开发区创业路{n % 200 + 1}号",
                "contactName": rng.choice(SURNAMES) + "经理", "contactPosition": "总经理",
                "contactPhone": "139" + f"{rng.randint(0, 99_999_999):08d}", "contactEmail": "",
                "category": category, "appealKind": "help",
                "problemDescription": text.format(year=2025, amount=80, kva=1250, workers=50),
                "requestedHelp": help_.format(year=2025, amount=80, kva=1250, workers=50),
            }
            assert uscc.is_valid(form["creditCode"])
            answer = session.post(f"{base}/appeal", data=form, headers=headers, timeout=120, allow_redirects=False)
            if answer.status_code != 303 or "/appeal/receipt/" not in answer.headers.get("Location", ""):
                failures.append(f"{n}: HTTP {answer.status_code} {answer.text[:200]}")
            return time.perf_counter() - t0

        load = _uptime()
        print(f"  [public] {count:,} submissions from {concurrency} clients at once, load {load}", flush=True)
        engine_rss = 0.0
        t0 = time.perf_counter()
        latencies: list[float] = []
        with cf.ThreadPoolExecutor(concurrency) as pool:
            for done, latency in enumerate(pool.map(one, range(count)), 1):
                latencies.append(latency)
                if done % 1000 == 0:
                    engine_rss = max(engine_rss, engine.rss_mb())
                    print(f"    {done:,} submitted ({done / (time.perf_counter() - t0):.1f}/s)", flush=True)
        seconds = time.perf_counter() - t0
        public_rss = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    after = admin.get("/history/process-instance/count", processDefinitionKey=PROCESS,
                      processInstanceBusinessKeyLike="WEB-%")["count"]
    latencies.sort()
    row = {"label": "public", "submissions": count, "appeals": after - before, "failures": len(failures),
           "seconds": round(seconds, 1), "per_s": round(count / seconds, 1),
           "p50_ms": round(latencies[len(latencies) // 2] * 1000), "p95_ms": round(latencies[int(len(latencies) * .95)]
                                                                                  * 1000),
           "load_start": load, "load_end": _uptime(), "engine_rss_mb": round(engine_rss),
           "public_rss_mb": round(public_rss), "engine_db_mb": round(engine.db_size_mb()),
           "app_db_mb": round(app_db_size_mb(db_url, tmp, engine.pg), 1)}
    row["exact"] = row["appeals"] == count and not failures
    print(f"  [public] {row['appeals']:,} appeals for {count:,} submissions "
          f"{'(exactly one each)' if row['exact'] else '(MISMATCH: ' + '; '.join(failures[:3]) + ')'} in "
          f"{seconds:.1f} s = {row['per_s']}/s (GET form + POST: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms); "
          f"engine RSS {row['engine_rss_mb']} MB, public pages RSS {row['public_rss_mb']} MB; load {load} → "
          f"{row['load_end']}", flush=True)
    return row


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        mode, rest = sys.argv[1], sys.argv[2:]
        if mode == "_simulator":
            serve_simulator(int(rest[0]), Path(rest[1]), int(rest[2]), rest[3])
        elif mode == "_sync":
            run_sync(rest[0], rest[1], rest[2], rest[3], rest[4], Path(rest[5]), int(rest[6]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgresql,h2")
    parser.add_argument("--orders", type=int, default=65000)
    parser.add_argument("--public", type=int, default=10000)
    parser.add_argument("--baseline-orders", type=int, default=0)
    parser.add_argument("--baseline-ref", default="main")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from scale_bench import ADMIN, PASSWORD, Engine

    from appeals import org as orgchart
    from appeals.camunda import Camunda
    from appeals.db import upgrade
    from appeals.deploy import deploy

    rows: list[dict] = []
    for db in args.db.split(","):
        pg = None
        tmp = Path(tempfile.mkdtemp(prefix=f"appeals-intake-{db}-"))
        if db == "postgresql":
            from tests.databases import PostgresServer

            pg = PostgresServer().start()
            pg.create_database("camunda")
            db_url = pg.create_database("appeals")
        else:
            db_url = f"sqlite:///{tmp}/appeals.db"
        upgrade(db_url)
        engine = Engine(db, pg)
        baseline_root = None
        try:
            print(f"[{db}] engine started in {engine.start('fast'):.0f} s", flush=True)
            admin = Camunda(engine.url, ADMIN, PASSWORD, timeout=120)
            deploy(admin)
            orgchart.IdentitySync(admin, PASSWORD).sync(orgchart.load(orgchart.DEMO_ORG), worker_password=PASSWORD,
                                                         public_password=PASSWORD)
            if args.baseline_orders:
                workers, baseline_root = workers_tree(args.baseline_ref)
                row = hotline_run(f"hotline {args.baseline_ref}", "BA", args.baseline_orders, 1, engine, db_url, workers,
                                  tmp, args.concurrency, PASSWORD)
                rows.append({"db": db, **row})
            if args.orders:
                row = hotline_run("hotline ours", "BJ", args.orders, 2, engine, db_url, ROOT / "workers", tmp,
                                  args.concurrency, PASSWORD)
                rows.append({"db": db, **row})
            if args.public:
                row = public_run(args.public, engine, db_url, tmp, args.concurrency, PASSWORD)
                rows.append({"db": db, **row})
        finally:
            engine.cleanup()
            if pg is not None:
                pg.stop()
            shutil.rmtree(tmp, ignore_errors=True)
            if baseline_root is not None:
                shutil.rmtree(baseline_root, ignore_errors=True)
    print("\n| db | what | items | appeals | seconds | per s | load | engine RSS | sync/public RSS | engine db | app db |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        items = r.get("expected", r.get("submissions"))
        print(f"| {r['db']} | {r['label']} | {items:,} | {r['appeals']:,}{'' if r['exact'] else ' (!)'} | "
              f"{r['seconds']} | {r['per_s']} | {r['load_start']}–{r['load_end']} | {r['engine_rss_mb']} MB | "
              f"{r.get('sync_peak_rss_mb', r.get('public_rss_mb'))} MB | {r['engine_db_mb']} MB | {r['app_db_mb']} MB |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()

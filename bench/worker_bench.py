"""Benchmark of the external-task worker runtime (issue 5): throughput, pickup latency, documents/s.

    .venv/bin/python bench/worker_bench.py [--tasks 5000] [--runs 3] [--max-tasks 32]
                                           [--rate 20] [--duration 30] [--skip-latency] [--skip-documents]

Starts its own engine from the jar (a free port, a throwaway H2 data folder, a random admin password),
deploys a minimal process (start → external task `benchNoop` → end) from a temporary folder and stops
the engine at the end. Everything runs as the admin. Not a test: prints a table (docs/benchmarks.md).

Throughput: for every consumer, a fresh backlog of --tasks instances, then the time that consumer
(in its own Python process) takes to complete all of them with a no-op handler:

  ours          appeals.runtime.Worker as `appeals worker` runs it (8 handlers, default prefetch);
                ours-noprefetch never locks more than its free handlers; ours-<N>[-f<prefetch>][-p<pool>]
  peer-*        camunda-external-task-client-python3 (one sync worker, 4 sync workers in threads, the
                async worker, the README's default_config; peer-<workers>x<maxTasks>)
  bare          a bare REST loop on one requests.Session: fetchAndLock(100) + complete each, sequentially
  bare-Nt       the same loop in N threads (one session each)

Each consumer's clock starts just before it starts consuming and stops when its N-th complete
returned (counted after the HTTP call, the same way for every consumer). CPU seconds of the consumer
process and of the engine during that window are reported too (per task), since the machine is shared.

Latency: instances started at --rate per second for --duration seconds while one consumer runs;
latency = client clock when the start request is sent (variable benchStart) → handler starts.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import appeals  # noqa: F401
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workers"))

import requests  # noqa: E402

from appeals import stack  # noqa: E402
from appeals.camunda import Camunda  # noqa: E402
from appeals.runtime import DEFAULT_PREFETCH  # noqa: E402

HERE = Path(__file__).resolve()
PROCESS_KEY = "benchNoopProcess"
TOPIC = "benchNoop"
ADMIN = "admin"
JAVA_OPTS = stack.ENGINE_JVM_OPTIONS  # as `appeals up`

BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="benchDefinitions" targetNamespace="http://appeals.example/bench">
  <bpmn:process id="{PROCESS_KEY}" name="Worker benchmark" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start"><bpmn:outgoing>toNoop</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="toNoop" sourceRef="start" targetRef="noop" />
    <bpmn:serviceTask id="noop" name="No-op" camunda:type="external" camunda:topic="{TOPIC}"
                      camunda:asyncBefore="false">
      <bpmn:incoming>toNoop</bpmn:incoming><bpmn:outgoing>toEnd</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="toEnd" sourceRef="noop" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>toEnd</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""

# Consumers of the throughput test: name → parameters of the child process. The peer's settings are
# the ones its README and source document (ExternalTaskClient.default_config); see docs/benchmarks.md.
PEER_BASE = {"lockDuration": 60_000, "asyncResponseTimeout": 1_000, "retries": 3, "retryTimeout": 5_000,
             "sleepSeconds": 1, "includeExtensionProperties": False}
PEER_README = {"maxTasks": 1, "lockDuration": 10_000, "asyncResponseTimeout": 5_000, "retries": 3,
               "retryTimeout": 5_000, "sleepSeconds": 30}  # the README's "default_config"


def consumers(max_tasks: int, bare_threads: int) -> dict[str, dict]:
    locked = max_tasks + DEFAULT_PREFETCH  # what ours locks at most: the peers may lock as many per fetch
    table = {
        # `appeals worker` as it runs in production: 8 handlers and the default prefetch
        "ours": {"kind": "ours", "max_tasks": max_tasks, "async_response_timeout_ms": 1000, "pool_size": 32},
        # ours without prefetch: a fetch never locks more tasks than there are free handlers
        "ours-noprefetch": {"kind": "ours", "max_tasks": max_tasks, "async_response_timeout_ms": 1000,
                            "prefetch": 0, "pool_size": 32},
        # one sequential worker fetching as many tasks as ours locks at most
        "peer-sync": {"kind": "peer-sync", "workers": 1, "peer": dict(PEER_BASE, maxTasks=locked)},
        # the README's pattern for parallelism: several workers in a thread pool (each its own long poll)
        "peer-threads": {"kind": "peer-sync", "workers": 4, "peer": dict(PEER_BASE, maxTasks=locked // 4)},
        # the package's asyncio worker (fetches one task per request, by its source)
        "peer-async": {"kind": "peer-async", "peer": dict(PEER_BASE, maxConcurrentTasks=max_tasks)},
        "peer-readme": {"kind": "peer-sync", "workers": 1, "peer": PEER_README},
        "bare": {"kind": "bare", "threads": 1, "max_tasks": 100},
        f"bare-{bare_threads}t": {"kind": "bare", "threads": bare_threads, "max_tasks": 100},
    }
    return table


def consumer(table: dict[str, dict], name: str) -> dict:
    """A consumer of the table, or a variant named on the command line (see the module's docstring)."""
    if name in table:
        return table[name]
    parts = name.split("-")
    if parts[0] == "ours" and len(parts) >= 2 and parts[1].isdigit():
        options = {part[0]: int(part[1:]) for part in parts[2:]}  # f<prefetch>, p<connection pool>
        return {"kind": "ours", "max_tasks": int(parts[1]), "async_response_timeout_ms": 1000,
                "prefetch": options.get("f"), "pool_size": options.get("p", 32)}
    if parts[0] == "peer" and len(parts) == 2 and "x" in parts[1]:  # peer-<workers>x<maxTasks>
        workers, max_tasks = (int(n) for n in parts[1].split("x"))
        return {"kind": "peer-sync", "workers": workers, "peer": dict(PEER_BASE, maxTasks=max_tasks)}
    if parts[0] == "bare" and len(parts) == 2 and parts[1].endswith("t") and parts[1][:-1].isdigit():
        return {"kind": "bare", "threads": int(parts[1][:-1]), "max_tasks": 100}
    raise SystemExit(f"unknown consumer {name!r}")


DEFAULT_CONSUMERS = ("ours", "ours-noprefetch", "peer-sync", "peer-threads", "bare", "bare-{bare}t")


# =========================================================================================== engine
class Engine:
    """The engine jar on a free port with a throwaway H2 database (only this process is ever stopped)."""

    def __init__(self) -> None:
        self.port = stack.free_port()
        self.password = "bench-" + secrets.token_hex(12)
        self.data_dir = Path(tempfile.mkdtemp(prefix="appeals-worker-bench-"))
        self.url = f"http://127.0.0.1:{self.port}/engine-rest"
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        jar = stack.build_engine()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DB_", "APPEALS_", "CAMUNDA_", "SPRING_", "HISTORY_TTL"))}
        env.update(SERVER_PORT=str(self.port), APPEALS_DATA_DIR=str(self.data_dir),
                   CAMUNDA_ADMIN_USER=ADMIN, CAMUNDA_ADMIN_PASSWORD=self.password)
        log = open(self.data_dir / "engine.log", "ab")
        self.process = subprocess.Popen(["java", *JAVA_OPTS, "-jar", str(jar)], stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                        cwd=self.data_dir)
        try:
            return stack.wait_for_engine(self.url, (ADMIN, self.password), timeout=300, pid=self.process.pid)
        except stack.StackError:
            print((self.data_dir / "engine.log").read_text(errors="replace")[-4000:], file=sys.stderr)
            raise

    def cpu_seconds(self) -> float:
        """utime + stime of the engine process so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is not None:
            stack.terminate(self.process)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def deploy(admin: Camunda) -> None:
    with tempfile.TemporaryDirectory(prefix="worker-bench-bpmn-") as folder:
        path = Path(folder) / "worker-bench.bpmn"
        path.write_text(BPMN, encoding="utf-8")
        result = admin.deploy("worker-bench", [(path.name, path.read_bytes())])
    assert result.get("deployedProcessDefinitions"), result


_local = threading.local()


def thread_session(auth: tuple[str, str]) -> requests.Session:
    """One requests session per thread (connection reuse; requests.Session is not thread-safe)."""
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
        _local.session.auth = auth
    return _local.session


def start_instance(url: str, auth: tuple[str, str], variables: dict | None = None) -> float:
    """Start one instance; returns the seconds the start request took."""
    t0 = time.perf_counter()
    body = {"variables": variables} if variables else {}
    if variables is not None and "benchStart" in variables:  # the client clock as late as possible
        variables["benchStart"] = {"value": time.time(), "type": "Double"}
    response = thread_session(auth).post(f"{url}/process-definition/key/{PROCESS_KEY}/start", json=body, timeout=60)
    response.raise_for_status()
    return time.perf_counter() - t0


def create_backlog(url: str, auth: tuple[str, str], count: int, threads: int = 6) -> float:
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(start_instance, url, auth) for _ in range(count)]:
            future.result()
    return time.perf_counter() - t0


def open_tasks(admin: Camunda, **query: str) -> int:
    return admin.get("/external-task/count", topicName=TOPIC, **query)["count"]


# =========================================================================================== children
def run_child(engine: Engine, params: dict, mode: str, tasks: int, timeout: float,
              on_ready=None) -> dict:
    """One consumer in its own Python process; returns the JSON it printed."""
    config = dict(params, mode=mode, tasks=tasks, url=engine.url, user=ADMIN, timeout=max(timeout - 30, 30))
    env = dict(os.environ, BENCH_PASSWORD=engine.password)
    child = subprocess.Popen([sys.executable, str(HERE), "--child", json.dumps(config)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    stderr_lines: list[str] = []
    drain = threading.Thread(target=lambda: stderr_lines.extend(child.stderr), daemon=True)
    drain.start()
    result = None
    deadline = time.monotonic() + timeout
    try:
        for line in child.stdout:
            if line.startswith("READY") and on_ready is not None:
                on_ready()
            elif line.startswith("RESULT "):
                result = json.loads(line[7:])
                break
            if time.monotonic() > deadline:
                break
    finally:
        try:
            child.wait(timeout=max(5.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()  # our own child (the peer's worker loops never return)
            child.wait()
    drain.join(timeout=5)
    # A consumer killed with a long poll still pending in the engine would lock tasks of the next
    # backlog for a dead worker (until lockDuration): let its polls (asyncResponseTimeout) expire.
    poll_ms = params.get("peer", {}).get("asyncResponseTimeout", params.get("async_response_timeout_ms", 1000))
    time.sleep(poll_ms / 1000 + 1.5)
    if result is None:
        raise RuntimeError(f"consumer {params} gave no result; stderr:\n{''.join(stderr_lines)[-3000:]}")
    return result


def child_main(config: dict) -> None:
    """Entry of a consumer process: consume `tasks` tasks, print RESULT {json}, exit."""
    url, auth, tasks = config["url"], (config["user"], os.environ["BENCH_PASSWORD"]), config["tasks"]
    latency_mode = config["mode"] == "latency"
    done = threading.Event()
    lock = threading.Lock()
    state = {"completed": 0, "t1": 0.0, "cpu1": 0.0, "fetches": 0}
    latencies: list[float] = []

    def completed_one() -> None:
        with lock:
            state["completed"] += 1
            if state["completed"] == tasks:
                state["t1"], state["cpu1"] = time.perf_counter(), time.process_time()
                done.set()

    def fetched() -> None:
        with lock:
            state["fetches"] += 1

    def picked(start_epoch: float | None) -> None:
        if latency_mode and start_epoch is not None:
            latencies.append(time.time() - start_epoch)

    kind = config["kind"]
    starters: list = []
    stop = lambda: None  # noqa: E731

    if kind == "ours":
        from appeals.runtime import Router, Worker

        class CountingCamunda(Camunda):
            def fetch_and_lock(self, *args, **kwargs):
                fetched()
                return super().fetch_and_lock(*args, **kwargs)

            def complete_external(self, *args, **kwargs):
                super().complete_external(*args, **kwargs)
                completed_one()

        router = Router()

        @router.topic(TOPIC, variables=("benchStart",) if latency_mode else ())
        def noop(task):
            picked(task.variables.get("benchStart"))
            return {}

        client = CountingCamunda(url, *auth, pool_size=config["pool_size"])
        worker = Worker(client, router, worker_id="bench-ours", max_tasks=config["max_tasks"],
                        async_response_timeout_ms=config["async_response_timeout_ms"],
                        prefetch=config.get("prefetch"))
        starters.append(worker.run)
        stop = worker.stop

    elif kind == "peer-sync":
        from camunda.client.external_task_client import ExternalTaskClient
        from camunda.external_task.external_task_worker import ExternalTaskWorker

        original = ExternalTaskClient.complete

        def counting_complete(self, *args, **kwargs):
            ok = original(self, *args, **kwargs)
            completed_one()
            return ok

        ExternalTaskClient.complete = counting_complete
        original_fetch = ExternalTaskClient.fetch_and_lock

        def counting_fetch(self, *args, **kwargs):
            fetched()
            return original_fetch(self, *args, **kwargs)

        ExternalTaskClient.fetch_and_lock = counting_fetch
        peer_config = dict(config["peer"], auth_basic={"username": auth[0], "password": auth[1]})

        def handler(task):
            picked(task.get_variable("benchStart") if latency_mode else None)
            return task.complete({})

        for n in range(config["workers"]):
            worker = ExternalTaskWorker(worker_id=f"bench-peer-{n}", base_url=url, config=peer_config)
            starters.append(lambda w=worker: w.subscribe(TOPIC, handler,
                                                         variables=["benchStart"] if latency_mode else []))

    elif kind == "peer-async":
        import asyncio

        from camunda.client.async_external_task_client import AsyncExternalTaskClient
        from camunda.external_task.async_external_task_worker import AsyncExternalTaskWorker

        original_async = AsyncExternalTaskClient.complete

        async def counting_complete_async(self, *args, **kwargs):
            ok = await original_async(self, *args, **kwargs)
            completed_one()
            return ok

        AsyncExternalTaskClient.complete = counting_complete_async
        original_fetch_async = AsyncExternalTaskClient.fetch_and_lock

        async def counting_fetch_async(self, *args, **kwargs):
            fetched()
            return await original_fetch_async(self, *args, **kwargs)

        AsyncExternalTaskClient.fetch_and_lock = counting_fetch_async
        peer_config = dict(config["peer"], auth_basic={"username": auth[0], "password": auth[1]})

        async def async_handler(task):
            picked(task.get_variable("benchStart") if latency_mode else None)
            return task.complete({})

        def run_async() -> None:
            worker = AsyncExternalTaskWorker(worker_id="bench-peer-async", base_url=url, config=peer_config)
            asyncio.run(worker.subscribe({TOPIC: async_handler},
                                         variables=["benchStart"] if latency_mode else []))

        starters.append(run_async)

    elif kind == "bare":
        finished = threading.Event()

        def loop(n: int) -> None:
            session = requests.Session()
            session.auth = auth
            body = {"workerId": f"bench-bare-{n}", "maxTasks": config["max_tasks"], "asyncResponseTimeout": 1000,
                    "topics": [{"topicName": TOPIC, "lockDuration": 60_000,
                                "variables": ["benchStart"] if latency_mode else []}]}
            complete_body = {"workerId": body["workerId"]}
            while not finished.is_set():
                fetched()
                response = session.post(f"{url}/external-task/fetchAndLock", json=body, timeout=30)
                response.raise_for_status()
                for task in response.json():
                    if latency_mode:
                        picked(task["variables"]["benchStart"]["value"])
                    answer = session.post(f"{url}/external-task/{task['id']}/complete", json=complete_body,
                                          timeout=30)
                    if answer.status_code != 204:
                        raise RuntimeError(f"complete: HTTP {answer.status_code} {answer.text[:300]}")
                    completed_one()

        for n in range(config["threads"]):
            starters.append(lambda n=n: loop(n))
        stop = finished.set
    else:
        raise SystemExit(f"unknown consumer kind {kind}")

    t0, cpu0 = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=start, daemon=True) for start in starters]
    for thread in threads:
        thread.start()
    print("READY", flush=True)
    finished_in_time = done.wait(config.get("timeout", 900))
    stop()
    result = {"completed": state["completed"], "ok": finished_in_time}
    if finished_in_time:
        result.update(seconds=state["t1"] - t0, cpu_seconds=state["cpu1"] - cpu0, fetches=state["fetches"])
    if latency_mode:
        result["latencies"] = latencies
    print("RESULT " + json.dumps(result), flush=True)
    if kind in ("ours",):
        for thread in threads:
            thread.join(timeout=10)
    sys.stdout.flush()
    os._exit(0)  # the peer's loops never return; daemon threads die here


# =========================================================================================== measurements
def loadavg() -> float:
    return os.getloadavg()[0]


def throughput(engine: Engine, admin: Camunda, name: str, params: dict, tasks: int) -> dict:
    auth = (ADMIN, engine.password)
    if open_tasks(admin):
        raise RuntimeError(f"{open_tasks(admin)} tasks left over before {name}")
    created = create_backlog(engine.url, auth, tasks)
    time.sleep(2)  # let the engine settle (GC, commits)
    if open_tasks(admin) != tasks or open_tasks(admin, locked="true"):
        raise RuntimeError(f"backlog of {name}: {open_tasks(admin)} open, {open_tasks(admin, locked='true')} locked")
    load = loadavg()
    cpu0 = engine.cpu_seconds()
    result = run_child(engine, params, "throughput", tasks, timeout=1200)
    engine_cpu = engine.cpu_seconds() - cpu0
    if not result["ok"]:
        raise RuntimeError(f"{name} did not finish: {result}")
    left = open_tasks(admin)
    if left:
        raise RuntimeError(f"{name}: {left} tasks still open after the consumer finished")
    seconds = result["seconds"]
    return {"consumer": name, "tasks": tasks, "seconds": seconds, "rate": tasks / seconds,
            "client_cpu_ms": result["cpu_seconds"] / tasks * 1000,
            "engine_cpu_ms": engine_cpu / tasks * 1000,  # includes the child's start-up and shutdown
            "tasks_per_fetch": tasks / max(result["fetches"], 1),
            "backlog_rate": tasks / created, "load": load}


def latency(engine: Engine, params: dict, rate: float, duration: float) -> dict:
    auth = (ADMIN, engine.password)
    total = int(rate * duration)
    start_times: list[float] = []
    gen_error: list[BaseException] = []

    def generate() -> None:
        try:
            with cf.ThreadPoolExecutor(4) as pool:
                futures = []
                t0 = time.perf_counter()
                for i in range(total):
                    delay = t0 + i / rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    futures.append(pool.submit(start_instance, engine.url, auth, {"benchStart": None}))
                start_times.extend(f.result() for f in futures)
        except BaseException as exc:  # noqa: BLE001
            gen_error.append(exc)

    generator = threading.Thread(target=generate, daemon=True)

    def on_ready() -> None:
        time.sleep(1.0)  # the consumer's first long poll is pending
        generator.start()

    result = run_child(engine, params, "latency", total, timeout=duration + 300, on_ready=on_ready)
    generator.join(timeout=60)
    if gen_error:
        raise gen_error[0]
    values = sorted(result["latencies"])
    if len(values) != total:
        raise RuntimeError(f"latency: {len(values)} of {total} tasks seen")
    return {"n": total, "p50": percentile(values, 50) * 1000, "p90": percentile(values, 90) * 1000,
            "p99": percentile(values, 99) * 1000, "max": values[-1] * 1000,
            "start_p50": percentile(sorted(start_times), 50) * 1000,
            "start_p99": percentile(sorted(start_times), 99) * 1000}


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def documents(runs: int, n: int) -> list[float]:
    """bench/documents_bench.py pinned to one CPU: documents/s over all kinds, one value per run."""
    values = []
    for _ in range(runs):
        output = subprocess.run([sys.executable, str(HERE.parent / "documents_bench.py"), "-n", str(n), "--pin"],
                                capture_output=True, text=True, check=True).stdout
        line = next(line for line in output.splitlines() if line.startswith("all kinds"))
        values.append(float(line.split()[2]))
    return values


# =========================================================================================== main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000, help="backlog per consumer and run (default 5000)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions; medians are reported (default 3)")
    parser.add_argument("--max-tasks", type=int, default=8, help="handlers of ours (as `appeals worker`)")
    parser.add_argument("--bare-threads", type=int, default=4, help="threads of the concurrent bare loop")
    parser.add_argument("--consumers", help="comma-separated consumers (also: peer-async, peer-readme)")
    parser.add_argument("--rate", type=float, default=20.0, help="arrivals per second of the latency test")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of the latency test")
    parser.add_argument("--latency-consumers", default="ours,peer-sync", help="consumers of the latency test")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-documents", action="store_true")
    parser.add_argument("--documents-n", type=int, default=50, help="documents per kind and run")
    parser.add_argument("--warmup", type=int, default=2000, help="instances to warm the engine up with")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(json.loads(args.child))
        return

    all_consumers = consumers(args.max_tasks, args.bare_threads)
    names = (args.consumers.split(",") if args.consumers else
             [n.format(bare=args.bare_threads) for n in DEFAULT_CONSUMERS])
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {loadavg():.2f}; "
          f"{args.tasks} tasks x {args.runs} runs; consumers: {', '.join(names)}", flush=True)

    engine = Engine()
    raw: dict = {"throughput": [], "latency": {}, "documents": []}
    try:
        started = engine.start()
        admin = Camunda(engine.url, ADMIN, engine.password)
        version = admin.version()
        print(f"engine {version} up in {started:.0f} s on port {engine.port} ({' '.join(JAVA_OPTS)})", flush=True)
        deploy(admin)
        if args.warmup:  # JIT and caches: one backlog consumed by the bare loop, not measured
            create_backlog(engine.url, (ADMIN, engine.password), args.warmup)
            run_child(engine, all_consumers["bare"], "throughput", args.warmup, timeout=600)
            print(f"warm-up: {args.warmup} instances", flush=True)

        for run in range(args.runs):
            order = names[run % len(names):] + names[:run % len(names)]  # rotate against drift
            for name in order:
                row = throughput(engine, admin, name, consumer(all_consumers, name), args.tasks)
                row["run"] = run + 1
                raw["throughput"].append(row)
                print(f"run {run + 1} {name:<13} {row['rate']:8.1f} tasks/s  {row['seconds']:6.1f} s  "
                      f"client {row['client_cpu_ms']:.2f} ms/task  engine {row['engine_cpu_ms']:.2f} ms/task  "
                      f"{row['tasks_per_fetch']:.1f} tasks/fetch  "
                      f"(backlog {row['backlog_rate']:.0f}/s, load {row['load']:.2f})", flush=True)

        if not args.skip_latency:
            for name in args.latency_consumers.split(","):
                rows = []
                for run in range(args.runs):
                    row = latency(engine, consumer(all_consumers, name), args.rate, args.duration)
                    rows.append(row)
                    print(f"latency run {run + 1} {name:<13} p50 {row['p50']:.1f} ms  p90 {row['p90']:.1f} ms  "
                          f"p99 {row['p99']:.1f} ms  max {row['max']:.1f} ms  (start request p50 "
                          f"{row['start_p50']:.1f} ms, p99 {row['start_p99']:.1f} ms)", flush=True)
                raw["latency"][name] = rows
    finally:
        engine.stop()

    if not args.skip_documents:
        raw["documents"] = documents(args.runs, args.documents_n)
        print("documents/s on one core, per run: " + ", ".join(f"{v:.1f}" for v in raw["documents"]), flush=True)

    report(raw, names, args)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1))


def report(raw: dict, names: list[str], args: argparse.Namespace) -> None:
    med = statistics.median
    print(f"\n## Throughput: {args.tasks} tasks, median of {args.runs} runs\n")
    print("| consumer | tasks/s (median) | runs | client CPU ms/task | engine CPU ms/task | tasks/fetch |")
    print("|---|---|---|---|---|---|")
    rates = {}
    for name in names:
        rows = [r for r in raw["throughput"] if r["consumer"] == name]
        rates[name] = med(r["rate"] for r in rows)
        runs = " / ".join(f"{r['rate']:.0f}" for r in rows)
        print(f"| {name} | **{rates[name]:.0f}** | {runs} | "
              f"{med(r['client_cpu_ms'] for r in rows):.2f} | {med(r['engine_cpu_ms'] for r in rows):.2f} | "
              f"{med(r['tasks_per_fetch'] for r in rows):.1f} |")
    if raw["latency"]:
        print(f"\n## Pickup latency: {args.rate:g}/s for {args.duration:g} s, median of {args.runs} runs (ms)\n")
        print("| consumer | p50 | p90 | p99 | max | start request p50 | start request p99 |")
        print("|---|---|---|---|---|---|---|")
        for name, rows in raw["latency"].items():
            print(f"| {name} | {med(r['p50'] for r in rows):.1f} | {med(r['p90'] for r in rows):.1f} | "
                  f"{med(r['p99'] for r in rows):.1f} | {med(r['max'] for r in rows):.1f} | "
                  f"{med(r['start_p50'] for r in rows):.1f} | {med(r['start_p99'] for r in rows):.1f} |")
    if raw["documents"]:
        print(f"\ndocuments rendered per second on one core (median of {len(raw['documents'])}): "
              f"{med(raw['documents']):.1f}")
    if "ours" in rates:
        peers = {n: r for n, r in rates.items() if n.startswith("peer")}
        bares = {n: r for n, r in rates.items() if n.startswith("bare")}
        if peers:
            best = max(peers, key=peers.get)
            print(f"\nours / best peer ({best}) = {rates['ours'] / peers[best]:.2f}x (target >= 3x)")
        if "bare" in bares:
            print(f"ours / bare (sequential) = {rates['ours'] / bares['bare']:.0%} (target >= 80%)")
        for name in bares:
            if name != "bare":
                print(f"ours / {name} = {rates['ours'] / bares[name]:.0%}")


if __name__ == "__main__":
    main()

"""Benchmark of cluster mode (issue 14): two engine nodes vs one, on the same PostgreSQL, in one run.

    .venv/bin/python bench/cluster_bench.py [--appeals 60] [--drivers 8] [--rounds 2] [--pings 40] [--json F]

Starts a throwaway PostgreSQL (Debian's server, a temporary folder), two engine nodes of the jar
(the JVM options of `appeals up`), HAProxy in front, deploys the models and the demo org chart, and
then, per round, each configuration on the same database, one after the other:

  one node    the drivers and `appeals worker` talk to engine-1 only (engine-2 idles)
  two nodes   the drivers go through HAProxy (round robin), `appeals worker` polls both nodes and
              reports through HAProxy (docs/cluster.md)

Throughput: --appeals appeals, each driven by one of --drivers threads as the users would (REST as
office-clerk, office-director, industry-handler): start → registerAppeal (worker) → verify → propose →
resolveApprover (worker) → approve → dispatchAppeal, renderDocument, sendNotification (workers) → sign
→ waiting at the department's handling task. The clock runs from the first start to the last appeal
at that task; appeals per second. CPU seconds of PostgreSQL (all its processes), of each JVM and of
the worker process over that window are reported, per appeal.

Pickup latency: a one-task process (start → external task → end); --pings instances, started 0.25 s
apart on a node, the time from the start request being sent to the handler starting (a worker with the
same runtime in this process). "one node": created on and polled at engine-1. "two nodes": created
alternately on both, one long poll per node. "two nodes, one poll": created on engine-2 while the
worker polls only engine-1 (what a single-URL worker sees in a cluster).

Not a test: prints a table (docs/benchmarks.md). Only 127.0.0.1 is contacted; everything stops at the end.
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

from appeals import stack  # noqa: E402
from appeals.camunda import Camunda, CamundaError  # noqa: E402
from appeals.cluster import (  # noqa: E402
    LocalPostgres,
    Node,
    NodeWorkers,
    cluster_engine_env,
    probe_bpmn,
    start_balancer,
    start_node,
    wait_for_balancer,
)
from appeals.demo import DEMO_APPEALS  # noqa: E402
from appeals.runtime import Router, Task, Worker  # noqa: E402
from appeals.settings import PROJECT_ROOT, Settings  # noqa: E402

PASSWORD = "bench-" + secrets.token_hex(4)


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (seconds); gone processes count 0."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def postgres_pids(root: Path) -> list[int]:
    """The postmaster (data/postmaster.pid) and its children: every backend of the server."""
    try:
        master = int((root / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return [master, *children]


class Bench:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = stack.free_port()
        self.balancer_url = f"http://127.0.0.1:{self.port}/engine-rest"
        self.nodes = [Node("engine-1", stack.free_port()), Node("engine-2", stack.free_port())]
        self.pg = LocalPostgres(workdir, stack.free_port())
        self.env: dict[str, str] = {}
        self.pids: dict[str, int] = {}

    def start(self) -> None:
        self.pg.start()
        for name in ("camunda", "appeals"):
            self.pg.ensure_database(name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("APPEALS_", "DB_", "CAMUNDA_"))}
        env.update({"PYTHONPATH": str(PROJECT_ROOT / "workers"), "APPEALS_DATA_DIR": str(self.workdir),
                    "APPEALS_ENGINE_URL": self.balancer_url, "CAMUNDA_ADMIN_USER": "admin",
                    "CAMUNDA_ADMIN_PASSWORD": "admin-" + secrets.token_hex(6),
                    "APPEALS_WORKER_PASSWORD": "worker-" + secrets.token_hex(6),
                    "APPEALS_INITIAL_PASSWORD": PASSWORD, "APPEALS_PDF": "off",
                    "APPEALS_DATABASE_URL": self.pg.sqlalchemy_url("appeals")})
        self.env = env
        self.settings = Settings.from_env(env)
        for node in self.nodes:
            node_env = cluster_engine_env(self.settings, node, self.pg.jdbc_url("camunda"), "postgres", "")
            self.pids[node.name] = start_node(self.settings, node, node_env)
            seconds = stack.wait_for_engine(node.rest_url, self.settings.engine.require_admin(), pid=self.pids[node.name])
            print(f"{node.name} up in {seconds:.0f} s", flush=True)
        self.pids["haproxy"] = start_balancer(self.settings, self.port, self.nodes)
        wait_for_balancer(self.balancer_url, self.settings.engine.require_admin(), nodes=2)
        self.cli("deploy")
        self.cli("org", "sync", str(PROJECT_ROOT / "workers" / "appeals" / "data" / "demo-org.yaml"))

    def cli(self, *args: str, env: dict[str, str] | None = None) -> None:
        subprocess.run([sys.executable, "-m", "appeals.cli", *args], env=env or self.env, check=True,
                       capture_output=True, text=True)

    def stop(self) -> None:
        paths = stack.Paths(self.workdir)
        for name in ("worker", "haproxy", "engine-2", "engine-1"):
            stack.stop_process(paths, name)
        self.pg.stop()

    # ------------------------------------------------------------------ throughput
    def throughput(self, label: str, count: int, drivers: int) -> dict:
        two = label == "two nodes"
        url = self.balancer_url if two else self.nodes[0].rest_url
        worker_env = dict(self.env, APPEALS_ENGINE_URL=url)
        if two:
            worker_env["APPEALS_ENGINE_NODES"] = ",".join(node.rest_url for node in self.nodes)
        stack.start_appeals_command(self.settings, "worker", ["worker"], worker_env)
        time.sleep(3)  # the worker's polls are waiting
        clients: dict[str, Camunda] = {}
        lock = threading.Lock()

        def client(user: str) -> Camunda:
            with lock:
                key = f"{user}@{threading.get_ident()}"
                if key not in clients:
                    clients[key] = Camunda(url, user, PASSWORD, pool_size=2)
                return clients[key]

        def step(instance: str, task_key: str, user: str, variables: dict) -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                tasks = client(user).tasks(processInstanceId=instance, taskDefinitionKey=task_key)
                if tasks:
                    client(user).claim(tasks[0]["id"], user)
                    client(user).complete_task(tasks[0]["id"], variables)
                    return
                time.sleep(0.05)
            raise TimeoutError(f"{task_key} of {instance}")

        def drive(index: int) -> None:
            started = client("office-clerk").start_process(
                "EnterpriseAppeal", {**DEMO_APPEALS[0], "category": "policy"}, business_key=f"B-{label[:3]}-{index}")
            instance = started["id"]
            step(instance, "Task_VerifyAppeal", "office-clerk", {"verifyNote": "核实", "scopeDecision": "accept"})
            step(instance, "Task_ProposeDispatch", "office-clerk", {
                "leadDepartment": "dept-industry", "assistingDepartments": [], "dispatchSituation": "single",
                "dispatchNote": "建议交办"})
            step(instance, "Task_ApproveDispatch", "office-director", {"approvalDecision": "approve",
                                                                       "approvalComment": "同意"})
            step(instance, "Task_SignDispatch", "industry-handler", {"signDecision": "sign", "handlerName": "张三",
                                                                     "enterpriseContacted": True})
            deadline = time.monotonic() + 120
            while not client("industry-handler").tasks(processInstanceId=instance, taskDefinitionKey="Task_HandleAppeal"):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"handling task of {instance}")
                time.sleep(0.05)

        watched = {"postgres": lambda: postgres_pids(self.pg.root),
                   "engine-1": lambda: [self.pids["engine-1"]], "engine-2": lambda: [self.pids["engine-2"]],
                   "worker": lambda: [stack.read_pid(stack.Paths(self.workdir), "worker") or 0]}
        before = {name: cpu_seconds(pids()) for name, pids in watched.items()}
        began = time.monotonic()
        errors = 0
        with cf.ThreadPoolExecutor(max_workers=drivers) as pool:
            for future in [pool.submit(drive, index) for index in range(count)]:
                try:
                    future.result()
                except (CamundaError, TimeoutError, OSError) as exc:
                    errors += 1
                    print(f"  {label}: {exc}", flush=True)
        elapsed = time.monotonic() - began
        cpu = {name: cpu_seconds(pids()) - before[name] for name, pids in watched.items()}
        stack.stop_process(stack.Paths(self.workdir), "worker")
        result = {"config": label, "appeals": count - errors, "errors": errors, "seconds": round(elapsed, 1),
                  "per_second": round((count - errors) / elapsed, 2),
                  "cpu_ms_per_appeal": {name: round(1000 * seconds / count) for name, seconds in cpu.items()}}
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return result

    # ------------------------------------------------------------------ pickup latency
    def pickup(self, label: str, samples: int) -> dict:
        admin = self.settings.engine.require_admin()
        Camunda(self.balancer_url, *admin).deploy("bench-ping", [("BenchPing.bpmn", probe_bpmn("BenchPing", "benchPing"))])
        router = Router()
        started: dict[str, float] = {}

        @router.topic("benchPing")
        def ping(task: Task) -> None:
            started[task.business_key] = time.time()

        node_clients = [Camunda(node.rest_url, *admin) for node in self.nodes]
        if label == "two nodes":
            runner = NodeWorkers(Camunda(self.balancer_url, *admin), node_clients, router, max_tasks=2)
            creators = node_clients
        else:
            runner = Worker(node_clients[0], router, max_tasks=2)
            creators = [node_clients[0]] if label == "one node" else [node_clients[1]]
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        sent: dict[str, float] = {}
        try:
            for index, creator in enumerate(node_clients):  # warm-up: each node caches the definition
                creator.start_process("BenchPing", {}, business_key=f"warm-{label}-{index}")
            deadline = time.monotonic() + 60
            while len(started) < len(node_clients) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
            started.clear()
            for index in range(samples):
                key = f"{label}-{index}"
                sent[key] = time.time()
                creators[index % len(creators)].start_process("BenchPing", {}, business_key=key)
                time.sleep(0.25)
            deadline = time.monotonic() + 60
            while len([k for k in sent if k in started]) < samples and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            runner.stop()
            thread.join(timeout=30)
        latencies = sorted(started[key] - sent[key] for key in sent if key in started)
        result = {"config": label, "samples": len(latencies),
                  "p50_ms": round(1000 * statistics.median(latencies)),
                  "p99_ms": round(1000 * latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]),
                  "max_ms": round(1000 * latencies[-1])}
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=60)
    parser.add_argument("--drivers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pings", type=int, default=40)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if not shutil.which("haproxy") and not Path("/usr/sbin/haproxy").exists():
        sys.exit("HAProxy is not installed (tools/install-system-deps.sh haproxy)")
    workdir = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    workdir.chmod(0o755)  # the PostgreSQL server runs as `postgres` when this runs as root
    bench = Bench(workdir)
    results: dict = {"machine": f"{os.cpu_count()} cores, {platform.platform()}",
                     "jvm": " ".join(stack.ENGINE_JVM_OPTIONS), "throughput": [], "pickup": []}
    try:
        bench.start()
        for label in ("one node", "two nodes", "two nodes, one poll"):
            results["pickup"].append(bench.pickup(label, args.pings if "one poll" not in label else 10))
        for _round in range(args.rounds):  # alternating, so that neither gets the emptier database
            for label in ("one node", "two nodes"):
                results["throughput"].append(bench.throughput(label, args.appeals, args.drivers))
    finally:
        bench.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print("\n| configuration | appeals | seconds | appeals/s | CPU ms per appeal: PostgreSQL / engine-1 / engine-2 / worker |")
    print("|---|---|---|---|---|")
    for row in results["throughput"]:
        cpu = row["cpu_ms_per_appeal"]
        print(f"| {row['config']} | {row['appeals']} | {row['seconds']} | {row['per_second']} | "
              f"{cpu['postgres']} / {cpu['engine-1']} / {cpu['engine-2']} / {cpu['worker']} |")
    print("\n| pickup | samples | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
    for row in results["pickup"]:
        print(f"| {row['config']} | {row['samples']} | {row['p50_ms']} | {row['p99_ms']} | {row['max_ms']} |")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

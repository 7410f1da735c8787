"""History at volume (issue 15): a county-year of closed appeals removed by the engine's history
cleanup, and a department's work list while it runs.

    PYTHONPATH=workers .venv/bin/python bench/history_bench.py [--db postgresql,h2] [--closed 10000]
        [--open 2000] [--runs 30] [--threads 4] [--json results.json]

For each database: a throwaway engine from the project's jar with the models and the demo org chart
(bench/scale_bench.py's setup), `--open` open appeals at the department's user tasks (scale_bench's
fill), then `--closed` closed appeals: EnterpriseAppeal instances started with their registration,
dispatch and closing variables (as a closed appeal holds them) before EndEvent_AppealClosed, so each
ends at once and leaves its history (instance, activities, variables with their details). Their
definition's historyTimeToLive (P1825D in the model: five years) is set to 0 days through the REST
API before they are started, so their removal time (end + TTL, the engine's removal-time strategy)
is already past, as it is for the appeals closed five years ago on a real county's engine.

Then, as the operator would: `POST /history/cleanup?immediatelyDue=true` (the engine's cleanup job,
made due now) and `POST /job/{id}/execute` repeatedly — each call one run of the job (its batch of
removals), no sleeping — until no closed appeal is left in history. The engine's own job executor
also picks the due job up; a REST call that meets its run (optimistic locking) is counted and repeated. Meanwhile industry-handler's
本单位待办 first page is asked for again and again (REST, own credentials); its p50 / p95 during the
cleanup stand next to the same list at rest. Prints the time, appeals removed per second, the
engine's RSS and the database size before and after. Not a test (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import math
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workers"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
from scale_bench import ADMIN, PASSWORD, PROCESS, SHANGHAI, Engine, fill, prepare, queries  # noqa: E402

from appeals.camunda import Camunda, CamundaError, to_variables  # noqa: E402


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def closed_appeal(n: int, departments: list[str]) -> dict:
    rng = random.Random(n)
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    received = now - dt.timedelta(days=rng.randint(30, 365))
    lead = departments[n % len(departments)]
    values = {
        "registrationNumber": f"某县服企办收（2025）第{n + 1}号", "enterpriseName": f"某县第{n % 4000 + 1}号企业有限公司",
        "creditCode": "91140525MA0L00000X", "contactName": "王经理", "contactPhone": "13912345678",
        "problemDescription": "企业新上生产线需增容，报装已两个月仍未接电，设备无法调试。" * 3,
        "requestedHelp": "请协调供电公司尽快完成增容接电。", "category": "power", "appealKind": "help",
        "channel": ("hotline", "online", "visit", "meeting")[n % 4], "receivedAt": received,
        "leadDepartment": lead, "handlerGroup": lead, "dispatchNumber": f"某县服企办交（2025）第{n + 1}号",
        "dispatchedAt": received + dt.timedelta(days=2), "resultClass": "A", "replyText": "已协调解决。" * 10,
        "resultReportedAt": received + dt.timedelta(days=15), "lastSatisfaction": "satisfied",
        "closeReason": "satisfied", "closedAt": received + dt.timedelta(days=20), "appealStatus": "closed",
    }
    return {"variables": to_variables(values), "businessKey": values["registrationNumber"],
            "startInstructions": [{"type": "startBeforeActivity", "activityId": "EndEvent_AppealClosed"}]}


def fill_closed(engine: Engine, count: int, departments: list[str], threads: int) -> float:
    url = f"{engine.url}/process-definition/key/{PROCESS}/start"
    local = threading.local()

    def one(n: int) -> None:
        if getattr(local, "session", None) is None:
            local.session = requests.Session()
            local.session.auth = (ADMIN, PASSWORD)
        local.session.post(url, json=closed_appeal(n, departments), timeout=600).raise_for_status()

    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(threads) as pool:
        for chunk in range(0, count, 2000):
            list(pool.map(one, range(chunk, min(count, chunk + 2000))))
            print(f"  closed {min(count, chunk + 2000)} ({min(count, chunk + 2000) / (time.perf_counter() - t0):.0f}/s)",
                  flush=True)
    return time.perf_counter() - t0


def list_times(engine: Engine, stop: threading.Event | None, runs: int) -> list[float]:
    user, method, path, body, headers = queries(engine)["dept-page"]
    session = requests.Session()
    session.auth = (user, PASSWORD)
    times: list[float] = []
    while (stop is None and len(times) < runs) or (stop is not None and not stop.is_set()):
        t0 = time.perf_counter()
        session.request(method, engine.url + path, json=body, headers=headers, timeout=300).raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
        if stop is not None:
            time.sleep(0.2)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    rank = min(len(ordered) - 1, math.ceil(len(ordered) * 0.95) - 1)  # nearest rank
    return {"n": len(ordered), "p50": round(statistics.median(ordered)), "p95": round(ordered[rank])}


def run(db: str, args: argparse.Namespace) -> dict:
    pg = None
    if db == "postgresql":
        from tests.databases import PostgresServer

        pg = PostgresServer().start()
        pg.create_database("camunda")
    engine = Engine(db, pg)
    try:
        print(f"[{db}] engine started in {engine.start('fast'):.0f} s", flush=True)
        chart = prepare(engine)
        admin = Camunda(engine.url, ADMIN, PASSWORD, timeout=600)
        departments = [g.id for g in chart.of_kind("department")]
        fill(engine, chart, 0, args.open, args.threads)
        definition = admin.get(f"/process-definition/key/{PROCESS}")
        print(f"[{db}] model's historyTimeToLive: {definition.get('historyTimeToLive')} days; set to 0 for the "
              "closed appeals", flush=True)
        admin.put(f"/process-definition/{definition['id']}/history-time-to-live", {"historyTimeToLive": 0})
        seconds = fill_closed(engine, args.closed, departments, args.threads)
        finished = admin.get("/history/process-instance/count", processDefinitionKey=PROCESS, finished="true")["count"]
        print(f"[{db}] {finished:,} closed appeals in history ({seconds:.0f} s to make), {args.open:,} open", flush=True)
        db_before = engine.db_size_mb()
        rest_load = _load()
        at_rest = summary(list_times(engine, None, args.runs))
        print(f"[{db}] department list at rest: {at_rest} (load {rest_load})", flush=True)

        job = admin.post("/history/cleanup?immediatelyDue=true", {})
        stop = threading.Event()
        during: list[float] = []
        lister = threading.Thread(target=lambda: during.extend(list_times(engine, stop, 0)))
        load_start = _load()
        rss = engine.rss_mb()
        t0 = time.perf_counter()
        lister.start()
        executions, by_executor, left, stalled = 0, 0, finished, 0

        def remaining() -> tuple[int, ...]:
            """History rows still there: finished appeals, and all variables, details, activities."""
            return (admin.get("/history/process-instance/count", processDefinitionKey=PROCESS,
                              finished="true")["count"],
                    admin.get("/history/variable-instance/count")["count"],
                    admin.get("/history/detail/count")["count"],
                    admin.get("/history/activity-instance/count")["count"])

        rows_before = remaining()
        print(f"[{db}] history rows (finished appeals, variables, details, activities): {rows_before}", flush=True)
        state = rows_before
        try:
            while stalled < 3:
                try:
                    admin.post(f"/job/{job['id']}/execute", {})
                    executions += 1
                except CamundaError as exc:  # the engine's job executor ran the (due) job at that moment
                    if "concurrently" not in exc.message and not exc.is_conflict:
                        raise
                    by_executor += 1
                now = remaining()  # a run removes a batch from each table: done when nothing moves any more
                stalled = stalled + 1 if now == state else 0
                state, left = now, now[0]
                rss = max(rss, engine.rss_mb())
                if executions % 20 == 0:
                    print(f"    {executions} runs of the cleanup job: {state} left "
                          f"({time.perf_counter() - t0:.0f} s)", flush=True)
        finally:
            stop.set()
            lister.join()
        cleanup_s = time.perf_counter() - t0
        row = {"db": db, "closed": finished, "open": args.open, "left": left, "job_runs": executions,
               "runs_met_executor": by_executor,
               "cleanup_s": round(cleanup_s, 1), "per_s": round((finished - left) / cleanup_s, 1),
               "list_at_rest": at_rest, "list_during": summary(during) if during else None,
               "load_rest": rest_load, "load_cleanup": f"{load_start}–{_load()}", "engine_rss_mb": round(rss),
               "db_mb_before": round(db_before), "db_mb_after": round(engine.db_size_mb()),
               "history_rows_before": rows_before, "history_rows_after": state}
        print(f"[{db}] cleanup: {finished - left:,} of {finished:,} closed appeals removed in {cleanup_s:.1f} s "
              f"({row['per_s']}/s, {executions} job runs by REST, {by_executor} met the job executor's); department list during it {row['list_during']}; "
              f"engine RSS {row['engine_rss_mb']} MB; database {row['db_mb_before']} → {row['db_mb_after']} MB; "
              f"load {row['load_cleanup']}; history rows {rows_before} → {state}", flush=True)
        return row
    finally:
        engine.cleanup()
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgresql,h2")
    parser.add_argument("--closed", type=int, default=10000)
    parser.add_argument("--open", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [run(db, args) for db in args.db.split(",")]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()

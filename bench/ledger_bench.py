"""Benchmark of the ledger reports: a synthetic ledger of N appeals on SQLite and PostgreSQL, then
the time of one month's figures and of that month's whole bulletin (.docx with charts + .xlsx).

    .venv/bin/python bench/ledger_bench.py [--rows 1000000] [--backend sqlite|postgresql|both]
                                           [--month 2026-10] [--pg-url postgresql+psycopg://…]

The ledger spans January 2017 to October 2026 (118 months, about 8,500 appeals a month for 1M: the
volume of a whole province's enterprise hotline, where a county sees about a hundred a month).
Without --pg-url a throwaway PostgreSQL cluster is started in a temporary folder (Debian package
`postgresql`; as the `postgres` user when run as root) and removed afterwards. Loading uses
executemany on SQLite and COPY on PostgreSQL; the schema comes from the Alembic migrations, so the
indexes measured are the ones production has. Not a test: prints a table (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import appeals  # noqa: F401
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workers"))

from sqlalchemy.engine import Engine  # noqa: E402

from appeals import db  # noqa: E402
from appeals.db.ledger_models import LedgerAppeal  # noqa: E402
from appeals.ledger import Period, figures, produce_report  # noqa: E402
from appeals.ledger.recording import derive  # noqa: E402
from appeals.workdays import SHANGHAI, WorkdayCalendar  # noqa: E402

START = dt.datetime(2017, 1, 1, tzinfo=SHANGHAI).astimezone(dt.UTC)  # generated in UTC: no zone lookups
END = dt.datetime(2026, 11, 1, tzinfo=SHANGHAI).astimezone(dt.UTC)
AS_OF = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
DEPARTMENTS = [(f"dept-{i:02d}", f"县第{i}局") for i in range(1, 20)] + [("city-center", "市企业服务中心")]
CATEGORIES = ["policy", "contract", "land", "power", "financing", "talent", "labor", "project", "environment", "other"]
CHANNELS = ["online", "hotline", "visit", "transfer", "self_report", "meeting"]
SATISFACTION = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied"]
PROBLEMS = ["新建厂房需增容用电，报装已两个月仍未接电，影响设备调试和投产。",
            "扩建项目用地手续办理进度缓慢，土地证迟迟未能办下。",
            "企业想申请小微企业贴息贷款，不清楚申报条件和流程。",
            "招工难，技术工人缺口大，希望协调开展定向培训。",
            "园区道路破损严重，大型货车通行困难。"]
COLUMNS = [c.name for c in LedgerAppeal.__table__.columns]
FOLLOW_UP_COLUMNS = ["process_instance_id", "seq", "at", "handling_round", "satisfaction", "really_solved", "method",
                     "note"]


# ----------------------------------------------------------------------------- data
def generate(rows: int, seed: int = 7) -> Iterator[tuple[dict, list[dict]]]:
    """(appeal row, its follow-ups) in received order; deterministic for a seed."""
    rnd = random.Random(seed)
    span = (END - START).total_seconds()
    step = span / rows
    hour = dt.timedelta(hours=1)
    for n in range(rows):
        received = START + dt.timedelta(seconds=n * step + rnd.random() * step)
        received = received.replace(microsecond=0)
        pid = f"bench-{n:07d}"
        consultation = rnd.random() < 0.12
        row = dict.fromkeys(COLUMNS)
        row.update(process_instance_id=pid, business_key=f"WEB-{n}", registration_number=f"某县服企办收（{received.year}）第{n}号",
                   channel=rnd.choice(CHANNELS), category=rnd.choice(CATEGORIES),
                   kind="consultation" if consultation else rnd.choice(["help", "suggestion", "complaint"]),
                   enterprise_name=f"某县第{n % 50000}号企业有限公司", contact_name="王经理", contact_phone="13912345678",
                   problem_description=PROBLEMS[n % len(PROBLEMS)], requested_help="请协调解决。",
                   dispatch_count=0, return_count=0, extension_count=0, follow_up_rounds=0, received_at=received,
                   registered_at=received + dt.timedelta(minutes=5))
        follow_ups: list[dict] = []
        moment = received + hour
        if not consultation:
            code, name = DEPARTMENTS[rnd.randrange(len(DEPARTMENTS))]
            dispatched = received + dt.timedelta(hours=rnd.randint(2, 60))
            row.update(dispatched_at=dispatched, dispatch_count=1, lead_department=code, handler_group=code,
                       dispatch_situation="city" if code == "city-center" else "single",
                       dispatch_number=f"某县服企办交（{dispatched.year}）第{n}号",
                       sign_due=dispatched + dt.timedelta(days=1, hours=8),
                       handling_due=dispatched + dt.timedelta(days=7))
            moment = dispatched
            if dispatched + dt.timedelta(hours=30) < END or rnd.random() < 0.7:
                row["signed_at"] = dispatched + dt.timedelta(hours=rnd.choice([2, 5, 20, 30, 50]))
                row["handler_name"] = "张三"
                moment = row["signed_at"]
            if rnd.random() < 0.1:
                row["extension_count"] = 1
                row["handling_due"] += dt.timedelta(days=5)
            reported = dispatched + dt.timedelta(hours=rnd.randint(20, 300))
            if row["signed_at"] and (reported < END - dt.timedelta(days=20) or rnd.random() < 0.6):
                row.update(first_result_reported_at=reported, result_reported_at=reported,
                           result_class=rnd.choices("ABC", [70, 20, 10])[0], reply_method="written",
                           reply_text="已协调解决并书面答复企业")
                moment = reported
        if consultation or row["result_reported_at"]:
            at = moment + dt.timedelta(hours=rnd.randint(4, 90))
            rounds = 2 if rnd.random() < 0.08 else 1
            for seq in range(1, rounds + 1):
                satisfaction = "dissatisfied" if seq < rounds else rnd.choices(SATISFACTION, [40, 35, 15, 10])[0]
                follow_ups.append({"process_instance_id": pid, "seq": seq, "at": at, "handling_round": seq,
                                   "satisfaction": satisfaction, "really_solved": satisfaction != "dissatisfied",
                                   "method": "phone", "note": "电话回访"})
                at += dt.timedelta(days=3)
            last = follow_ups[-1]
            row.update(followed_up_at=last["at"], follow_up_rounds=rounds, last_satisfaction=last["satisfaction"],
                       satisfied=last["satisfaction"] != "dissatisfied", handling_round=rounds)
            if row["satisfied"]:
                row.update(follow_up_outcome="close", closed_at=last["at"] + dt.timedelta(seconds=5),
                           close_reason="satisfied")
            else:
                row["follow_up_outcome"] = "review"
        for key in ("received_at", "registered_at", "dispatched_at", "signed_at", "first_result_reported_at",
                    "result_reported_at", "followed_up_at", "closed_at", "sign_due", "handling_due"):
            if row[key] is not None and row[key] >= END:
                row[key] = None if key not in ("sign_due", "handling_due") else row[key]
        row.update(derive(row))
        yield row, [f for f in follow_ups if f["at"] < END]


def _sqlite_time(value: dt.datetime | None) -> str | None:
    """SQLAlchemy's SQLite DateTime text of a UTC time (what UtcDateTime stores)."""
    return None if value is None else value.replace(tzinfo=None).isoformat(" ", "microseconds")


def load_sqlite(path: Path, rows: int) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany("INSERT INTO ledger_department (code, name) VALUES (?, ?)", DEPARTMENTS)
    appeal_sql = f"INSERT INTO ledger_appeal ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    follow_sql = f"INSERT INTO ledger_follow_up ({', '.join(FOLLOW_UP_COLUMNS)}) VALUES ({', '.join('?' * 8)})"
    card_sql = "INSERT INTO ledger_card (department, process_instance_id, kind, issued_at, reason) VALUES (?, ?, ?, ?, ?)"

    def value(v):
        if isinstance(v, dt.datetime):
            return _sqlite_time(v)
        if isinstance(v, list):
            return None
        return v

    batch, follows, card_rows = [], [], []
    for row, fus in generate(rows):
        batch.append(tuple(value(row[c]) for c in COLUMNS))
        follows.extend(tuple(value(f[c]) for c in FOLLOW_UP_COLUMNS) for f in fus)
        if row["handler_group"] and row["handled_on_time"] is False:
            card_rows.append((row["handler_group"], row["process_instance_id"], "yellow",
                              _sqlite_time(row["handling_due"]), "超过办结时限未反馈"))
        if len(batch) >= 20000:
            conn.executemany(appeal_sql, batch)
            conn.executemany(follow_sql, follows)
            conn.executemany(card_sql, card_rows)
            batch, follows, card_rows = [], [], []
    conn.executemany(appeal_sql, batch)
    conn.executemany(follow_sql, follows)
    conn.executemany(card_sql, card_rows)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def load_postgres(url: str, rows: int) -> float:
    import psycopg

    started = time.perf_counter()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO ledger_department (code, name) VALUES (%s, %s)", DEPARTMENTS)
        cards = []
        with cur.copy(f"COPY ledger_appeal ({', '.join(COLUMNS)}) FROM STDIN") as copy_appeals:
            follow_buffer = []
            for row, fus in generate(rows):
                copy_appeals.write_row([None if isinstance(row[c], list) else row[c] for c in COLUMNS])
                follow_buffer.extend(fus)
                if row["handler_group"] and row["handled_on_time"] is False:
                    cards.append((row["handler_group"], row["process_instance_id"], "yellow", row["handling_due"],
                                  "超过办结时限未反馈"))
        with cur.copy(f"COPY ledger_follow_up ({', '.join(FOLLOW_UP_COLUMNS)}) FROM STDIN") as copy_follow:
            for f in follow_buffer:
                copy_follow.write_row([f[c] for c in FOLLOW_UP_COLUMNS])
        with cur.copy("COPY ledger_card (department, process_instance_id, kind, issued_at, reason) FROM STDIN") as cc:
            for card in cards:
                cc.write_row(card)
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE")
    return time.perf_counter() - started


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway cluster on a free port (the same steps as the tests' `postgres_url` fixture)."""
    import pwd

    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        subprocess.run([str(Path(__file__).resolve().parents[1] / "tools" / "install-system-deps.sh"), "postgresql"],
                       check=True)
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    bin_dir = bins[-1].parent
    as_root = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="appeals-bench-pg-"))
    (root / "sockets").mkdir()
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (root, root / "sockets"):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def run(*args: str) -> None:
        subprocess.run([*(["runuser", "-u", "postgres", "--"] if as_root else []), *args], check=True,
                       capture_output=True, cwd=root)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run(str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
        "--locale=C.UTF-8")
    run(str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-o",
        f"-p {port} -k {root / 'sockets'} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c shared_buffers=256MB -c work_mem=32MB", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------- timing
def measure(engine: Engine, period: Period, out: Path) -> dict[str, float | int]:
    calendar = WorkdayCalendar()
    started = time.perf_counter()
    report = figures(engine, period, as_of=AS_OF, calendar=calendar)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    figures(engine, period, as_of=AS_OF, calendar=calendar)
    warm = time.perf_counter() - started
    started = time.perf_counter()
    produced = produce_report(engine, period, out, calendar=calendar, as_of=AS_OF)
    bulletin = time.perf_counter() - started
    return {"figures_cold": cold, "figures_warm": warm, "bulletin": bulletin, "received": report.received,
            "dispatched": report.overall.dispatched, "overdue": report.overall.overdue,
            "docx_kb": produced.bulletin.path.stat().st_size // 1024,
            "xlsx_kb": produced.workbook.path.stat().st_size // 1024}


def run_backend(backend: str, rows: int, period: Period, pg_url: str | None,
                sqlite_file: Path | None = None) -> dict[str, float | int]:
    work = Path(tempfile.mkdtemp(prefix="appeals-bench-"))
    try:
        if backend == "sqlite":
            path = sqlite_file or work / "ledger.sqlite"
            url = f"sqlite:///{path}"
            load = 0.0
            if not path.exists():
                db.upgrade(url)
                load = load_sqlite(path, rows)
            engine = db.make_engine(url)
            result = measure(engine, period, work)
            engine.dispose()
            return {"load": load, **result}
        with contextlib.ExitStack() as stack:
            url = pg_url or stack.enter_context(postgres_cluster())
            db.upgrade(url)
            load = load_postgres(url, rows)
            engine = db.make_engine(url)
            result = measure(engine, period, work)
            engine.dispose()
            return {"load": load, **result}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--pg-url", default=None, help="an existing, empty database (default: a throwaway cluster)")
    parser.add_argument("--sqlite-file", type=Path, default=None,
                        help="keep the SQLite ledger in this file (reused, not reloaded, when it exists)")
    args = parser.parse_args()
    period = Period.parse(args.month)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"{args.rows:,} appeals, month {period.label}; {platform.python_version()}, {os.cpu_count()} cores, "
          f"{platform.platform()}")
    print(f"{'backend':<11}{'load s':>9}{'figures s':>11}{'(warm)':>9}{'bulletin s':>12}{'month rows':>12}"
          f"{'overdue':>9}{'docx KB':>9}{'xlsx KB':>9}")
    for backend in backends:
        r = run_backend(backend, args.rows, period, args.pg_url, args.sqlite_file)
        print(f"{backend:<11}{r['load']:>9.1f}{r['figures_cold']:>11.2f}{r['figures_warm']:>9.2f}{r['bulletin']:>12.2f}"
              f"{r['received']:>12,}{r['overdue']:>9,}{r['docx_kb']:>9}{r['xlsx_kb']:>9}", flush=True)


if __name__ == "__main__":
    main()

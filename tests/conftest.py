"""Test fixtures: one real Camunda engine per test session, on a free port, with a throwaway
H2 database; the models deployed, the demo org chart synced and the workers running."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from appeals import stack
from appeals.camunda import Camunda
from appeals.settings import PROJECT_ROOT, Settings

from .databases import PostgresServer, test_database_mode
from .sinks import HttpSink, MailServer

DEMO_PASSWORD = "test-" + secrets.token_hex(4)


@dataclass
class EngineHandle:
    settings: Settings
    port: int
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    startup_seconds: float = 0.0
    admin: Camunda = field(init=False)
    worker: object | None = None  # the in-thread Worker once the `workers` fixture runs

    def __post_init__(self) -> None:
        self.admin = Camunda(self.settings.engine.url, *self.settings.engine.require_admin())

    @property
    def base_url(self) -> str:
        return self.settings.engine.url.removesuffix("/engine-rest")

    def client(self, user: str, password: str = DEMO_PASSWORD) -> Camunda:
        return Camunda(self.settings.engine.url, user, password)

    def start(self) -> None:
        jar = stack.build_engine()
        env = stack.engine_env(self.settings, self.port)
        self.log_path = self.settings.data_dir / "engine.log"
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            ["java", "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Duser.timezone=Asia/Shanghai",
             "-jar", str(jar)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.settings.data_dir,
        )
        try:
            self.startup_seconds = stack.wait_for_engine(
                self.settings.engine.url, self.settings.engine.require_admin(), timeout=240, pid=self.process.pid
            )
        except stack.StackError:
            print(self.log_path.read_text(errors="replace")[-5000:])
            raise

    def stop(self) -> None:
        if self.process is not None:
            stack.terminate(self.process)

    def restart(self) -> None:
        self.stop()
        self.start()


# The kind of a test is the folder it is in (README, "Tests"); `-m` selects by kind, e.g. `-m "static or unit"`.
KINDS = ("static", "unit", "engine", "browser", "cluster")  # also the order in which the kinds run
TESTS_DIR = Path(__file__).resolve().parent
# Fixtures a test may use only in the folders that allow them: the real engine (a session-long JVM) and
# Chromium. A static or unit test asking for them would make the fast suite slow without saying so.
FOLDER_FIXTURES = {"engine": {"engine", "browser", "cluster"}, "browser": {"browser", "cluster"}}


def kind_of(item: pytest.Item) -> str:
    """The folder under tests/ that holds the test: one of KINDS."""
    path = Path(str(item.path)).resolve()
    try:
        kind = path.relative_to(TESTS_DIR).parts[0]
    except ValueError:
        kind = ""
    if kind not in KINDS:
        raise pytest.UsageError(f"{item.nodeid}: a test lives in one of tests/{{{','.join(KINDS)}}}/")
    return kind


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers from the folder: `static`, `unit`, `engine`, `browser` or `cluster` on every test in
    tests/<kind>/ (`pytest tests/static tests/unit` or `-m "static or unit"` runs the fast ones alone).
    A test that uses the engine or Chromium outside the folders allowed for them fails collection.
    Order: static, unit, engine, browser, cluster; tests marked `restarts_engine` run after all others,
    whatever their file is called: they stop or restart the session's engine under the running workers."""
    misplaced = []
    for item in items:
        kind = kind_of(item)
        item.add_marker(kind)
        for fixture, folders in FOLDER_FIXTURES.items():
            if kind not in folders and fixture in getattr(item, "fixturenames", ()):
                misplaced.append(f"{item.nodeid} uses `{fixture}`: move it to tests/{'/ or tests/'.join(sorted(folders))}/")
    if misplaced:
        raise pytest.UsageError("tests in the wrong folder:\n  " + "\n  ".join(misplaced))
    items.sort(key=lambda item: (item.get_closest_marker("restarts_engine") is not None,
                                 KINDS.index(kind_of(item))))  # stable: file order within a kind


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("appeals-data")


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) the notification worker delivers to."""
    server = MailServer(stack.free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def http_sink() -> Iterator[HttpSink]:
    """A local HTTP server standing in for the SMS gateway and the group webhooks."""
    sink = HttpSink(stack.free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest, data_dir: Path, mail_server: MailServer,
           http_sink: HttpSink) -> Iterator[EngineHandle]:
    """The real engine, started once for the whole session, on the session's databases
    (APPEALS_TEST_DB: H2 + SQLite, or PostgreSQL for both as in production)."""
    port = stack.free_port()
    env = {
        "APPEALS_SMTP_HOST": "127.0.0.1",
        "APPEALS_SMTP_PORT": str(mail_server.port),
        "APPEALS_SMS_URL": f"{http_sink.url}/sms",
        "APPEALS_SMS_TOKEN": "sms-" + secrets.token_hex(4),
        "APPEALS_NOTIFY_RETRY_SECONDS": "1",
        "APPEALS_PUBLIC_SECRET": "test-public-secret-" + secrets.token_hex(16),
        "APPEALS_ENGINE_URL": f"http://127.0.0.1:{port}/engine-rest",
        "CAMUNDA_ADMIN_USER": "admin",
        "CAMUNDA_ADMIN_PASSWORD": "admin-" + secrets.token_hex(6),
        "APPEALS_WORKER_PASSWORD": "worker-" + secrets.token_hex(6),
        "APPEALS_INITIAL_PASSWORD": DEMO_PASSWORD,
        "APPEALS_DATA_DIR": str(data_dir),
        # scenarios do not wait for LibreOffice; test_documents converts with it on its own
        "APPEALS_PDF": "off",
        # a 1 s login delay instead of 3, 6, ... 60 s, so that tests/engine/test_login_delay.py can count
        # more failed logins than Camunda's old lockout limit in seconds (each counts only after the delay)
        "APPEALS_LOGIN_DELAY_BASE": "1", "APPEALS_LOGIN_DELAY_FACTOR": "1", "APPEALS_LOGIN_DELAY_MAX_TIME": "1",
    }
    if test_database_mode() == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        server.create_database("camunda")
        env.update({
            "DB_DRIVER": "org.postgresql.Driver", "DB_URL": server.jdbc_url("camunda"),
            "DB_USERNAME": "postgres", "DB_PASSWORD": "",
            "APPEALS_DATABASE_URL": server.create_database("appeals"),
        })
    os.environ.update(env)
    handle = EngineHandle(Settings.from_env(), port)
    handle.start()
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def deployed(engine: EngineHandle) -> EngineHandle:
    """Models deployed and the demo org chart synced, through the CLI as an operator would."""
    from click.testing import CliRunner

    from appeals.cli import main
    from appeals.org import DEMO_ORG

    runner = CliRunner()
    result = runner.invoke(main, ["deploy"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["org", "sync", str(DEMO_ORG)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return engine


@pytest.fixture(scope="session")
def workers(deployed: EngineHandle) -> Iterator[EngineHandle]:
    """The external-task workers of the package, running in a background thread."""
    from appeals.handlers import router
    from appeals.runtime import Worker

    client = Camunda(deployed.settings.engine.url, *deployed.settings.engine.require_worker(), pool_size=16)
    from appeals.context import AppContext

    worker = Worker(client, router, max_tasks=4, async_response_timeout_ms=1_000, context=AppContext(deployed.settings))
    thread = threading.Thread(target=worker.run, daemon=True, name="test-workers")
    thread.start()
    deployed.worker = worker
    yield deployed
    worker.stop()
    thread.join(timeout=30)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian chromium driven by Playwright (no browser download: executable_path)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is installed by `make test` (tools/install-system-deps.sh)"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2, message: str = "condition"):
    """Poll until predicate() is truthy (for work done by the workers' thread, not timers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """bpmnlint and its Camunda plugin, installed from npm into tests/lint (idempotent)."""
    lint_dir = PROJECT_ROOT / "tests" / "lint"
    if not (lint_dir / "node_modules" / ".bin" / "bpmnlint").exists():
        npm = shutil.which("npm")
        assert npm, "npm is required for bpmnlint"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=lint_dir, check=True)
    return lint_dir / "node_modules"


# --------------------------------------------------------------------------------------- databases
@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the session (tests/databases.py)."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres: PostgresServer) -> str:
    """An empty PostgreSQL database for the session: `postgresql+psycopg://…/appeals_test`."""
    return postgres.create_database("appeals_test")


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty application database of the session's kind (APPEALS_TEST_DB): a SQLite file, or a
    new database on the session's PostgreSQL cluster."""
    if test_database_mode() == "postgresql":
        return request.getfixturevalue("postgres").create_database()
    return f"sqlite:///{tmp_path / 'appeals.sqlite'}"


@pytest.fixture(scope="module")
def dashboard(workers: EngineHandle) -> Iterator[str]:
    """`appeals dashboard serve`'s application on a free port, on the session's engine and database: its
    base URL ("http://127.0.0.1:<port>"); stopped after the module."""
    from werkzeug.serving import make_server

    from appeals.dashboard.app import create_app

    server = make_server("127.0.0.1", stack.free_port(), create_app(Settings.from_env()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="dashboard")
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()

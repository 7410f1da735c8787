"""`appeals up / down / status`: the engine jar and the workers as local background processes.

Used by the README's run command and, with a temporary data folder and a free port, by the test
session. In production docker-compose runs the same jar and the same worker command.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from .settings import PROJECT_ROOT, Settings

ENGINE_DIR = PROJECT_ROOT / "engine"
ENGINE_JAR = ENGINE_DIR / "target" / "appeals-engine.jar"
ENGINE_SOURCES = [ENGINE_DIR / "pom.xml", ENGINE_DIR / "src"]


class StackError(RuntimeError):
    pass


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_dir():
            for sub in path.rglob("*"):
                newest = max(newest, sub.stat().st_mtime)
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def engine_jar_is_stale() -> bool:
    return not ENGINE_JAR.exists() or _newest_mtime(ENGINE_SOURCES) > ENGINE_JAR.stat().st_mtime


def build_engine(force: bool = False, echo=print) -> Path:
    """Build the engine jar with Maven if it is missing or older than its sources."""
    if not force and not engine_jar_is_stale():
        return ENGINE_JAR
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven (mvn) is not installed; `make setup` installs it")
    echo("building the engine jar with Maven (first time: a few minutes) ...")
    result = subprocess.run(
        [mvn, "-B", "-q", "-f", str(ENGINE_DIR / "pom.xml"), "package", "-DskipTests"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise StackError(f"Maven build failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    return ENGINE_JAR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Paths:
    data_dir: Path

    @property
    def run(self) -> Path:
        return self.data_dir / "run"

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    def pidfile(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def logfile(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True


def read_pid(paths: Paths, name: str) -> int | None:
    try:
        pid = int(paths.pidfile(name).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def start_process(paths: Paths, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> int:
    paths.run.mkdir(parents=True, exist_ok=True)
    paths.logs.mkdir(parents=True, exist_ok=True)
    existing = read_pid(paths, name)
    if existing:
        return existing
    log = open(paths.logfile(name), "ab")
    process = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        cwd=cwd, env=env, start_new_session=True,
    )
    paths.pidfile(name).write_text(str(process.pid))
    return process.pid


def stop_process(paths: Paths, name: str, timeout: float = 30.0) -> bool:
    pid = read_pid(paths, name)
    if pid is None:
        paths.pidfile(name).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    paths.pidfile(name).unlink(missing_ok=True)
    return True


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: this one's, with `extra` on top."""
    env = dict(os.environ)
    env.update(extra or {})
    return env


def engine_env(settings: Settings, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env["SERVER_PORT"] = str(port)
    env["APPEALS_DATA_DIR"] = str(settings.data_dir)
    env["CAMUNDA_ADMIN_USER"] = settings.engine.admin_user
    env["CAMUNDA_ADMIN_PASSWORD"] = settings.engine.require_admin()[1]
    return env


def terminate(process: subprocess.Popen, timeout: float = 60.0) -> None:
    """SIGTERM a child we started and wait; SIGKILL it if it does not end within `timeout`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# the engine's JVM as `appeals up` runs it (the benchmarks use the same)
ENGINE_JVM_OPTIONS = ("-Xms256m", "-Xmx1g", "-XX:+UseSerialGC", "-Duser.timezone=Asia/Shanghai")


def start_engine(settings: Settings, port: int) -> int:
    jar = build_engine()
    java = shutil.which("java")
    if java is None:
        raise StackError("Java 17 is not installed")
    paths = Paths(settings.data_dir)
    argv = [java, *ENGINE_JVM_OPTIONS, "-jar", str(jar)]
    return start_process(paths, "engine", argv, engine_env(settings, port), cwd=settings.data_dir)


def wait_for_engine(url: str, auth: tuple[str, str], timeout: float = 240.0, pid: int | None = None) -> float:
    """Seconds until the REST API answers an authenticated request."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pid is not None and not _alive(pid):
            raise StackError("the engine process exited during start-up; see its log")
        try:
            if requests.get(f"{url}/version", auth=auth, timeout=3).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise StackError(f"the engine did not answer at {url} within {timeout:.0f} s")


def wait_until_listening(url: str, timeout: float = 30.0, interval: float = 0.2) -> float:
    """Seconds until something accepts TCP connections at `url`'s host and port (a service we just
    started, e.g. the 12345 simulator), retried with tenacity every `interval` s; StackError after
    `timeout` s. Nothing is logged while it waits."""
    from urllib.parse import urlsplit

    import tenacity

    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.monotonic()

    @tenacity.retry(retry=tenacity.retry_if_exception_type(OSError), wait=tenacity.wait_fixed(interval),
                    stop=tenacity.stop_after_delay(timeout), reraise=True)
    def connect() -> None:
        with socket.create_connection((host, port), timeout=min(2.0, timeout)):
            pass

    try:
        connect()
    except OSError as exc:
        raise StackError(f"nothing answered at {host}:{port} within {timeout:.0f} s ({exc})") from None
    return time.monotonic() - started


SERVICES = ("worker", "public", "dashboard", "hotline-simulator", "engine")  # stop order: workers first, the engine last
COUNTY_SERVICES = ("public", "hotline-simulator")
"""Services a county of the chart's `counties` runs its own of (`public-yixian`, `hotline-simulator-yixian`)."""


def service_names(paths: Paths) -> list[str]:
    """SERVICES in stop order, each followed by the other counties' own of it that have a pid file."""
    found = sorted(p.stem for p in paths.run.glob("*.pid")) if paths.run.exists() else []
    names: list[str] = []
    for name in SERVICES:
        names.append(name)
        if name in COUNTY_SERVICES:
            names.extend(n for n in found if n.startswith(f"{name}-") and n not in SERVICES)
    return names


@dataclass(frozen=True)
class CountyDemo:
    """What `appeals up --demo` runs for another county of the chart: its 12345 simulator and public site."""

    tenant: str
    name: str  # 乙县
    simulator_port: int
    public_port: int
    env: dict[str, str]  # its __<TENANT> variables, for the workers and the sites


def county_demos(settings: Settings, counties: list[tuple[str, str]], api_key: str) -> list[CountyDemo]:
    """Ports and settings of the other counties' simulators and sites (`counties`: (tenant, name) pairs,
    the chart's order): what the environment sets (`APPEALS_HOTLINE_URL__<TENANT>`, `APPEALS_PUBLIC_PORT__<TENANT>`
    …) is kept, the rest follows the chart's own county's ports: simulator 8311 → 8312, 8313 …, site
    8090 → 8092, 8093 … (8091 is the dashboard's)."""
    from .settings import suffix_of_tenant

    demos = []
    for index, (tenant, name) in enumerate(counties):
        suffix = suffix_of_tenant(tenant)
        own = {c.county: c for c in settings.county_hotlines}.get(tenant)
        simulator_port = settings.hotline.simulator_port + 1 + index
        if own is not None and own.simulator_port != settings.hotline.simulator_port:
            simulator_port = own.simulator_port
        site = settings.public_for(tenant) if tenant in settings.public_sites else None
        public_port = site.port if site is not None and site.port != settings.public.port else (
            settings.public.port + 2 + index)
        env = {f"APPEALS_HOTLINE_URL__{suffix}": (own.url if own is not None and own.url else
                                                  f"http://127.0.0.1:{simulator_port}/open311/v2"),
               f"APPEALS_HOTLINE_API_KEY__{suffix}": (own.api_key if own is not None and own.api_key else api_key),
               f"APPEALS_PUBLIC_PORT__{suffix}": str(public_port)}
        demos.append(CountyDemo(tenant, name, simulator_port, public_port, env))
    return demos


def start_county_demo(settings: Settings, demo: CountyDemo, extra_env: dict[str, str], public: bool) -> None:
    """Start a county's 12345 simulator (its own enterprises, order numbers YX…) and, with `public`, its
    public site (`appeals public serve --county TENANT`)."""
    key = extra_env[f"APPEALS_HOTLINE_API_KEY__{demo.tenant.upper().replace('-', '_')}"]
    start_appeals_command(settings, f"hotline-simulator-{demo.tenant}", [
        "hotline", "simulator", "--port", str(demo.simulator_port), "--orders", "20", "--api-key", key,
        "--county-name", demo.name, "--prefix", demo.tenant[:2].upper(), "--seed", "23456"])
    if public:
        start_appeals_command(settings, f"public-{demo.tenant}", [
            "public", "serve", "--county", demo.tenant, "--port", str(demo.public_port)], extra_env)


def start_appeals_command(settings: Settings, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> int:
    """Run `appeals <args>` in the background as service `name` (pid file and log in the data folder)."""
    env = dict(os.environ)
    env["APPEALS_DATA_DIR"] = str(settings.data_dir)
    env["APPEALS_ENGINE_URL"] = settings.engine.url
    env.update(extra_env or {})
    argv = [sys.executable, "-m", "appeals.cli", *args]
    return start_process(Paths(settings.data_dir), name, argv, env, cwd=settings.data_dir)


def start_worker(settings: Settings, extra_env: dict[str, str] | None = None) -> int:
    return start_appeals_command(settings, "worker", ["worker"], extra_env)


def port_of(url: str) -> int:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.port or (443 if parsed.scheme == "https" else 80)

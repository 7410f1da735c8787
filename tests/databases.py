"""The databases a test session runs on.

`APPEALS_TEST_DB` chooses them for the whole session:

- `embedded` (default): the engine on a throwaway H2 file, the application database on SQLite;
- `postgresql`: the engine and the application database on one throwaway PostgreSQL cluster (the
  Debian package `postgresql`, started here, as production runs them: docker-compose.yml).

`make test` runs the suite once in each mode. Tests that need a database of their own ask for
`fresh_database_url` and get an empty one of the session's kind.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from appeals import stack
from appeals.settings import PROJECT_ROOT

MODES = ("embedded", "postgresql")


def test_database_mode() -> str:
    mode = os.environ.get("APPEALS_TEST_DB", "embedded").strip().lower() or "embedded"
    if mode not in MODES:
        raise ValueError(f"APPEALS_TEST_DB={mode!r}: one of {', '.join(MODES)}")
    return mode


test_database_mode.__test__ = False  # not a test, despite its name


def _postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL server's bin directory (package `postgresql`), if installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free port of 127.0.0.1 (trust authentication).

    Installs the Debian package `postgresql` through tools/install-system-deps.sh when the server
    is missing, initdb's a cluster in a temporary folder and starts it (as the `postgres` system
    user when the tests run as root: the server refuses root). `stop()` removes everything."""

    def __init__(self) -> None:
        bin_dir = _postgres_bin()
        if bin_dir is None:
            subprocess.run([str(PROJECT_ROOT / "tools" / "install-system-deps.sh"), "postgresql"], check=True)
            bin_dir = _postgres_bin()
            assert bin_dir is not None, "the Debian package postgresql did not install a server"
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="appeals-pg-"))
        self.port = stack.free_port()
        self._names = itertools.count(1)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [*(["runuser", "-u", "postgres", "--"] if self.as_root else []), *args]
        return subprocess.run(command, check=True, capture_output=True, text=True, cwd=self.root)

    def start(self) -> PostgresServer:
        data, sockets, log = self.root / "data", self.root / "sockets", self.root / "server.log"
        sockets.mkdir()
        if self.as_root:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self.root.chmod(0o700)
        self._run(str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        # Production settings where they change behaviour (isolation, time zone of the session:
        # the server's default is UTC here, Asia/Shanghai is the engine's); durability off for speed.
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start")
        return self

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL (`postgresql+psycopg://…`)."""
        name = name or f"appeals_{next(self._names)}"
        self._run(str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def jdbc_url(self, name: str) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

"""The databases a test session runs on.

`APPEALS_TEST_DB` chooses them for the whole session:

- `embedded` (default): the engine on a throwaway H2 file, the application database on SQLite;
- `postgresql`: the engine and the application database on one throwaway PostgreSQL cluster (the
  Debian package `postgresql`, started here, as production runs them: docker-compose.yml).

`make test` runs the suite once in each mode. Tests that need a database of their own ask for
`fresh_database_url` and get an empty one of the session's kind.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from appeals import stack
from appeals.cluster import LocalPostgres, postgres_bin
from appeals.settings import PROJECT_ROOT

MODES = ("embedded", "postgresql")


def test_database_mode() -> str:
    mode = os.environ.get("APPEALS_TEST_DB", "embedded").strip().lower() or "embedded"
    if mode not in MODES:
        raise ValueError(f"APPEALS_TEST_DB={mode!r}: one of {', '.join(MODES)}")
    return mode


test_database_mode.__test__ = False  # not a test, despite its name


class PostgresServer(LocalPostgres):
    """The session's throwaway PostgreSQL cluster: the package's `appeals.cluster.LocalPostgres` in a
    temporary folder on a free port of 127.0.0.1, durability off, removed by `stop()`. Installs the
    Debian package `postgresql` through tools/install-system-deps.sh when the server is missing."""

    def __init__(self) -> None:
        if postgres_bin() is None:
            subprocess.run([str(PROJECT_ROOT / "tools" / "install-system-deps.sh"), "postgresql"], check=True)
            assert postgres_bin() is not None, "the Debian package postgresql did not install a server"
        folder = Path(tempfile.mkdtemp(prefix="appeals-pg-"))
        folder.chmod(0o755)  # the server's own folder inside is the `postgres` user's, mode 0700
        super().__init__(folder, stack.free_port(), throwaway=True)

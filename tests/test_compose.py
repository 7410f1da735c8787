"""docker-compose.yml stays consistent with what the tests exercise (no Docker engine runs here)."""

from __future__ import annotations

import yaml

from appeals.settings import PROJECT_ROOT

from .databases import _postgres_bin


def test_compose_services_match_the_tested_commands() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    compose = yaml.safe_load(text)
    services = compose["services"]
    assert set(services) == {"postgres", "engine", "init", "workers", "public", "mail"}
    assert services["engine"]["build"] == "./engine"
    assert services["engine"]["environment"]["DB_DRIVER"] == "org.postgresql.Driver"
    assert services["workers"]["command"] == ["worker"] and services["public"]["command"][:2] == ["public", "serve"]
    for name in ("engine", "workers", "public", "init"):
        assert services[name]["depends_on"], name
    for name in ("postgres", "public"):
        assert "healthcheck" in services[name]
    assert "pgdata" in compose["volumes"]
    # the PostgreSQL the tests run on (tests/databases.py: Debian's server) is production's major version
    tested = _postgres_bin()
    assert tested is not None, "make test installs the Debian package postgresql"
    assert services["postgres"]["image"] == f"postgres:{tested.parent.name}"
    assert "healthcheck" in (PROJECT_ROOT / "engine" / "Dockerfile").read_text(encoding="utf-8").lower()
    # every secret comes from the environment, none is written here
    for secret in ("CAMUNDA_ADMIN_PASSWORD", "APPEALS_WORKER_PASSWORD", "POSTGRES_PASSWORD", "APPEALS_PUBLIC_SECRET"):
        assert f"${{{secret}:?" in text
    # no duplicated keys (YAML would silently keep the last one; docker compose refuses the file)
    yaml.load(text, Loader=_NoDuplicates)


class _NoDuplicates(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        own = [key for key, _value in node.value if key.tag != "tag:yaml.org,2002:merge"]
        keys = [self.construct_object(key, deep=deep) for key in own]
        duplicated = {k for k in keys if keys.count(k) > 1}
        assert not duplicated, f"duplicated keys {duplicated} at line {node.start_mark.line + 1}"
        return super().construct_mapping(node, deep=deep)

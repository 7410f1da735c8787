"""docker-compose.yml stays consistent with what the tests exercise (no Docker engine runs here)."""

from __future__ import annotations

import re
import shutil
import subprocess

import yaml

from appeals.cluster import COMPOSE_NODES, compose_haproxy_config, postgres_bin
from appeals.settings import PROJECT_ROOT


def test_compose_services_match_the_tested_commands() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    compose = yaml.safe_load(text)
    services = compose["services"]
    assert set(services) == {"postgres", "engine-1", "engine-2", "haproxy", "init", "workers", "public", "mail"}
    # cluster mode (docs/cluster.md, tests/cluster/test_cluster.py): two nodes of the same jar on the one PostgreSQL
    for name in ("engine-1", "engine-2"):
        assert services[name]["build"] == "./engine"
        assert services[name]["environment"]["DB_DRIVER"] == "org.postgresql.Driver"
        assert services[name]["environment"]["APPEALS_CLUSTER"] == "true"
        assert services[name]["environment"]["DB_URL"] == "jdbc:postgresql://postgres:5432/camunda"
        assert "ports" not in services[name], "the nodes are reached through the balancer only"
    assert "engine-1" in services["engine-2"]["depends_on"], "the second node starts after the first made the schema"
    # the balancer: the configuration the tests' HAProxy runs, with the compose nodes; the tested major version
    balancer = services["haproxy"]
    assert "./tools/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in balancer["volumes"]
    assert (PROJECT_ROOT / "tools" / "haproxy" / "haproxy.cfg").read_text(encoding="utf-8") == compose_haproxy_config()
    assert {node.name for node in COMPOSE_NODES} == {"engine-1", "engine-2"}
    assert balancer["ports"] == ["8080:8080"]
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    version = subprocess.run([haproxy, "-v"], capture_output=True, text=True, check=True).stdout
    assert balancer["image"] == "haproxy:" + re.search(r"version (\d+\.\d+)", version).group(1)
    env = compose["x-appeals-env"]
    assert env["APPEALS_ENGINE_URL"] == "http://haproxy:8080/engine-rest"
    assert env["APPEALS_ENGINE_NODES"].split(",") == [f"http://{n}:8080/engine-rest" for n in ("engine-1", "engine-2")]
    assert services["workers"]["command"] == ["worker"] and services["public"]["command"][:2] == ["public", "serve"]
    for name in ("engine-1", "engine-2", "workers", "public", "init"):
        assert services[name]["depends_on"], name
    for name in ("workers", "public", "init"):
        assert services[name]["depends_on"]["haproxy"]["condition"] == "service_healthy", name
    for name in ("postgres", "public", "haproxy"):
        assert "healthcheck" in services[name]
    assert "pgdata" in compose["volumes"]
    # the PostgreSQL the tests run on (appeals.cluster.LocalPostgres: Debian's server) is production's major version
    tested = postgres_bin()
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

"""Ports as settings and the 12345 simulator's readiness (breaker finding 11): two demos on one machine
differ only in their environment, and `appeals up` pulls from the simulator once it listens, not before."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from appeals import stack
from appeals.settings import Settings, SettingsError


def test_the_ports_come_from_the_environment_with_the_documented_defaults() -> None:
    default = Settings.from_env({})
    assert (default.public.port, default.dashboard.port, default.hotline.simulator_port) == (8090, 8091, 8311)
    assert default.public.base_url == "http://localhost:8090"
    second = Settings.from_env({"APPEALS_PUBLIC_PORT": "9090", "APPEALS_DASHBOARD_PORT": "9091",
                                "APPEALS_HOTLINE_SIMULATOR_PORT": "9311"})
    assert (second.public.port, second.dashboard.port, second.hotline.simulator_port) == (9090, 9091, 9311)
    assert second.public.base_url == "http://localhost:9090", "the links follow the port"
    behind = Settings.from_env({"APPEALS_PUBLIC_PORT": "9090", "APPEALS_PUBLIC_BASE_URL": "https://qy.example.gov.cn/"})
    assert behind.public.base_url == "https://qy.example.gov.cn"
    for bad in ("0", "70000", "abc"):
        with pytest.raises(SettingsError, match="APPEALS_DASHBOARD_PORT"):
            Settings.from_env({"APPEALS_DASHBOARD_PORT": bad})


def test_the_up_command_uses_no_fixed_port() -> None:
    source = (stack.PROJECT_ROOT / "workers" / "appeals" / "cli.py").read_text(encoding="utf-8")
    for port in ("8090", "8091", "8311"):
        assert port not in source, f"cli.py names port {port}: it is a setting"


def test_waiting_for_a_service_that_starts_late_then_listens() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # free now; nothing listens yet

    def listen_later() -> None:
        time.sleep(0.6)
        server = socket.create_server(("127.0.0.1", port))
        server.accept()[0].close()
        server.close()

    thread = threading.Thread(target=listen_later, daemon=True)
    thread.start()
    waited = stack.wait_until_listening(f"http://127.0.0.1:{port}/open311/v2", timeout=10)
    assert 0.5 <= waited < 5
    thread.join(timeout=5)


def test_waiting_for_nothing_ends_with_a_clear_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    started = time.monotonic()
    with pytest.raises(stack.StackError, match=f"nothing answered at 127.0.0.1:{port} within 1 s"):
        stack.wait_until_listening(f"http://127.0.0.1:{port}/", timeout=1.0)
    assert time.monotonic() - started < 4

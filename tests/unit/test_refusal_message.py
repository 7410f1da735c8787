"""A refused technical user tells the operator what happened and how to unlock (breaker finding 2),
whichever way the client called the engine (its own requests or pycamunda's), at most once a minute,
and a person's login check (the dashboard's) logs no such incident."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from appeals.camunda import Camunda, CamundaError, unlock_command


class Refusing(BaseHTTPRequestHandler):
    def _refuse(self) -> None:
        body = json.dumps({"type": "AuthenticationException", "message": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _refuse  # noqa: N815 - http.server's names

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture(scope="module")
def engine_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/engine-rest"
    server.shutdown()


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name == "appeals.camunda"]


CALLS = {
    "own request": lambda c: c.get("/engine"),
    "pycamunda": lambda c: c.start_process("EnterpriseAppeal"),
    "long poll": lambda c: c.fetch_and_lock("w", [("topic", 1000, None)], 1, 0),
}


@pytest.mark.parametrize("path", CALLS)
def test_a_refused_service_user_says_how_to_unlock_once_a_minute(engine_url: str, caplog, path: str) -> None:
    client = Camunda(engine_url, "appeals-worker", "wrong")
    with caplog.at_level(logging.ERROR, logger="appeals.camunda"):
        for _ in range(3):
            with pytest.raises(CamundaError) as refused:
                CALLS[path](client)
            assert refused.value.status == 401
    logged = errors(caplog)
    assert len(logged) == 1, "once a minute, not per call"
    assert "appeals-worker" in logged[0] and "HTTP 401" in logged[0] and unlock_command("appeals-worker") in logged[0]
    assert "/engine-rest/user/appeals-worker/unlock" in logged[0]


def test_a_persons_login_check_logs_no_incident(engine_url: str, caplog) -> None:
    client = Camunda(engine_url, "county-head", "wrong", explain_refusal=False)
    with caplog.at_level(logging.ERROR, logger="appeals.camunda"), pytest.raises(CamundaError):
        client.get("/identity/groups", userId="county-head")
    assert errors(caplog) == []

"""The balancer's per-address limit on refused logins (breaker finding 2): HAProxy with the generated
configuration in front of a stand-in node that refuses every login; after LOGIN_FAILURES_PER_MINUTE
answers 401 the address gets 429, while the node's health check and the limit's counter stay apart."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from appeals import stack
from appeals.cluster import HEALTH_PATH, LOGIN_FAILURES_PER_MINUTE, Node, haproxy_config


class RefusingNode(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status = 200 if self.path == HEALTH_PATH else 401
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


def test_an_address_with_too_many_refused_logins_gets_429(tmp_path) -> None:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    node = ThreadingHTTPServer(("127.0.0.1", 0), RefusingNode)
    threading.Thread(target=node.serve_forever, daemon=True).start()
    port = stack.free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(port, [Node("engine-1", node.server_port)]), encoding="utf-8")
    balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stack.wait_until_listening(f"http://127.0.0.1:{port}/", timeout=10)
        url = f"http://127.0.0.1:{port}/engine-rest/engine"
        deadline = time.monotonic() + 10
        while requests.get(url, auth=("x", "y"), timeout=5).status_code == 503:  # the first health check
            assert time.monotonic() < deadline, "the node never came up behind the balancer"
            time.sleep(0.2)
        statuses = [requests.get(url, auth=("appeals-public", f"guess-{i}"), timeout=5).status_code
                    for i in range(LOGIN_FAILURES_PER_MINUTE + 3)]
        assert statuses[:LOGIN_FAILURES_PER_MINUTE - 1] == [401] * (LOGIN_FAILURES_PER_MINUTE - 1)
        assert statuses[-2:] == [429, 429], statuses
    finally:
        balancer.terminate()
        balancer.wait(timeout=10)
        node.shutdown()

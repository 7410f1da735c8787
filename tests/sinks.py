"""Real peers for notifications: an SMTP server (aiosmtpd) and an HTTP sink for SMS and webhooks."""

from __future__ import annotations

import email
import json
import threading
import time
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


class MailHandler:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.rcpt_delay = 0.0  # seconds the next RCPT waits (simulates a slow server), once
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_delay:
            delay, self.rcpt_delay = self.rcpt_delay, 0.0
            import asyncio

            await asyncio.sleep(delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class MailServer:
    """aiosmtpd on a free port; can be stopped and started again on the same port."""

    def __init__(self, port: int, smtputf8: bool = False) -> None:
        self.port = port
        self.smtputf8 = smtputf8  # offer SMTPUTF8 (RFC 6531) in the EHLO answer
        self.handler = MailHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=self.smtputf8)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self, subject_contains: str = "") -> list[Message]:
        with self.handler.lock:
            return [m for m in self.handler.messages if subject_contains in str(m["Subject"])]

    @staticmethod
    def body(message: Message) -> str:
        """The text of a message; of one with attachments (multipart/mixed), its text part."""
        part = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
        return part.get_content()


class HttpSink:
    """Collects JSON posted to /sms and /webhook/<name>; answers 503 while `down`. `replies[path]`
    is a list of JSON bodies answered (with HTTP 200) to the next posts to that path, one each, as
    a group robot answers: {"errcode": 310000, "errmsg": "keywords not in content"}."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests: list[tuple[str, dict, dict]] = []
        self.down = False
        self.replies: dict[str, list[dict]] = {}
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if sink.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                sink.requests.append((self.path, dict(self.headers), body))
                queued = sink.replies.get(self.path)
                answer = json.dumps(queued.pop(0)).encode() if queued else b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()

    def sms(self, text_contains: str = "") -> list[dict]:
        return [body for path, _h, body in self.requests if path == "/sms" and text_contains in body.get("text", "")]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def wait_until(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")

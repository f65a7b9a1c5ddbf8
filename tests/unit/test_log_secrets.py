"""No secret in any log record of any logger at DEBUG, on the real transport (httpx + httpcore
over a loopback socket): keys, AK/SK, the JWT, signed URLs' signatures, cookies (regression:
httpcore's DEBUG trace printed a redirect's signed `Location`, and no filter reached its child
loggers)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from haoee_kling import FakeClock, Kling
from haoee_kling._logging import REDACTED_LOGGERS
from haoee_kling.testing._media import asset
from tests.unit.conftest import task_answer

KEY = "hk-log-secret-key-0123456789"
ACCESS_KEY = "AK-log-secret-0123456789"
SECRET_KEY = "SK-log-secret-0123456789"
SIGNATURE = "sig-5e3c7a9b1d"
COOKIE = "session-4f2e8d6c0a"
TASK_ID = "842250903629086785"


class _Gateway(BaseHTTPRequestHandler):
    """A gateway and a CDN on one loopback port: creates, polls, signed media behind a
    redirect, and every response sets a session cookie."""

    authorizations: ClassVar[list[str]] = []

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.send_header("Set-Cookie", f"sid={COOKIE}; Path=/; HttpOnly")
        self.end_headers()
        self.wfile.write(body)

    def _task(self, status: str) -> None:
        video = f"http://{self.headers['Host']}/cdn/{TASK_ID}.mp4?sign={SIGNATURE}&Expires=9"
        answer = task_answer(status, TASK_ID)
        if status == "succeed":
            answer["data"]["task_result"]["videos"][0]["url"] = video
        self._send(200, json.dumps(answer).encode(), **{"Content-Type": "application/json"})

    def do_POST(self) -> None:
        self.authorizations.append(self.headers.get("Authorization", ""))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._task("submitted")

    def do_GET(self) -> None:
        if self.path.startswith("/cdn/"):
            # A CDN that sends the signed URL on, as a relative Location.
            self._send(302, b"", Location=f"/media/a.mp4?sign={SIGNATURE}-2&Expires=9")
        elif self.path.startswith("/media/"):
            self._send(200, asset("mp4"), **{"Content-Type": "video/mp4"})
        else:
            self.authorizations.append(self.headers.get("Authorization", ""))
            self._task("succeed")

    def log_message(self, format: str, *args: object) -> None:
        pass  # the server's own access log is not the client's


@pytest.fixture
def gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


class _Everything(logging.Handler):
    """Keeps every record, formatted the way an application's handler would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{self.format(record)} {record.__dict__}")


@pytest.fixture
def captured() -> Iterator[_Everything]:
    handler = _Everything()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *REDACTED_LOGGERS)}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in REDACTED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_no_secret_reaches_any_log_record_on_the_real_transport(
    gateway: str, captured: _Everything, tmp_path: Path
) -> None:
    # The fake clock only skips the waits between polls; every request is real.
    with Kling(api_key=KEY, base_url=f"{gateway}/kling", clock=FakeClock()) as kling:
        task = kling.text2video.create_and_wait(prompt="a fox")
        paths = kling.download(task, tmp_path)
    with Kling(
        backend="kling", access_key=ACCESS_KEY, secret_key=SECRET_KEY, base_url=gateway
    ) as official:
        official.text2video.create(prompt="a fox")
    assert paths[0].read_bytes() == asset("mp4")
    jwt = _Gateway.authorizations[-1].removeprefix("Bearer ")
    assert jwt.startswith("eyJ")
    text = "\n".join(captured.lines)
    # The trace is there (the test would pass vacuously on an empty log otherwise) ...
    assert "receive_response_headers" in text
    assert "HTTP Request: GET" in text
    assert "/media/a.mp4?[REDACTED]" in text
    # ... and no secret is in it.
    for secret in (KEY, ACCESS_KEY, SECRET_KEY, jwt, SIGNATURE, COOKIE):
        assert secret not in text

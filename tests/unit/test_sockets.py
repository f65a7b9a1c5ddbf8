"""Background servers (the receiver's and the fake's) stop when asked, without dropping an
answer already under way."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import httpx
import pytest
import uvicorn

from haoee_kling.callbacks._sockets import BackgroundServer, bind, prompt_server


class SlowApp:
    """Answers 200 after `pause` seconds; `started` is set once a request has arrived."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.started = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        self.started.set()
        await asyncio.sleep(self.pause)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


def serving(app: Any) -> BackgroundServer:
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="critical")
    server = BackgroundServer(prompt_server(config), bind(), "test")
    assert server.start(timeout=10)
    return server


def test_an_answer_under_way_is_finished_before_the_server_stops() -> None:
    app = SlowApp(pause=0.3)
    server = serving(app)
    answers: list[httpx.Response] = []
    asking = threading.Thread(
        target=lambda: answers.append(httpx.get(f"http://127.0.0.1:{server.port}/"))
    )
    asking.start()
    assert app.started.wait(10)
    server.stop()
    asking.join(10)
    assert [(a.status_code, a.text) for a in answers] == [(200, "done")]


def test_a_stopped_server_has_ended_its_thread_and_closed_its_port() -> None:
    server = serving(SlowApp(pause=0.0))
    with httpx.Client() as client:  # a keep-alive connection left open by the client
        assert client.get(f"http://127.0.0.1:{server.port}/").status_code == 200
        server.stop()
        assert not server._thread.is_alive()
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", server.port), 1),
    ):
        pass

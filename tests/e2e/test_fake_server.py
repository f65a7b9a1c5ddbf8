"""The fake gateway on a real loopback socket: the pytest fixture, and the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from haoee_kling.testing import (
    DEMO_KEY,
    FAKE_WEBHOOK_SECRET,
    FakeClock,
    FakeGateway,
    RealClock,
    RunningServer,
    serve_in_thread,
)
from tests.e2e.fake_support import assert_media, get_path

pytest_plugins = ["haoee_kling.testing.pytest_plugin"]

T2V = "/v1/videos/text2video"


def run_to_video(client: httpx.Client, advance: object = None, timeout: float = 5.0) -> str:
    """Create a text-to-video task and poll it to `succeed`; returns the MP4's URL."""
    created = client.post(T2V, json={"prompt": "a fox", "duration": "5"}).json()["data"]
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(get_path("text2video", created["task_id"])).json()["data"]
        if data["task_status"] == "succeed":
            url: str = data["task_result"]["videos"][0]["url"]
            return url
        assert data["task_status"] in ("submitted", "processing")
        assert time.monotonic() < deadline, "the task did not finish in time"
        if callable(advance):
            advance()
        else:
            time.sleep(0.02)


def test_fixture_serves_on_loopback_with_the_fake_clock(
    fake_gateway_server: RunningServer,
) -> None:
    gateway = fake_gateway_server.gateway
    assert fake_gateway_server.base_url.startswith("http://127.0.0.1:")
    assert fake_gateway_server.base_url.endswith("/kling")
    with httpx.Client(
        base_url=fake_gateway_server.base_url, headers=gateway.auth_headers()
    ) as client:
        url = run_to_video(client, advance=lambda: gateway.advance(30))
        assert url.startswith(fake_gateway_server.origin + "/media/")
    with httpx.Client() as anonymous:
        assert_media(anonymous.get(url).content, "mp4")


def test_stopped_server_refuses_connections() -> None:
    server = serve_in_thread(FakeGateway())
    url = server.base_url + T2V
    assert httpx.get(url).status_code == 401
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


@pytest.fixture
def cli_server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m haoee_kling.testing --port 0 --speed 1000` with one fault; SIGINT at the end."""
    command = [sys.executable, "-m", "haoee_kling.testing", "--port", "0", "--speed", "1000"]
    command += ["--fault", "status:status=503,match=listText2Video"]
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        assert first.startswith("haoee fake gateway: "), first + process.stderr.read()
        assert process.stdout.readline() == f"key: {DEMO_KEY}\n"
        assert process.stdout.readline() == f"webhook secret: {FAKE_WEBHOOK_SECRET}\n"
        try:
            yield process, first.split(": ", 1)[1].strip()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)


def test_command_line_server_runs_tasks_at_speed(
    cli_server: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = cli_server
    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/kling")
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    with httpx.Client(base_url=base_url, headers=headers) as client:
        assert client.get(T2V).status_code == 503  # the --fault, once
        assert client.get(T2V).status_code == 200
        url = run_to_video(client)  # at 1000x a video task takes well under a second
    with httpx.Client() as anonymous:
        assert_media(anonymous.get(url).content, "mp4")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()


def test_clocks() -> None:
    fake = FakeClock(100.0)
    fake.advance(2.5)
    assert fake.now() == 102.5
    with pytest.raises(ValueError, match="negative"):
        fake.advance(-1)
    real = RealClock(speed=1000)
    start = real.now()
    real.advance(60)
    assert real.now() - start >= 60
    time.sleep(0.01)
    assert real.now() - start >= 70  # 10 ms at 1000x
    with pytest.raises(ValueError, match="positive"):
        RealClock(speed=0)
    with pytest.raises(ValueError, match="negative"):
        real.advance(-1)
    assert "1000" in repr(real)
    assert "102.5" in repr(fake)

"""The everyday paths of a new user, end to end against the fake (issue 24, items 5-10).

Consumer fixtures that do not stall, the fake started from a shell and its callbacks verified
with the secret it prints, and what a user looks for: tasks of every kind, configuration from
the environment, debug logs, one spelling of each kind.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from haoee_kling import AsyncKling, Kling, SystemClock
from haoee_kling.cli import cli
from haoee_kling.testing import (
    DEMO_KEY,
    FAKE_WEBHOOK_SECRET,
    FakeGateway,
    LinkedClock,
    RunningServer,
    link_default_clock,
    parse_fault,
    serve_in_thread,
)

# ---------------------------------------------------------------- consumer fixtures (item 5)


def test_fake_kling_waits_minutes_of_fake_time_in_one_call(
    fake_kling: Kling, fake_gateway: FakeGateway
) -> None:
    start = fake_gateway.clock.now()
    done = fake_kling.text2video.create_and_wait(prompt="A red fox in fresh snow")
    assert done.task_status == "succeed"
    # The client slept through the task's whole duration, and the gateway's time moved with it.
    assert isinstance(fake_kling._clock, LinkedClock)
    slept = sum(fake_kling._clock.sleeps)
    assert slept >= fake_gateway.task(done.task_id).timeline.finished - start
    assert fake_gateway.clock.now() - start == pytest.approx(slept)


async def test_fake_async_kling_waits_the_same_way(
    fake_async_kling: AsyncKling, fake_gateway: FakeGateway
) -> None:
    done = await fake_async_kling.text_to_audio.create_and_wait(
        prompt="Rain on a tin roof", duration=5
    )
    assert done.task_status == "succeed"
    assert fake_gateway.status(done.task_id) == "succeed"
    assert isinstance(fake_async_kling._clock, LinkedClock)


def test_fake_gateway_server_links_clients_the_code_under_test_builds(
    fake_gateway_server: RunningServer,
) -> None:
    # Code under test that makes its own client, with the default clock, over a real socket.
    with Kling(DEMO_KEY, base_url=fake_gateway_server.base_url) as kling:
        done = kling.text2video.create_and_wait(prompt="A red fox in fresh snow")
    assert fake_gateway_server.gateway.status(done.task_id) == "succeed"


def test_link_default_clock_puts_the_system_clock_back() -> None:
    before = {name: SystemClock.__dict__[name] for name in ("monotonic", "wall", "sleep")}
    gateway = FakeGateway()
    with link_default_clock(gateway) as clock:
        SystemClock().sleep(30)
        assert clock.sleeps == [30]
        assert SystemClock().wall() == gateway.clock.now()
    assert {name: SystemClock.__dict__[name] for name in before} == before


# ---------------------------------------------- the fake from a shell, and its secret (item 6)


@pytest.fixture
def fake_from_a_shell() -> Iterator[dict[str, str]]:
    """`python -m haoee_kling.testing --port 0 --speed 1000`: what it printed, by label."""
    command = [sys.executable, "-m", "haoee_kling.testing", "--port", "0", "--speed", "1000"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        printed = {}
        for _ in range(4):
            label, _, value = process.stdout.readline().partition(": ")
            printed[label] = value.strip()
        try:
            yield printed
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def test_callbacks_listen_verifies_the_fake_with_the_secret_it_printed(
    fake_from_a_shell: dict[str, str],
) -> None:
    secret = fake_from_a_shell["webhook secret"]
    assert secret == FAKE_WEBHOOK_SECRET
    port = _free_port()
    result: list[Any] = []
    listen = ["callbacks", "listen", "--port", str(port), "--secret", secret, "--count", "1"]
    thread = threading.Thread(
        target=lambda: result.append(CliRunner().invoke(cli, listen)), daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while True:  # until the listener is up
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "kling callbacks listen did not start"
            time.sleep(0.05)
    with Kling(fake_from_a_shell["key"], base_url=fake_from_a_shell["haoee fake gateway"]) as k:
        task = k.text2video.create(
            prompt="A red fox in fresh snow", callback_url=f"http://127.0.0.1:{port}/"
        )
    thread.join(20)
    [outcome] = result
    assert outcome.exit_code == 0, outcome.output
    [printed] = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert printed["task_id"] == task.task_id  # verified with the printed secret, then shown


# ------------------------------------------------------------------------ debug logs (item 9)


def test_debug_records_say_method_path_status_latency_attempt_and_request_id(
    fake_kling: Kling, fake_gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    fake_gateway.faults.add(parse_fault("status:status=503,count=1,match=listText2Video"))
    caplog.set_level(logging.DEBUG, logger="haoee_kling")
    fake_kling.text2video.list(page_num=2, page_size=5)
    sent = [r.getMessage() for r in caplog.records if " ms (" in r.getMessage()]
    assert len(sent) == 2, sent
    first, second = sent
    assert first.startswith("GET /kling/v1/videos/text2video -> HTTP 503, request_id ")
    assert first.endswith("(listText2Video, attempt 1)")
    assert re.fullmatch(
        r"GET /kling/v1/videos/text2video -> HTTP 200, request_id \S+ in \d+ ms "
        r"\(listText2Video, attempt 2\)",
        second,
    ), second
    assert "request_id None" not in second
    assert not [m for m in sent if "pageNum" in m or "?" in m or DEMO_KEY in m]


# --------------------------------------------------------------------- configuration (item 8)


@pytest.fixture
def served() -> Iterator[tuple[RunningServer, LinkedClock]]:
    """A fake on loopback, and the linked clock every default client sleeps on meanwhile."""
    gateway = FakeGateway()
    server = serve_in_thread(gateway)
    try:
        with link_default_clock(gateway) as clock:
            yield server, clock
    finally:
        server.stop()


def _env(server: RunningServer, **more: str) -> dict[str, str]:
    return {"HAOEE_BASE_URL": server.base_url, "HAOEE_API_KEY": DEMO_KEY, **more}


def test_the_poll_interval_option_sets_the_waits_schedule(
    served: tuple[RunningServer, LinkedClock],
) -> None:
    server, clock = served
    command = ["--poll-interval", "2", "text2video", "--prompt", "A red fox", "--wait"]
    result = CliRunner().invoke(cli, command, env=_env(server))
    assert result.exit_code == 0, result.output
    polls = [s for s in clock.sleeps if s > 0]
    assert polls
    assert all(1.5 <= s <= 2.5 for s in polls), polls  # 2 s, with jitter


def test_a_wait_deadline_from_the_environment_ends_the_wait(
    served: tuple[RunningServer, LinkedClock],
) -> None:
    server, clock = served
    command = ["text2video", "--prompt", "A red fox", "--wait"]
    result = CliRunner().invoke(cli, command, env=_env(server, HAOEE_WAIT_TIMEOUT="30"))
    assert result.exit_code == 5, result.output  # a video takes minutes: 30 s is not enough
    assert sum(clock.sleeps) <= 30


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ({"HAOEE_TIMEOUT": "nan"}, "HAOEE_TIMEOUT: must be a finite number of seconds above 0"),
        ({"HAOEE_MAX_RETRIES": "-1"}, "HAOEE_MAX_RETRIES: must be a whole number >= 0"),
        ({"--request-timeout": "inf"}, "--request-timeout: must be a finite number of seconds"),
        ({"--wait-timeout": "soon"}, "--wait-timeout: must be a number of seconds or 'none'"),
    ],
)
def test_a_bad_setting_is_named_before_anything_is_sent(
    served: tuple[RunningServer, LinkedClock], where: dict[str, str], says: str
) -> None:
    server, _ = served
    options = [part for item in where.items() if item[0].startswith("--") for part in item]
    env = {k: v for k, v in where.items() if not k.startswith("--")}
    command = [*options, "text2video", "--prompt", "A red fox", "--wait"]
    result = CliRunner().invoke(cli, command, env=_env(server, **env))
    assert result.exit_code == 3, result.output
    assert says in result.stderr
    assert server.gateway.tasks() == []  # nothing billed


def test_a_dead_proxy_is_named_without_its_credentials(
    fake_gateway_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://someone:pr0xy-pass@127.0.0.1:{_free_port()}"
    for variable in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    command = ["--max-retries", "0", "status", "text2video", "123"]
    result = CliRunner().invoke(cli, command, env={**_env(fake_gateway_server), "HTTP_PROXY": dead})
    assert result.exit_code == 3, result.output
    assert "through the proxy http://[REDACTED]@127.0.0.1:" in result.stderr
    assert "from HTTP_PROXY" in result.stderr
    assert "pr0xy-pass" not in result.output

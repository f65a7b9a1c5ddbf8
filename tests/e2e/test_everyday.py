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
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from haoee_kling import (
    APIConnectionError,
    APIError,
    AsyncKling,
    InvalidRequestError,
    Kling,
    ServerError,
    SystemClock,
    WaitTimeoutError,
)
from haoee_kling.cli import cli
from haoee_kling.kinds._listing import served_kinds
from haoee_kling.testing import (
    DEMO_KEY,
    FAIL_MARKER,
    FAKE_WEBHOOK_SECRET,
    FakeGateway,
    LinkedClock,
    RunningServer,
    link_default_clock,
    parse_fault,
    sample_image_path,
    serve_in_thread,
)

pytest_plugins = ["haoee_kling.testing.pytest_plugin"]

SAMPLE = str(sample_image_path())
RATIOS = (
    "up_expansion_ratio",
    "down_expansion_ratio",
    "left_expansion_ratio",
    "right_expansion_ratio",
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


async def test_fake_async_kling_waits_and_downloads_the_same_way(
    fake_async_kling: AsyncKling, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    done = await fake_async_kling.text_to_audio.create_and_wait(
        prompt="Rain on a tin roof", duration=5
    )
    assert done.task_status == "succeed"
    assert fake_gateway.status(done.task_id) == "succeed"
    assert isinstance(fake_async_kling._clock, LinkedClock)
    paths = await fake_async_kling.download(done, tmp_path)
    assert sorted(p.suffix for p in paths) == [".mp3", ".wav"]


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
    # At 1000x, more states may arrive before the listener stops: each is this task's.
    printed = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert printed  # verified with the printed secret, then shown
    assert {state["task_id"] for state in printed} == {task.task_id}


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
        ({"HAOEE_TIMEOUT": "nan"}, "HAOEE_TIMEOUT: must be a finite number of seconds > 0"),
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


# ---------------------------------------------------------------- tasks across kinds (item 7)


def _made(kling: Kling, gateway: FakeGateway) -> dict[str, str]:
    """Five tasks of three kinds, ten fake seconds apart; name -> task id."""
    made = {}
    jobs: list[tuple[str, str, dict[str, Any]]] = [
        ("fox", "text2video", {"prompt": "A red fox"}),
        ("rain", "text_to_audio", {"prompt": "Rain", "duration": 5}),
        ("cat", "text2video", {"prompt": f"{FAIL_MARKER} A cat"}),
        ("sea", "image_expand", {"image": SAMPLE, **dict.fromkeys(RATIOS, 0.2)}),
        ("owl", "text2video", {"prompt": "An owl"}),
    ]
    for name, kind, fields in jobs:
        made[name] = getattr(kling, kind).create(**fields).task_id
        gateway.advance(10)
    gateway.advance(3600)  # every task has finished
    return made


def test_tasks_list_merges_every_kind_newest_first_naming_each_kind(
    fake_kling: Kling, fake_gateway: FakeGateway
) -> None:
    made = _made(fake_kling, fake_gateway)
    listed = list(fake_kling.tasks.list(page_size=1))  # one task a page: paging is automatic
    assert [t.task_id for t in listed] == [made[n] for n in ("owl", "sea", "cat", "rain", "fox")]
    assert [t.kind for t in listed] == [
        "text2video",
        "image-expand",
        "text2video",
        "text-to-audio",
        "text2video",
    ]
    assert listed[1].to_dict()["kind"] == "image-expand"


def test_tasks_list_filters_by_kind_status_and_time_and_stops_at_the_limit(
    fake_kling: Kling, fake_gateway: FakeGateway
) -> None:
    made = _made(fake_kling, fake_gateway)
    created = {t.task_id: t.created_at for t in fake_kling.tasks.list()}

    def ids(**filters: Any) -> list[str]:
        return [t.task_id for t in fake_kling.tasks.list(page_size=2, **filters)]

    assert ids(kinds=["text-to-audio", "image_expand"]) == [made["sea"], made["rain"]]
    assert ids(status="failed") == [made["cat"]]
    assert ids(status=["succeed"], kinds="text2video") == [made["owl"], made["fox"]]
    assert ids(since=created[made["cat"]]) == [made["owl"], made["sea"], made["cat"]]
    assert ids(until=created[made["cat"]]) == [made["rain"], made["fox"]]
    assert ids(limit=2) == [made["owl"], made["sea"]]


def test_tasks_list_refuses_bad_filters_before_sending(fake_kling: Kling) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        list(fake_kling.tasks.list(kinds="Text2Video", status="success", limit=0, since=-1))
    assert [p.message for p in caught.value.problems] == [
        "kinds: 'Text2Video' is not a task kind; did you mean 'text2video'?",
        "status: 'success' is not one; did you mean 'succeed'?",
        "limit: must be 1 or more (got 0)",
        "since: must be Unix milliseconds or a datetime (got -1)",
    ]


async def test_async_tasks_list_is_an_async_iterator_of_the_same_tasks(
    fake_async_kling: AsyncKling, fake_gateway: FakeGateway
) -> None:
    created = await fake_async_kling.text2video.create(prompt="A red fox")
    listed = [task async for task in fake_async_kling.tasks.list(kinds="text2video")]
    assert [(t.task_id, t.kind) for t in listed] == [(created.task_id, "text2video")]


def test_haoee_lists_no_official_only_kind_unless_named() -> None:
    kinds = served_kinds(["text2video", "omni_image", "custom_voice"], "haoee")
    assert kinds == ["text2video"]
    assert served_kinds(["text2video", "omni_image"], "kling") == ["text2video", "omni_image"]


@pytest.fixture
def five_served(served: tuple[RunningServer, LinkedClock]) -> tuple[RunningServer, dict[str, str]]:
    """The fake on loopback holding the five tasks of `_made`."""
    server, _ = served
    with Kling(DEMO_KEY, base_url=server.base_url) as kling:
        return server, _made(kling, server.gateway)


def test_kling_list_without_a_kind_shows_every_kind_with_its_name(
    five_served: tuple[RunningServer, dict[str, str]],
) -> None:
    server, made = five_served
    result = CliRunner().invoke(cli, ["list", "--limit", "3"], env=_env(server))
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split()[:5] == ["TASK", "ID", "KIND", "STATUS", "CREATED"]
    assert [row.split()[:3] for row in rows] == [
        [made["owl"], "text2video", "succeed"],
        [made["sea"], "image-expand", "succeed"],
        [made["cat"], "text2video", "failed"],
    ]
    as_json = CliRunner().invoke(
        cli, ["--json", "list", "--status", "succeed", "--since", "0"], env=_env(server)
    )
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert [(t["task_id"], t["kind"]) for t in document] == [
        (made["owl"], "text2video"),
        (made["sea"], "image-expand"),
        (made["rain"], "text-to-audio"),
        (made["fox"], "text2video"),
    ]


def test_kling_list_pages_one_kind_by_page_num_and_by_its_old_name(
    five_served: tuple[RunningServer, dict[str, str]],
) -> None:
    server, made = five_served
    for flag in ("--page-num", "--page"):
        command = ["--json", "list", "text2video", flag, "2", "--page-size", "1"]
        result = CliRunner().invoke(cli, command, env=_env(server))
        assert result.exit_code == 0, result.output
        assert [(t["task_id"], t["kind"]) for t in json.loads(result.stdout)] == [
            (made["cat"], "text2video")
        ]
    mixed = CliRunner().invoke(cli, ["list", "--page-num", "2"], env=_env(server))
    assert mixed.exit_code == 2
    assert "--page-num shows one page of one KIND's list" in mixed.stderr


# ------------------------------------------------------------- one spelling of kinds (item 10)


def test_every_spelling_of_a_kind_is_accepted_and_one_is_shown(
    fake_kling: Kling, fake_gateway: FakeGateway
) -> None:
    task = fake_kling.text_to_audio.create(prompt="Rain", duration=5)
    for spelling in ("text-to-audio", "text_to_audio"):
        assert fake_kling.tasks.get(spelling, task.task_id).task_id == task.task_id
    with pytest.raises(ValueError, match="did you mean 'text-to-audio'"):
        fake_kling.tasks.get("Text-To-Audio", task.task_id)
    with pytest.raises(WaitTimeoutError, match=f"^text-to-audio task {task.task_id} not "):
        fake_kling.tasks.wait("text_to_audio", task.task_id, timeout=1)
    element = fake_kling.elements
    assert element.kind == "advanced_custom_element"  # the spec's name stays in the code


def test_the_cli_accepts_every_spelling_and_suggests_for_a_near_miss(
    served: tuple[RunningServer, LinkedClock],
) -> None:
    server, _ = served
    for spelling in ("elements", "advanced_custom_element", "advanced-custom-element"):
        result = CliRunner().invoke(cli, ["list", spelling], env=_env(server))
        assert result.exit_code == 0, result.output
    wrong = CliRunner().invoke(cli, ["status", "Text2Video", "123"], env=_env(server))
    assert wrong.exit_code == 2
    assert "unknown task kind 'Text2Video'; did you mean 'text2video'?" in wrong.stderr


def test_the_manifest_and_the_fakes_task_list_show_the_kind_as_typed_in_commands(
    served: tuple[RunningServer, LinkedClock], tmp_path: Path
) -> None:
    server, _ = served
    jobs = tmp_path / "jobs.jsonl"
    job = {"kind": "text_to_audio", "id": "rain", "prompt": "Rain", "duration": 5}
    jobs.write_text(json.dumps(job) + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["batch", "run", str(jobs), "--out", str(out)], env=_env(server)
    )
    assert result.exit_code == 0, result.output
    [line] = (out / "manifest.jsonl").read_text().splitlines()
    assert json.loads(line)["kind"] == "text-to-audio"
    control = httpx.get(
        server.base_url.removesuffix("/kling") + "/_fake/tasks",
        headers={"Authorization": f"Bearer {DEMO_KEY}"},
    )
    assert [t["kind"] for t in control.json()] == ["text-to-audio"]


def test_a_misspelt_kind_in_a_jobs_file_gets_did_you_mean(
    served: tuple[RunningServer, LinkedClock], tmp_path: Path
) -> None:
    server, _ = served
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(json.dumps({"kind": "Text2Video", "prompt": "A fox"}) + "\n")
    command = ["batch", "run", str(jobs), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, command, env=_env(server))
    assert result.exit_code == 2, result.output
    assert "kind: must be a task kind; got 'Text2Video'; did you mean 'text2video'?" in (
        result.output
    )
    assert server.gateway.tasks() == []


# ---------------------------------------------------------------- a CLI wait by push (item 10)


def test_a_wait_via_callbacks_ends_when_the_callback_arrives(
    served: tuple[RunningServer, LinkedClock],
) -> None:
    server, clock = served
    url = f"http://127.0.0.1:{_free_port()}/kling-callback"
    command = ["--json", "text2video", "--prompt", "A red fox", "--via-callbacks", url]
    env = _env(server, KLING_WEBHOOK_SECRET=FAKE_WEBHOOK_SECRET)
    result = CliRunner().invoke(cli, command, env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["task_status"] == "succeed"
    [task] = server.gateway.tasks()
    deliveries = server.gateway.callbacks.deliveries
    assert deliveries
    assert {d.status_code for d in deliveries} == {200}  # verified by the receiver
    # Polling alone would see the end up to 9.5 s late; the push ends the wait at once.
    assert server.gateway.clock.now() - task.timeline.finished < 1.0
    assert clock.sleeps


def test_a_wait_via_callbacks_on_a_busy_port_bills_nothing(
    served: tuple[RunningServer, LinkedClock],
) -> None:
    server, _ = served
    with socket.create_server(("127.0.0.1", 0)) as busy:
        url = f"http://127.0.0.1:{busy.getsockname()[1]}/"
        command = ["text2video", "--prompt", "A red fox", "--via-callbacks", url]
        result = CliRunner().invoke(cli, command, env=_env(server))
    assert result.exit_code == 3, result.output
    assert "--via-callbacks: cannot receive callbacks on 127.0.0.1:" in result.stderr
    assert server.gateway.tasks() == []
    bad = CliRunner().invoke(
        cli, ["text2video", "--prompt", "x", "--via-callbacks", "ftp://x"], env=_env(server)
    )
    assert bad.exit_code == 2
    assert "must be an http(s) URL with a host (got 'ftp://x')" in bad.stderr


def test_kling_wait_via_callbacks_resumes_a_task_created_with_that_url(
    served: tuple[RunningServer, LinkedClock],
) -> None:
    server, _ = served
    url = f"http://127.0.0.1:{_free_port()}/"
    create = ["text2video", "--prompt", "A red fox", "--callback-url", url]
    created = CliRunner().invoke(cli, ["--json", *create], env=_env(server))
    assert created.exit_code == 0, created.output
    task_id = json.loads(created.stdout)["task_id"]
    waited = CliRunner().invoke(
        cli, ["wait", "text2video", task_id, "--via-callbacks", url], env=_env(server)
    )
    assert waited.exit_code == 0, waited.output
    [task] = server.gateway.tasks()
    assert server.gateway.clock.now() - task.timeline.finished < 1.0
    assert {d.status_code for d in server.gateway.callbacks.deliveries} == {200}


class _Counting(httpx.AsyncBaseTransport):
    """The fake in-process, with the path of every request it was sent."""

    def __init__(self, gateway: FakeGateway) -> None:
        self.paths: list[str] = []
        self._inner = httpx.ASGITransport(app=gateway.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self._inner.handle_async_request(request)


async def test_tasks_list_reads_a_page_only_when_another_task_is_wanted() -> None:
    gateway = FakeGateway()
    wire = _Counting(gateway)
    kling = AsyncKling(
        api_key=gateway.key, base_url=gateway.base_url, clock=LinkedClock(gateway), transport=wire
    )
    made: list[tuple[str, dict[str, Any]]] = [
        ("text2video", {"prompt": "a"}),
        ("text2video", {"prompt": "b"}),
        ("text_to_audio", {"prompt": "c", "duration": 5}),
        ("text2video", {"prompt": "d"}),
    ]
    for kind, fields in made:
        await getattr(kling, kind).create(**fields)
        gateway.advance(10)
    wire.paths.clear()
    kinds = ["text2video", "text-to-audio"]
    listed = [t async for t in kling.tasks.list(kinds=kinds, limit=2, page_size=1)]
    assert [t.kind for t in listed] == ["text2video", "text-to-audio"]
    # A first page of each kind, then text2video's second once its first task was taken; the
    # limit is reached before text-to-audio's second page is needed.
    assert wire.paths == [
        "/kling/v1/videos/text2video",
        "/kling/v1/audio/text-to-audio",
        "/kling/v1/videos/text2video",
    ]


def test_debug_records_number_the_sends_of_a_create(
    fake_kling: Kling, fake_gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    fake_gateway.faults.add(
        parse_fault("status:status=429,code=1302,count=1,match=createText2Video")
    )
    caplog.set_level(logging.DEBUG, logger="haoee_kling")
    fake_kling.text2video.create(prompt="A red fox")
    sends = [r.getMessage() for r in caplog.records if r.getMessage().startswith("POST ")]
    assert [m.rsplit("(", 1)[1] for m in sends] == [
        "createText2Video, attempt 1)",
        "createText2Video, attempt 2)",
    ]
    assert " -> HTTP 429, " in sends[0]
    assert " -> HTTP 200, " in sends[1]


# ------------------------------------------------------------------ nothing sent (item 10)


def test_an_invalid_create_names_no_task_and_no_external_id(
    fake_kling: Kling, fake_gateway: FakeGateway
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        fake_kling.text_to_audio.create(prompt="Rain", duration=99)  # at most 10
    assert caught.value.external_task_id is None
    assert caught.value.task_id is None
    assert "external_task_id" not in str(caught.value)
    assert fake_gateway.tasks() == []


def test_a_create_that_never_arrived_names_no_made_up_external_id() -> None:
    dead = f"http://127.0.0.1:{_free_port()}/kling"
    with Kling(DEMO_KEY, base_url=dead, max_retries=0) as kling:
        with pytest.raises(APIConnectionError) as made_up:
            kling.text2video.create(prompt="A red fox")
        with pytest.raises(APIConnectionError) as named:
            kling.text2video.create(prompt="A red fox", external_task_id="order-1")
    assert made_up.value.maybe_sent is False
    assert made_up.value.external_task_id is None
    assert "external_task_id" not in str(made_up.value)
    assert named.value.external_task_id == "order-1"  # the caller's own id is theirs to see
    result = CliRunner().invoke(
        cli,
        ["--max-retries", "0", "text2video", "--prompt", "A red fox"],
        env={"HAOEE_BASE_URL": dead, "HAOEE_API_KEY": DEMO_KEY},
    )
    assert result.exit_code == 3, result.output
    assert "external_task_id" not in result.output


def test_a_refused_create_names_no_made_up_external_id_but_a_maybe_created_one_does(
    fake_kling: Kling, fake_gateway: FakeGateway
) -> None:
    fake_gateway.faults.add(parse_fault("status:status=400,code=1201,match=createText2Video"))
    with pytest.raises(APIError) as refused:
        fake_kling.text2video.create(prompt="A red fox")
    assert refused.value.external_task_id is None
    fake_gateway.faults.add(
        parse_fault("status:status=500,code=5000,count=3,match=createText2Video"),
        parse_fault("status:status=500,code=5000,count=9,match=listText2Video"),
    )
    with pytest.raises(ServerError) as unsure:
        fake_kling.with_options(max_retries=0).text2video.create(prompt="A red fox")
    assert unsure.value.external_task_id is not None  # the task may exist: look it up by this

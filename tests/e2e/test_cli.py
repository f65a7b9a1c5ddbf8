"""The `kling` command line against the fake gateway, in-process, on the gateway's fake clock.

Every subcommand runs at least once; --json output is checked against the spec; every kind of
failure has its own exit code and a readable message; bad input never reaches the gateway.
"""

from __future__ import annotations

import datetime
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from haoee_kling import Kling
from haoee_kling.check._validation import _validator
from haoee_kling.cli import State, cli
from haoee_kling.cli._commands import KINDS
from haoee_kling.cli._render import ExitCode, Output
from haoee_kling.testing import FakeGateway, request_examples, sample_image_path
from tests.e2e.conftest import LinkedClock
from tests.e2e.fake_support import assert_media
from tests.e2e.printed import replay

CANARY_KEY = "canary-KEY-7f3e9a1c5b2d4e6f8a0b"


class CountingTransport(httpx.BaseTransport):
    """Passes requests to the in-process gateway and counts them."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)


@pytest.fixture
def gateway(variety: int | None) -> FakeGateway:
    """A fresh fake gateway that also accepts the canary key."""
    return FakeGateway(keys=("fake-demo-key", CANARY_KEY), variety=variety)


@pytest.fixture
def wire(gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingTransport]:
    """Point every CLI invocation at the gateway; yield the transport that counts requests."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        test_client = gateway.test_client()
    transport = CountingTransport(test_client._transport)

    def client(state: State) -> Kling:
        if state._client is None:
            state._client = Kling(
                api_key=state.api_key,
                base_url=state.base_url or gateway.base_url,
                clock=LinkedClock(gateway),
                transport=transport,
            )
            state.output.base_url = state._client.config.base_url
        return state._client  # type: ignore[no-any-return]

    monkeypatch.setattr(State, "client", client)
    monkeypatch.setitem(_FAKES, "tasks", gateway.tasks)
    monkeypatch.setenv("HAOEE_API_KEY", gateway.key)
    monkeypatch.delenv("HAOEE_BASE_URL", raising=False)
    yield transport
    test_client.close()


_FAKES: dict[str, Any] = {}  # the running test's fake (set by `wire`, undone after the test)


def kling(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the command line in-process, then every command it printed (each must run as
    printed: `tests/e2e/printed.py`)."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    if "tasks" in _FAKES:
        replay(result, _FAKES["tasks"], env)
    return result


def assert_valid(schema: str, value: Any) -> None:
    """A JSON value printed by --json matches a schema of the spec."""
    errors = list(_validator(f"#/components/schemas/{schema}").iter_errors(value))
    assert not errors, [e.message for e in errors]


def test_help_lists_one_command_per_task_kind() -> None:
    result = kling("--help")
    assert result.exit_code == 0
    for name in [*KINDS, "identify-face", "status", "wait", "list", "download", "fake-server"]:
        assert name in result.output
    for name in ("tts", "image-recognize", "account", "delete"):  # the calls answered at once
        assert name in result.output


def test_create_options_come_from_the_spec() -> None:
    result = kling("text2video", "--help")
    assert result.exit_code == 0
    # Help text, choices and defaults are the spec's, not re-typed.
    assert "at most 2500 characters" in result.output
    assert "[std|pro|4k]" in result.output
    assert "Known: kling-v1" in result.output


def test_create_without_wait_prints_the_task_id_at_once(
    wire: CountingTransport, gateway: FakeGateway
) -> None:
    result = kling("--json", "text2video", "--prompt", "A fox in the snow")
    assert result.exit_code == 0, result.output
    task = json.loads(result.stdout)
    assert_valid("Task", task)
    assert task["task_status"] == "submitted"
    assert gateway.task(task["task_id"])
    assert [r.method for r in wire.requests] == ["POST"]


def test_wait_and_out_download_valid_files(
    wire: CountingTransport, gateway: FakeGateway, tmp_path: Path
) -> None:
    result = kling("--json", "text2video", "--prompt", "A fox", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert_valid("Task", document["task"])
    assert document["task"]["task_status"] == "succeed"
    [path] = [Path(p) for p in document["files"]]
    assert path.parent == tmp_path
    assert_media(path.read_bytes(), "mp4")


def test_image2video_accepts_a_local_image(wire: CountingTransport, tmp_path: Path) -> None:
    result = kling(
        "image2video", "--image", str(sample_image_path()), "--wait", "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    sent = json.loads(wire.requests[0].content)
    assert not sent["image"].startswith(("data:", "/"))  # raw base64, not a path or data URL
    assert "saved" in result.stdout


def test_omni_image_series_waits_and_saves_pngs(
    wire: CountingTransport, gateway: FakeGateway, tmp_path: Path
) -> None:
    """An official-only kind from the spec: `series_amount` takes a number or `auto`."""
    result = kling(
        "--json", "omni-image", "--prompt", "Four seasons of one village",
        "--model-name", "kling-v3-omni", "--result-type", "series",
        "--series-amount", "4", "--resolution", "4k", "--out", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["task"]["task_status"] == "succeed"
    sent = json.loads(wire.requests[0].content)
    assert sent["series_amount"] == 4
    assert wire.requests[0].url.path.endswith("/v1/images/omni-image")
    assert [Path(name).name for name in document["files"]] == [
        f"{document['task']['task_id']}-series-{i}.png" for i in range(4)
    ]
    assert len(document["task"]["task_result"]["series_images"]) == 4
    for name in document["files"]:
        assert_media(Path(name).read_bytes(), "png")
    refused = kling("omni-image", "--prompt", "A cat", "--resolution", "4k")
    assert refused.exit_code != 0
    assert "kling-image-o1 takes --resolution 1k or 2k" in refused.output


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_creates_from_the_spec_example(
    name: str, wire: CountingTransport, gateway: FakeGateway
) -> None:
    """Each create command accepts its spec example expressed as options."""
    operation_id = {op.kind: op.operation_id for op in _create_ops()}[KINDS[name][1]]
    body = next(iter(request_examples(operation_id).values()))
    args = _as_options(body)
    result = kling("--json", name, *args)
    if result.exit_code == ExitCode.API_ERROR:
        # Examples naming ids of earlier tasks (video_id, session_id) are unknown to a fresh
        # gateway: the answer must then be the API's own not-found error, not a crash.
        assert json.loads(result.stdout)["error"] == "NotFoundError", result.output
        return
    assert result.exit_code == 0, result.output
    assert_valid("Task", json.loads(result.stdout))


def _create_ops() -> list[Any]:
    from haoee_kling._spec import operations

    return [op for op in operations().values() if op.kind and op.method == "POST"]


def _as_options(body: dict[str, Any], prefix: str = "") -> list[str]:
    args: list[str] = []
    for key, value in body.items():
        if key == "input" and isinstance(value, dict):
            args += _as_options(value)
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            args.append(flag if value else f"--no-{flag[2:]}")
        elif isinstance(value, dict) and list(value) == ["enabled"]:
            args.append(flag if value["enabled"] else f"--no-{flag[2:]}")
        elif isinstance(value, list) and all(not isinstance(v, dict) for v in value):
            for item in value:
                args += [flag, str(item)]
        elif isinstance(value, list):
            for item in value:
                # One-field items are typed as plain values, the way a person would.
                plain = len(item) == 1 and not isinstance(next(iter(item.values())), (dict, list))
                args += [flag, str(next(iter(item.values()))) if plain else json.dumps(item)]
        elif isinstance(value, dict):
            args += [flag, json.dumps(value)]
        else:
            args += [flag, str(value)]
    return args


def test_status_list_wait_and_download(
    wire: CountingTransport, gateway: FakeGateway, tmp_path: Path
) -> None:
    task_id = json.loads(
        kling("--json", "text-to-audio", "--prompt", "rain", "--duration", "5").stdout
    )["task_id"]

    status = kling("--json", "status", "text-to-audio", task_id)
    assert status.exit_code == 0
    assert json.loads(status.stdout)["task_status"] in ("submitted", "processing")

    listed = kling("--json", "list", "text_to_audio", "--page-size", "5")
    assert listed.exit_code == 0
    page = json.loads(listed.stdout)
    assert [t["task_id"] for t in page] == [task_id]
    for task in page:
        assert_valid("Task", task)

    waited = kling("--json", "wait", "text-to-audio", task_id)
    assert waited.exit_code == 0, waited.output
    assert json.loads(waited.stdout)["task_status"] == "succeed"

    downloaded = kling("--json", "download", "text-to-audio", task_id, "--out", str(tmp_path))
    assert downloaded.exit_code == 0, downloaded.output
    files = sorted(Path(p).suffix for p in json.loads(downloaded.stdout)["files"])
    assert files == [".mp3", ".wav"]


def test_identify_face(wire: CountingTransport, gateway: FakeGateway) -> None:
    created = json.loads(kling("--json", "text2video", "--prompt", "A face").stdout)
    gateway.finish(created["task_id"])
    done = json.loads(kling("--json", "status", "text2video", created["task_id"]).stdout)
    video_id = done["task_result"]["videos"][0]["id"]
    result = kling("--json", "identify-face", "--video-id", video_id)
    assert result.exit_code == 0, result.output
    assert_valid("IdentifyFaceResult", json.loads(result.stdout))


def test_tts_prints_the_speech_and_saves_it_as_a_real_mp3(
    wire: CountingTransport, tmp_path: Path
) -> None:
    args = ["tts", "--text", "Hello", "--voice-id", "v1", "--voice-language", "en"]
    result = kling("--json", *args, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert_valid("TtsResult", {k: v for k, v in document["result"].items() if k != "cost"})
    [path] = document["files"]
    assert_media(Path(path).read_bytes(), "mp3")
    assert len(wire.requests) == 2  # the speech, then its file: nothing is polled
    plain = kling(*args)
    assert plain.exit_code == 0, plain.output
    assert "status succeed" in plain.output
    assert "audio http" in plain.output
    (tmp_path / "afile").write_text("")
    before = len(wire.requests)
    refused = kling(*args, "--out", str(tmp_path / "afile" / "speech"))
    assert refused.exit_code == ExitCode.BAD_INPUT  # before the (billed) speech is asked for
    assert len(wire.requests) == before


def test_tts_problems_name_its_options_and_nothing_is_sent(wire: CountingTransport) -> None:
    result = kling(
        "--json", "tts", "--text", "Hi", "--voice-id", "v", "--voice-language", "en",
        "--voice-speed", "1.25",
    )  # fmt: skip
    assert result.exit_code == ExitCode.BAD_INPUT
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["option"] == "--voice-speed"
    assert wire.requests == []


def test_delete_custom_voice_deletes_the_voice_a_task_made(
    wire: CountingTransport, gateway: FakeGateway
) -> None:
    body = ["--voice-name", "Anna", "--voice-url", "https://cdn.example.org/anna.mp3"]
    created = json.loads(kling("--json", "custom-voice", *body).stdout)
    gateway.finish(created["task_id"])
    done = json.loads(kling("--json", "status", "custom-voice", created["task_id"]).stdout)
    voice_id = done["task_result"]["voices"][0]["voice_id"]
    sent = len(wire.requests)
    result = kling("--json", "delete", "custom-voice", voice_id)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["voice_id"] == voice_id
    assert_valid("CustomVoiceDeleteResult", document["deleted"])
    assert document["deleted"]["task_status"] == "succeed"
    assert len(wire.requests) == sent + 1  # one POST, nothing polled
    request = wire.requests[-1]
    assert (request.method, request.url.path) == ("POST", "/kling/v1/general/delete-voices")
    # Gone now: a second delete is the fake's 404 1203, an API error (exit 6), in one line.
    again = kling("delete", "custom_voice", voice_id)
    assert again.exit_code == ExitCode.API_ERROR, again.output
    assert f"voice not found: {voice_id}" in again.output


def test_delete_prints_one_line_and_refuses_kinds_without_a_delete(
    wire: CountingTransport, gateway: FakeGateway
) -> None:
    body = ["--voice-name", "Mia", "--voice-url", "https://cdn.example.org/mia.mp3"]
    created = json.loads(kling("--json", "custom-voice", *body).stdout)
    gateway.finish(created["task_id"])
    done = json.loads(kling("--json", "status", "custom-voice", created["task_id"]).stdout)
    voice_id = done["task_result"]["voices"][0]["voice_id"]
    plain = kling("delete", "custom-voice", voice_id)
    assert plain.exit_code == 0, plain.output
    assert plain.output.startswith(f"deleted voice {voice_id} (task ")
    sent = len(wire.requests)
    other = kling("delete", "text2video", "123")
    assert other.exit_code == ExitCode.BAD_INPUT
    assert "text2video has no delete; only custom-voice does" in other.output
    empty = kling("--json", "delete", "custom-voice", "")
    assert empty.exit_code == ExitCode.BAD_INPUT
    [problem] = json.loads(empty.stdout)["problems"]
    assert problem["option"] == "VOICE_ID"
    assert len(wire.requests) == sent  # neither was sent


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (
            {"task_id": "9", "task_status": "submitted"},
            "delete of voice v-1 accepted (task 9, status submitted)",
        ),
        ({}, "delete of voice v-1 accepted (task without an id, status not sent)"),
    ],
)
def test_a_delete_not_done_at_once_says_it_was_accepted_and_with_what_status(
    data: dict[str, Any], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake deletes at once; a gateway may answer that it has only taken the delete on.
    answer = {"code": 0, "message": "SUCCEED", "request_id": "r", "data": data}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))

    def client(state: State) -> Kling:
        if state._client is None:
            state._client = Kling(api_key=state.api_key, transport=transport)
            state.output.base_url = state._client.config.base_url
        return state._client  # type: ignore[no-any-return]

    monkeypatch.setattr(State, "client", client)
    monkeypatch.setenv("HAOEE_API_KEY", CANARY_KEY)
    result = kling("delete", "custom-voice", "v-1")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == says


def test_image_recognize_saves_one_png_per_type(wire: CountingTransport, tmp_path: Path) -> None:
    image = str(sample_image_path())
    result = kling("--json", "image-recognize", "--image", image, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert_valid("ImageRecognizeResult", document["result"])
    assert len(document["files"]) == 4
    for path in document["files"]:
        assert_media(Path(path).read_bytes(), "png")


def test_account_costs_lists_the_packs(wire: CountingTransport) -> None:
    # The fake's clock starts on 2025-11-25; its packs run from 30 days before for a year.
    period = ["--start-time", "2025-11-01", "--end-time", "2025-11-30T12:00"]
    result = kling("--json", "account", "costs", *period)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert_valid("AccountCosts", document)
    assert len(document["resource_pack_subscribe_infos"]) == 2
    query = dict(wire.requests[-1].url.params)
    start = datetime.datetime.fromisoformat("2025-11-01").timestamp() * 1000
    assert query["start_time"] == str(round(start))
    table = kling("account", "costs", *period)
    assert table.exit_code == 0, table.output
    assert "LEFT / TOTAL" in table.output
    assert "online" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start-time", "2025-12-01", "--end-time", "2025-11-01"], "--end-time must not be"),
        (["--start-time", "last week"], "neither Unix milliseconds nor an ISO date"),
    ],
)
def test_account_costs_refuses_a_bad_period_before_sending(
    wire: CountingTransport, args: list[str], message: str
) -> None:
    result = kling("account", "costs", *args)
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert message in result.output
    assert wire.requests == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["text2video", "--prompt", "x" * 2501], "prompt"),
        (["image2video", "--image", "/no/such/file.png"], "image"),
        (["text-to-audio", "--prompt", "rain", "--duration", "11"], "duration"),
    ],
)
def test_bad_input_is_rejected_before_any_request(
    args: list[str], field: str, wire: CountingTransport
) -> None:
    result = kling(*args)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert field in result.stderr
    assert "Traceback" not in result.output
    assert wire.requests == []


def test_a_gif_where_jpg_or_png_is_required(wire: CountingTransport, tmp_path: Path) -> None:
    gif = tmp_path / "cat.gif"
    gif.write_bytes(b"GIF89a" + bytes(64))
    result = kling("image2video", "--image", str(gif))
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "image" in result.stderr
    assert wire.requests == []


def test_json_errors_are_one_document(wire: CountingTransport) -> None:
    result = kling("--json", "text2video", "--prompt", "x" * 2501)
    assert result.exit_code == ExitCode.BAD_INPUT
    document = json.loads(result.stdout)
    assert document["exit_code"] == ExitCode.BAD_INPUT
    assert "prompt" in document["message"]


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAOEE_API_KEY", raising=False)
    result = kling("text2video", "--prompt", "A fox")
    assert result.exit_code == ExitCode.AUTH
    assert "HAOEE_API_KEY" in result.stderr


def test_wrong_key_is_an_auth_error_and_never_echoed(wire: CountingTransport) -> None:
    result = kling("--debug", "--api-key", "wrong-" + CANARY_KEY, "text2video", "--prompt", "A fox")
    assert result.exit_code == ExitCode.AUTH
    assert CANARY_KEY not in result.output


def test_the_key_never_appears_in_any_output(wire: CountingTransport, tmp_path: Path) -> None:
    result = kling(
        "--debug",
        "--api-key",
        CANARY_KEY,
        "text2video",
        "--prompt",
        "A fox",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert CANARY_KEY not in result.output


def test_failed_task_exit_code(wire: CountingTransport) -> None:
    result = kling("text2video", "--prompt", "A fox [fake:fail]", "--wait")
    assert result.exit_code == ExitCode.TASK_FAILED
    assert "content" in result.stderr.lower()


def test_download_of_a_failed_task_exits_4_with_the_reason(
    wire: CountingTransport, gateway: FakeGateway, tmp_path: Path
) -> None:
    created = json.loads(kling("--json", "text2video", "--prompt", "A fox [fake:fail]").stdout)
    assert gateway.finish(created["task_id"]) == "failed"
    result = kling("download", "text2video", created["task_id"], "--out", str(tmp_path / "o"))
    assert result.exit_code == ExitCode.TASK_FAILED, result.output
    assert "failed, so it has no files" in result.stderr
    assert not (tmp_path / "o").exists()


def test_download_of_an_unfinished_task_exits_5_and_says_wait_first(
    wire: CountingTransport, tmp_path: Path
) -> None:
    created = json.loads(kling("--json", "text2video", "--prompt", "A fox").stdout)
    out = tmp_path / "o"
    result = kling("download", "text2video", created["task_id"], "--out", str(out))
    assert result.exit_code == ExitCode.TIMEOUT, result.output
    assert "wait for it first" in result.stderr
    assert f"resume with: kling wait text2video {created['task_id']} --out {out}" in result.stderr


def test_timeout_prints_how_to_resume(wire: CountingTransport) -> None:
    result = kling("text2video", "--prompt", "A fox", "--wait", "--timeout", "3")
    assert result.exit_code == ExitCode.TIMEOUT
    assert "resume with: kling wait text2video " in result.stderr


@contextmanager
def pressed_ctrl_c(self: Output, title: str) -> Iterator[Any]:
    """`Output.live_status` as if Ctrl-C were pressed at the wait's first progress event."""

    def on_progress(event: Any) -> None:
        raise KeyboardInterrupt

    yield on_progress


def test_ctrl_c_during_wait_prints_the_resume_command(wire: CountingTransport) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Output, "live_status", pressed_ctrl_c)
        result = kling("text2video", "--prompt", "A fox", "--out", "somewhere")
    assert result.exit_code == ExitCode.INTERRUPTED
    created, stopped, resume = result.stderr.splitlines()
    assert created.startswith("created task ")
    # One message, in one wording: what stopped, that the task lives on, how to carry on.
    assert (
        stopped
        == f"stopped waiting (Ctrl-C); task {created.split()[-1]} keeps running on the server"
    )
    task_id = created.split()[-1]
    # The wait's deadline (the model's) goes with it: the resumed wait ends when this one would.
    assert resume == f"resume with: kling wait text2video {task_id} --out somewhere --timeout 900"


def test_fake_server_help() -> None:
    result = kling("fake-server", "--help")
    assert result.exit_code == 0
    assert "--speed" in result.output


def test_fake_server_serves_on_loopback_until_stopped() -> None:
    """`kling fake-server --port 0` prints its URL and key and answers requests there."""
    import signal
    import subprocess
    import sys

    with subprocess.Popen(
        [sys.executable, "-m", "haoee_kling.cli", "fake-server", "--port", "0", "--speed", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        key = proc.stdout.readline().split()[-1]
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/kling")
        headers = {"Authorization": f"Bearer {key}", "ModelName": "kling-video-v2-6"}
        answer = httpx.get(f"{url}/v1/videos/text2video", headers=headers)
        assert answer.status_code == 200
        assert answer.json()["code"] == 0
        proc.send_signal(signal.SIGINT)  # Ctrl-C stops it cleanly
        assert proc.wait(timeout=10) == 0


def error_lines(result: Result) -> list[str]:
    """The lines a failed command wrote for people (stderr)."""
    return result.stderr.splitlines()


# ---------------------------------------------------------------- global options anywhere


def test_global_options_work_after_the_command_too(wire: CountingTransport) -> None:
    result = kling("text2video", "--json", "--prompt", "A fox", "--api-key", CANARY_KEY)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["task_status"] == "submitted"
    assert wire.requests[0].headers["Authorization"] == f"Bearer {CANARY_KEY}"
    assert CANARY_KEY not in result.output


def test_an_option_value_that_looks_like_a_global_option_stays_a_value(
    wire: CountingTransport,
) -> None:
    result = kling("--json", "text2video", "--prompt", "--debug")
    assert result.exit_code == 0, result.output
    assert json.loads(wire.requests[0].content)["prompt"] == "--debug"


def test_version() -> None:
    import haoee_kling

    result = kling("--version")
    assert result.exit_code == 0
    assert haoee_kling.__version__ in result.stdout


# ---------------------------------------------------------------- input checked before sending


def test_list_limits_come_from_the_spec_and_are_checked_before_sending(
    wire: CountingTransport,
) -> None:
    result = kling("list", "text2video", "--page-size", "600")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert error_lines(result) == [
        "error: --page-size: must be at most 500 (got 600)",
        "Nothing was sent; fix the option(s) named above.",
    ]
    assert wire.requests == []
    help_text = kling("list", "--help").output
    assert "(1-500)" in help_text
    assert "(1-1000)" in help_text


def test_a_task_id_is_checked_against_the_spec_before_sending(wire: CountingTransport) -> None:
    result = kling("status", "text2video", "../../v1/account")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert error_lines(result)[0].startswith("error: TASK_ID: must match the pattern")
    assert wire.requests == []


def test_problems_name_the_options_typed_not_the_spec_fields(wire: CountingTransport) -> None:
    result = kling("image-expand", "--image", str(sample_image_path()), "--up-expansion-ratio", "3")
    assert result.exit_code == ExitCode.BAD_INPUT
    [message, hint] = error_lines(result)
    assert message.startswith("error: 4 problems: ")
    assert "--down-expansion-ratio: is required" in message
    assert "--up-expansion-ratio: must be at most 2 (got 3.0)" in message
    assert "down_expansion_ratio" not in message
    assert hint == "Nothing was sent; fix the option(s) named above."
    assert wire.requests == []


def test_rule_messages_name_options_too(wire: CountingTransport) -> None:
    result = kling("--json", "text2video", "--multi-shot")
    assert result.exit_code == ExitCode.BAD_INPUT
    messages = [p["message"] for p in json.loads(result.stdout)["problems"]]
    assert "--shot-type is required when --multi-shot is true" in messages


def test_json_errors_carry_a_problems_list(wire: CountingTransport) -> None:
    result = kling("--json", "list", "text2video", "--page-num", "0", "--page-size", "600")
    assert result.exit_code == ExitCode.BAD_INPUT
    document = json.loads(result.stdout)
    assert result.stderr == ""
    assert document["problems"] == [
        {
            "field": "pageNum",
            "option": "--page-num",
            "rule": "minimum",
            "message": "--page-num: must be at least 1 (got 0)",
        },
        {
            "field": "pageSize",
            "option": "--page-size",
            "rule": "maximum",
            "message": "--page-size: must be at most 500 (got 600)",
        },
    ]


def test_json_usage_errors_are_one_document_with_problems() -> None:
    result = kling("text2video", "--mode", "ultra", "--json")
    assert result.exit_code == ExitCode.BAD_INPUT
    document = json.loads(result.stdout)
    assert document["exit_code"] == ExitCode.BAD_INPUT
    [problem] = document["problems"]
    assert (problem["field"], problem["option"], problem["rule"]) == ("mode", "--mode", "invalid")
    assert "'ultra' is not one of 'std', 'pro', '4k'" in problem["message"]


def test_help_marks_the_required_options() -> None:
    lines = " ".join(kling("image-expand", "--help").output.split())
    for option in ("--image", "--up-expansion-ratio", "--down-expansion-ratio"):
        after = lines.split(f"{option} ", 1)[1].split(" --", 1)[0]
        assert after.endswith("[required]"), option
    assert not lines.split("--prompt ", 1)[1].split(" --", 1)[0].endswith("[required]")


# ---------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["txt2video", "--prompt", "x"], "error: no such command 'txt2video'; did you mean"),
        (["status", "txt2video", "1"], "unknown task kind 'txt2video'; did you mean"),
        (["list", "text-too-audio"], "unknown task kind 'text-too-audio'; did you mean"),
    ],
)
def test_a_misspelt_command_or_kind_gets_did_you_mean_in_two_lines(
    args: list[str], expected: str
) -> None:
    result = kling(*args)
    assert result.exit_code == ExitCode.BAD_INPUT
    message, hint = error_lines(result)
    assert expected in message
    assert "'text2video'" in message or "'text-to-audio'" in message
    assert hint.startswith("Try 'kling")


def test_kinds_and_commands_may_be_written_with_underscores(wire: CountingTransport) -> None:
    result = kling("--json", "text_to_audio", "--prompt", "rain", "--duration", "5")
    assert result.exit_code == 0, result.output
    listed = kling("--json", "list", "text_to_audio")
    assert [t["task_id"] for t in json.loads(listed.stdout)] == [
        json.loads(result.stdout)["task_id"]
    ]


# ---------------------------------------------------------------- kling list


def test_list_shows_full_ids_and_local_times_and_json_stays_raw(
    wire: CountingTransport, gateway: FakeGateway
) -> None:
    from haoee_kling.cli._render import human_time

    external = "order-2025-06-01-customer-4711-attempt-1-" + "x" * 40
    kling("text2video", "--prompt", "A fox", "--external-task-id", external)
    table = kling("list", "text2video")
    assert table.exit_code == 0, table.output
    header, row = table.stdout.splitlines()
    assert header.split() == ["TASK", "ID", "KIND", "STATUS", "CREATED", "EXTERNAL", "ID"]
    [task] = gateway.tasks()
    created = json.loads(kling("--json", "list", "text2video").stdout)[0]["created_at"]
    assert isinstance(created, int)  # --json shows the API's own epoch milliseconds
    assert human_time(created) in row
    assert row.split() == [
        task.task_id,
        "text2video",
        "submitted",
        *human_time(created).split(),
        external,
    ]


def test_human_time_reads_epoch_milliseconds() -> None:
    import datetime

    from haoee_kling.cli._render import human_time

    moment = datetime.datetime(2025, 6, 1, 12, 30, 5).astimezone()
    assert human_time(moment.timestamp() * 1000) == "2025-06-01 12:30:05"
    assert human_time(None) == human_time("soon") == human_time(True) == ""


# ---------------------------------------------------------------- --external-id


def test_status_wait_and_download_find_a_task_by_external_id(
    wire: CountingTransport, gateway: FakeGateway, tmp_path: Path
) -> None:
    for n in range(3):
        kling("text2video", "--prompt", f"fox {n}", "--external-task-id", f"fox-{n}")
    wanted = next(t for t in gateway.tasks() if t.external_task_id == "fox-1")

    status = kling("--json", "status", "text2video", "--external-id", "fox-1")
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["task_id"] == wanted.task_id

    waited = kling("--json", "wait", "text2video", "--external-id", "fox-1")
    assert waited.exit_code == 0, waited.output
    assert json.loads(waited.stdout)["task_status"] == "succeed"

    out = tmp_path / "videos"
    downloaded = kling("download", "text2video", "--external-id", "fox-1", "--out", str(out))
    assert downloaded.exit_code == 0, downloaded.output
    [video] = out.iterdir()
    assert video.name.startswith(wanted.task_id)


def test_an_unknown_external_id_says_so_clearly(wire: CountingTransport) -> None:
    kling("text2video", "--prompt", "A fox", "--external-task-id", "fox-1")
    result = kling("status", "text2video", "--external-id", "fox-2")
    assert result.exit_code == ExitCode.API_ERROR
    assert error_lines(result) == [
        "error: no text2video task has external id 'fox-2' (looked through 1 tasks); "
        "check the kind and the id"
    ]


@pytest.mark.parametrize("args", [[], ["123", "--external-id", "fox-1"]])
def test_status_needs_exactly_one_of_task_id_and_external_id(
    args: list[str], wire: CountingTransport
) -> None:
    result = kling("status", "text2video", *args)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert error_lines(result) == [
        "error: give either TASK_ID or --external-id ID",
        "Try 'kling status --help'.",
    ]
    assert wire.requests == []


def test_an_ambiguous_create_prints_how_to_look_the_task_up(
    wire: CountingTransport, gateway: FakeGateway
) -> None:
    from haoee_kling.testing import http_error

    gateway.faults.add(http_error(503, count=0))
    result = kling("text2video", "--prompt", "A fox", "--external-task-id", "fox-9")
    assert result.exit_code == ExitCode.API_ERROR
    message, lookup = error_lines(result)
    assert message.startswith("error: ")
    assert lookup == "look it up with: kling status text2video --external-id fox-9"


# ---------------------------------------------------------------- configuration and network


def test_a_base_url_without_scheme_fails_before_sending_and_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HAOEE_API_KEY", CANARY_KEY)
    result = kling(
        "text2video", "--prompt", "A fox", env={"HAOEE_BASE_URL": "maas.haoee.com/kling"}
    )
    assert result.exit_code == ExitCode.AUTH
    message, hint = error_lines(result)
    assert "no scheme: use 'https://maas.haoee.com/kling'" in message
    assert "HAOEE_BASE_URL" in message
    assert "--base-url" in hint


def test_the_missing_key_message_is_not_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAOEE_API_KEY", raising=False)
    result = kling("text2video", "--prompt", "A fox")
    assert result.exit_code == ExitCode.AUTH
    assert (
        error_lines(result)[0] == "error: no haoee API key: pass api_key=... or set HAOEE_API_KEY"
    )


def test_connection_refused_exits_3_and_names_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from haoee_kling import SystemClock

    with socket.socket() as closed:  # a loopback port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setattr(SystemClock, "sleep", lambda self, seconds: None)  # no real backoff
    url = f"http://127.0.0.1:{port}/kling"
    monkeypatch.setenv("HAOEE_API_KEY", CANARY_KEY)
    result = kling("list", "text2video", "--base-url", url)
    assert result.exit_code == ExitCode.AUTH
    message, hint = error_lines(result)
    assert message.startswith(f"error: cannot reach {url}: ")
    assert hint == "Check the network, HAOEE_BASE_URL or --base-url."


def test_an_unknown_host_exits_3_and_names_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown_host(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    def client(state: State) -> Kling:
        built = Kling(
            "some-key-123456",
            base_url="https://no-such-host.example/kling",
            transport=httpx.MockTransport(unknown_host),
            max_retries=0,
        )
        state._client = built
        state.output.base_url = built.config.base_url
        return built

    monkeypatch.setattr(State, "client", client)
    result = kling("--json", "status", "text2video", "1")
    assert result.exit_code == ExitCode.AUTH
    document = json.loads(result.stdout)
    assert document["message"].startswith("cannot reach https://no-such-host.example/kling: ")
    assert "Name or service not known" in document["message"]


def test_a_404_route_suggests_the_missing_kling_prefix(
    wire: CountingTransport, gateway: FakeGateway
) -> None:
    origin = gateway.base_url.removesuffix("/kling")
    result = kling("--base-url", origin, "list", "text2video")
    assert result.exit_code == ExitCode.AUTH  # configuration: the base URL, as the README says
    message, hint = error_lines(result)
    assert "no such route" in message
    assert hint == (
        f"haoee serves Kling under /kling, which {origin} lacks: try HAOEE_BASE_URL={origin}/kling"
    )


def test_a_wrong_key_on_a_local_fake_says_which_key_it_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from haoee_kling.testing import serve_in_thread

    server = serve_in_thread(FakeGateway())
    try:
        env = {"HAOEE_BASE_URL": server.base_url, "HAOEE_API_KEY": "not-the-demo-key"}
        result = kling("list", "text2video", env=env)
    finally:
        server.stop()
    assert result.exit_code == ExitCode.AUTH
    assert error_lines(result)[1] == (
        "Check the key: a fake gateway accepts the key it printed at start."
    )


def test_ctrl_c_before_a_create_answered_is_one_message_with_the_lookup(
    wire: CountingTransport,
) -> None:
    class Interrupting(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise KeyboardInterrupt

    wire.inner = Interrupting()
    result = kling("text2video", "--prompt", "A fox", "--external-task-id", "fox-7")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert error_lines(result) == [
        "interrupted (Ctrl-C)",
        "if it was sent, see: kling status text2video --external-id fox-7",
    ]


def test_identify_face_problems_name_its_options(wire: CountingTransport) -> None:
    result = kling("--json", "identify-face")
    assert result.exit_code == ExitCode.BAD_INPUT
    problems = json.loads(result.stdout)["problems"]
    assert problems
    assert all("video_id" not in p["message"] for p in problems)
    assert any("--video-id" in p["message"] for p in problems)


# ---------------------------------------------------------------- usage errors and interruptions


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (
            ["text2video", "--colour", "red"],
            {"field": "colour", "option": "--colour", "rule": "unknown-option"},
        ),
        (
            ["download", "text2video", "1"],
            {"field": "out", "option": "--out", "rule": "required"},
        ),
        (["status"], {"field": "kind", "option": "KIND", "rule": "required"}),
        (
            ["list", "text2video", "--page", "two"],  # the old name of --page-num
            {"field": "page_num", "option": "--page-num"},
        ),
    ],
)
def test_every_usage_error_is_a_json_problem_with_the_option_typed(
    args: list[str], problem: dict[str, str]
) -> None:
    result = kling("--json", *args)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr == ""
    [found] = json.loads(result.stdout)["problems"]
    assert problem.items() <= found.items()
    assert found["message"]


def test_usage_errors_for_people_are_two_lines() -> None:
    result = kling("text2video", "--colour", "red")
    assert result.exit_code == ExitCode.BAD_INPUT
    message, hint = error_lines(result)
    assert message.startswith("error: No such option '--colour'.")
    assert hint == "Try 'kling text2video --help'."


def test_no_arguments_prints_the_help() -> None:
    result = kling()
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "Commands:" in result.output


def test_ctrl_c_outside_a_command_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import haoee_kling.cli as kling_cli

    def pressed_ctrl_c(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(kling_cli, "State", pressed_ctrl_c)
    result = kling("list", "text2video")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert result.stderr.strip() == "interrupted (Ctrl-C)"


def test_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from haoee_kling.cli._group import KlingGroup

    def closed_pipe(*args: Any, **kwargs: Any) -> str:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(KlingGroup, "get_help", closed_pipe)
    result = kling("--help")
    assert result.exit_code == ExitCode.CLOSED_PIPE
    assert "Traceback" not in result.output


def test_without_standalone_mode_errors_reach_the_caller() -> None:
    import click

    with pytest.raises(click.UsageError, match="no such command 'txt2video'"):
        cli.main(["txt2video"], standalone_mode=False)


def test_an_unknown_kind_with_nothing_close_lists_the_kinds() -> None:
    result = kling("status", "podcast", "1")
    assert result.exit_code == ExitCode.BAD_INPUT
    message, _hint = error_lines(result)
    assert "unknown task kind 'podcast'; the kinds are " in message
    assert all(name in message for name in KINDS)


def test_a_json_timeout_carries_the_resume_command(wire: CountingTransport) -> None:
    result = kling("--json", "text2video", "--prompt", "A fox", "--wait", "--timeout", "3")
    assert result.exit_code == ExitCode.TIMEOUT
    document = json.loads(result.stdout)
    assert document["resume"] == f"kling wait text2video {document['task_id']} --timeout 3"
    assert document["problems"] == []


# ---------------------------------------------------------------- a create held by code 1303


class BusyFirst(httpx.BaseTransport):
    """Answers the first creates with Kling's concurrency error (1303), then passes through."""

    def __init__(self, inner: httpx.BaseTransport, busy: int) -> None:
        self.inner, self.busy = inner, busy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and self.busy > 0:
            self.busy -= 1
            body = {"code": 1303, "message": "concurrency limit", "request_id": "r-1303"}
            return httpx.Response(429, json=body)
        return self.inner.handle_request(request)


def test_a_create_held_by_the_concurrency_limit_shows_each_wait(
    wire: CountingTransport,
) -> None:
    wire.inner = BusyFirst(wire.inner, busy=2)
    result = kling("text2video", "--prompt", "A fox")
    assert result.exit_code == 0, result.output
    held = [line for line in result.stderr.splitlines() if "concurrency slot" in line]
    assert len(held) == 2
    assert held[0].startswith("waiting for a concurrency slot (code 1303): sending again in")
    assert "(wait 1)" in held[0]
    assert "(wait 2)" in held[1]


def test_ctrl_c_while_held_by_the_concurrency_limit_names_the_lookup(
    wire: CountingTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire.inner = BusyFirst(wire.inner, busy=5)

    def pressed_ctrl_c(self: LinkedClock, seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(LinkedClock, "sleep", pressed_ctrl_c)
    result = kling("text2video", "--prompt", "A fox")
    assert result.exit_code == ExitCode.INTERRUPTED
    lines = error_lines(result)
    assert lines[0].startswith("waiting for a concurrency slot (code 1303)")
    assert lines[1] == "interrupted (Ctrl-C)"
    assert lines[2].startswith("if it was sent, see: kling status text2video --external-id hk-")


# ---------------------------------------------------------------- recovery (issue 24)


@pytest.mark.parametrize("timeout", ["-1", "0", "nan", "inf", "soon"])
def test_a_bad_timeout_is_refused_before_the_task_is_created(
    wire: CountingTransport, timeout: str
) -> None:
    result = kling("text2video", "--prompt", "A fox", "--wait", "--timeout", timeout)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "--timeout" in result.stderr
    assert wire.requests == []


def test_an_out_folder_that_cannot_be_made_is_refused_before_the_task_is_created(
    wire: CountingTransport, tmp_path: Path
) -> None:
    (tmp_path / "afile").write_text("")
    out = str(tmp_path / "afile" / "sub")
    result = kling("text2video", "--prompt", "A fox", "--wait", "--out", out)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "--out" in result.stderr
    assert "afile is a file, not a folder" in result.stderr
    assert wire.requests == []
    for command in (["wait", "text2video", "1"], ["download", "text2video", "1"]):
        assert kling(*command, "--out", out).exit_code == ExitCode.BAD_INPUT
    assert wire.requests == []


def test_files_that_cannot_be_saved_after_the_task_name_it_and_how_to_finish(
    wire: CountingTransport, gateway: FakeGateway, tmp_path: Path
) -> None:
    import errno

    from haoee_kling.cli import _commands

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "videos"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_commands, "save_files", full_disk)
        args = ["text2video", "--prompt", "A fox", "--out", str(out)]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    replay(result, gateway.tasks)  # the disk has room again: the printed command finishes
    [task] = gateway.tasks()
    assert result.exit_code == ExitCode.NOT_SAVED
    error, finish = result.stderr.splitlines()[-2:]
    assert error == (
        f"error: task {task.task_id} finished, but its files could not be saved in {out}: "
        "No space left on device"
    )
    assert finish == f"finish with: kling download text2video {task.task_id} --out {out}"
    assert len(gateway.tasks()) == 1  # the replayed `kling download` saved it; no new task
    assert sorted(p.suffix for p in out.iterdir()) == [".mp4"]


def test_a_resume_waits_as_long_as_the_model_needs(wire: CountingTransport) -> None:
    from haoee_kling.check._capabilities import default_deadline

    body = {"model_name": "kling-v3", "duration": "10", "prompt": "A fox"}
    deadline = default_deadline("createText2Video", body)
    assert deadline is not None
    assert deadline > 900
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Output, "live_status", pressed_ctrl_c)
        result = kling(
            "text2video", "--model-name", "kling-v3", "--duration", "10", "--prompt", "A fox",
            "--wait",
        )  # fmt: skip
    assert result.exit_code == ExitCode.INTERRUPTED
    assert result.stderr.rstrip().endswith(f"--timeout {deadline:g}")


def test_a_request_never_sent_shows_no_external_id(
    wire: CountingTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    invalid = json.loads(kling("--json", "text2video", "--prompt", "").stdout)
    assert invalid["exit_code"] == ExitCode.BAD_INPUT
    assert "external_task_id" not in invalid

    def unreachable(state: State) -> Kling:
        # No retries: the connection is refused either way, without seconds of backoff first.
        closed = "http://127.0.0.1:9/kling"
        state._client = state._client or Kling("k", base_url=closed, max_retries=0)
        state.output.base_url = state._client.config.base_url
        return state._client  # type: ignore[no-any-return]

    monkeypatch.setattr(State, "client", unreachable)
    refused = kling("--json", "text2video", "--prompt", "A fox")
    document = json.loads(refused.stdout)
    assert document["exit_code"] == ExitCode.AUTH
    assert "external_task_id" not in document
    assert "external_task_id" not in document["message"]
    assert document["message"].endswith("nothing was sent")


def _readme_exit_codes() -> dict[int, str]:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| `")]
    return {int(code.strip().strip("`")): meaning.strip() for code, meaning in rows}


def test_one_exit_code_table_in_code_help_and_readme_and_no_exit_1() -> None:
    from haoee_kling.cli._failures import EXIT_CODES

    assert 1 not in {int(code) for code in ExitCode}
    assert set(EXIT_CODES) == set(ExitCode)
    assert _readme_exit_codes() == {int(code): meaning for code, meaning in EXIT_CODES.items()}
    help_text = " ".join(kling("--help").stdout.split())
    for code, meaning in EXIT_CODES.items():
        assert f"{int(code)} {' '.join(meaning.split())}" in help_text


def test_every_failure_path_exits_with_its_documented_code(
    wire: CountingTransport, gateway: FakeGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One run per failure path of the command line; each code is in the table (never 1)."""
    monkeypatch.chdir(tmp_path)
    created = json.loads(kling("--json", "text2video", "--prompt", "A fox").stdout)["task_id"]
    # First, while the task runs (the replayed resume commands then wait it out).
    assert kling("wait", "text2video", created, "--timeout", "0.001").exit_code == ExitCode.TIMEOUT
    assert kling("download", "text2video", created, "--out", "o").exit_code == ExitCode.TIMEOUT
    failed = json.loads(kling("--json", "text2video", "--prompt", "x [fake:fail]").stdout)
    gateway.finish(failed["task_id"])
    Path("jobs.jsonl").write_text('{"kind": "text2video", "id": "fox", "prompt": "a fox"}\n')
    origin = gateway.base_url.removesuffix("/kling")
    paths: list[tuple[list[str], dict[str, str] | None, ExitCode]] = [
        (["text2video", "--promt", "x"], None, ExitCode.BAD_INPUT),
        (["text2video", "--prompt", "x", "--timeout", "-1"], None, ExitCode.BAD_INPUT),
        (["list", "text2video", "--page-size", "600"], None, ExitCode.BAD_INPUT),
        (["batch", "run", "missing.jsonl", "--out", "o"], None, ExitCode.BAD_INPUT),
        (["batch", "run", "jobs.jsonl"], None, ExitCode.BAD_INPUT),  # no --out, first run
        (["status", "text2video", created], {"HAOEE_API_KEY": "wrong"}, ExitCode.AUTH),
        (["--base-url", origin, "list", "text2video"], None, ExitCode.AUTH),
        (["--base-url", "maas.haoee.com", "list", "text2video"], None, ExitCode.AUTH),
        (["wait", "text2video", failed["task_id"]], None, ExitCode.TASK_FAILED),
        (["status", "text2video", "999999999999999999"], None, ExitCode.API_ERROR),
        (["status", "text2video", "--external-id", "nobody"], None, ExitCode.API_ERROR),
    ]
    seen = set()
    for args, env, code in paths:
        result = kling(*args, env=env)
        assert result.exit_code == code, (args, result.output)
        seen.add(code)
    assert seen <= set(ExitCode)

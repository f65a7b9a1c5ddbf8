"""The `kling` command line against the fake gateway, in-process, on the gateway's fake clock.

Every subcommand runs at least once; --json output is checked against the spec; every kind of
failure has its own exit code and a readable message; bad input never reaches the gateway.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from haoee_kling import Kling
from haoee_kling._validation import _validator
from haoee_kling.cli import State, cli
from haoee_kling.cli._commands import KINDS
from haoee_kling.cli._render import ExitCode
from haoee_kling.testing import FakeGateway, request_examples, sample_image_path
from tests.e2e.conftest import LinkedClock
from tests.e2e.fake_support import assert_media

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
def gateway() -> FakeGateway:
    """A fresh fake gateway that also accepts the canary key."""
    return FakeGateway(keys=("fake-demo-key", CANARY_KEY))


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
                base_url=gateway.base_url,
                clock=LinkedClock(gateway),
                transport=transport,
            )
        return state._client  # type: ignore[no-any-return]

    monkeypatch.setattr(State, "client", client)
    monkeypatch.setenv("HAOEE_API_KEY", gateway.key)
    yield transport
    test_client.close()


def kling(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the command line in-process."""
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def assert_valid(schema: str, value: Any) -> None:
    """A JSON value printed by --json matches a schema of the spec."""
    errors = list(_validator(f"#/components/schemas/{schema}").iter_errors(value))
    assert not errors, [e.message for e in errors]


def test_help_lists_one_command_per_task_kind() -> None:
    result = kling("--help")
    assert result.exit_code == 0
    for name in [*KINDS, "identify-face", "status", "wait", "list", "download", "fake-server"]:
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


def test_ctrl_c_during_wait_prints_the_resume_command(wire: CountingTransport) -> None:
    from contextlib import contextmanager

    from haoee_kling.cli._render import Output

    @contextmanager
    def pressed_ctrl_c(self: Output, title: str) -> Iterator[Any]:
        def on_progress(event: Any) -> None:
            raise KeyboardInterrupt

        yield on_progress

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Output, "live_status", pressed_ctrl_c)
        result = kling("text2video", "--prompt", "A fox", "--out", "somewhere")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert "resume with: kling wait text2video " in result.stderr
    assert "--out somewhere" in result.stderr


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
        answer = httpx.get(
            f"{url}/v1/videos/text2video", headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 200
        assert answer.json()["code"] == 0
        proc.send_signal(signal.SIGINT)  # Ctrl-C stops it cleanly
        assert proc.wait(timeout=10) == 0

"""`kling conformance` against the fake gateway on loopback: as it is, with faults, and changed
to answer with a status and a field the spec does not know (drift).

Fuzzing is held to one case per operation here (`--examples 1`): the checks' logic is the same
at any count, and the run stays at a second or two of CPU.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haoee_kling._client_state import model_name_header
from haoee_kling._spec import operation
from haoee_kling.cli import cli
from haoee_kling.cli._failures import ExitCode
from haoee_kling.testing import (
    DEMO_KEY,
    FakeGateway,
    html_error_page,
    malformed_json,
    serve_in_thread,
)

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--examples", "1", "--pause", "0"]


def _rewrite_json(app: ASGIApp, change: Callable[[str, Any], Any]) -> ASGIApp:
    """Wrap the fake's app so that every JSON answer to a GET passes through ``change``."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await app(scope, receive, send)
            return
        held: list[Message] = []

        async def keep(message: Message) -> None:
            held.append(message)

        await app(scope, receive, keep)
        start, body = held[0], b"".join(m.get("body", b"") for m in held[1:])
        try:
            changed = json.dumps(change(scope["path"], json.loads(body))).encode()
        except ValueError:
            changed = body
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(changed)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": changed})

    return wrapped


def _tasks_in(answer: Any) -> list[dict[str, Any]]:
    data = answer.get("data") if isinstance(answer, dict) else None
    items = data if isinstance(data, list) else [data]
    return [item for item in items if isinstance(item, dict) and "task_status" in item]


def drift(path: str, answer: Any) -> Any:
    """A gateway that has grown a status (`queued`) and a field (`priority`)."""
    for task in _tasks_in(answer):
        task["task_status"] = "queued"
        task["priority"] = 3
    return answer


def wrong_shapes(path: str, answer: Any) -> Any:
    """A gateway whose effects list is an object and whose text-to-audio tasks have numeric ids."""
    if path.endswith("/v1/videos/effects") and isinstance(answer, dict):
        answer["data"] = {"items": answer.get("data")}
    if "/v1/audio/text-to-audio" in path:
        for task in _tasks_in(answer):
            task["task_id"] = 12345
    return answer


def _seeded() -> FakeGateway:
    """A fake holding finished text-to-audio and effects tasks, so lists have something to read
    back (made here, before the run: the run itself must create none)."""
    gateway = FakeGateway()
    effects = {"image": "https://cdn.example.org/cat.png", "duration": "5"}
    made = (
        ("createTextToAudio", {"prompt": "rain on a tin roof", "duration": 3}),
        ("createEffects", {"effect_scene": "pet_lion", "input": effects}),
    )
    with gateway.test_client() as client:
        for operation_id, body in made:
            op = operation(operation_id)
            headers = {"ModelName": model_name_header(op, body)}
            created = client.post(op.path, json=body, headers=headers)
            assert created.status_code == 200, created.text
            gateway.finish(created.json()["data"]["task_id"])
    return gateway


@contextmanager
def _served(gateway: FakeGateway) -> Iterator[str]:
    running = serve_in_thread(gateway)
    try:
        yield running.base_url
    finally:
        running.stop()


def _conformance(base_url: str, *args: str, key: str = DEMO_KEY) -> Any:
    options = ["--base-url", base_url, "--api-key", key, "conformance", *FAST, *args]
    return CliRunner().invoke(cli, options)


def _suite(path: Path) -> ET.Element:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return suite


def test_the_fake_conforms_and_no_task_is_created(tmp_path: Path) -> None:
    gateway = _seeded()
    before = len(gateway.tasks())
    junit = tmp_path / "conformance.xml"
    with _served(gateway) as base_url:
        result = _conformance(base_url, "--junit", str(junit))
    assert result.exit_code == 0, result.output
    assert len(gateway.tasks()) == before
    suite = _suite(junit)
    cases = suite.findall("testcase")
    assert len(cases) >= 20
    assert suite.get("failures") == "0"
    names = {case.get("name", "").split(" (")[0] for case in cases}
    assert {"list", "read back", "unknown task id", "wrong key", "no key", "fuzz"} <= names
    assert "conforms" in result.output
    assert "0 differs" in result.output


def test_a_faulted_fake_fails_naming_operations_and_differences(tmp_path: Path) -> None:
    gateway = _seeded()
    gateway.faults.add(
        html_error_page(502, match="getText2Video", count=0),
        malformed_json(match="listImage2Video", count=0),
    )
    gateway.app = _rewrite_json(gateway.app, wrong_shapes)
    junit = tmp_path / "conformance.xml"
    with _served(gateway) as base_url:
        result = _conformance(base_url, "--junit", str(junit))
    assert result.exit_code == ExitCode.DIFFERS, result.output
    text: dict[str, str] = {}
    for case in _suite(junit).findall("testcase"):
        failure = case.find("failure")
        if failure is not None:
            said = failure.get("message", "") + (failure.text or "")
            text[case.get("classname", "")] = text.get(case.get("classname", ""), "") + said
    assert {"getText2Video", "listImage2Video", "listEffects", "listTextToAudio"} <= set(text)
    assert "HTTP 502" in text["getText2Video"]
    assert "a JSON body" in text["listImage2Video"]
    assert "$.data: held" in text["listEffects"]
    assert "$.data[0].task_id: held 12345" in text["listTextToAudio"]
    assert "differs" in result.output


def test_drift_is_said_as_a_spec_change_that_makes_the_run_pass(tmp_path: Path) -> None:
    gateway = _seeded()
    gateway.app = _rewrite_json(gateway.app, drift)
    overlay = tmp_path / "suggested.yaml"
    with _served(gateway) as base_url:
        first = _conformance(base_url, "--suggest", str(overlay))
        assert first.exit_code == ExitCode.DIFFERS, first.output
        assert "$.data[0].task_status: held 'queued'" in first.output
        assert "$.data[0].priority: held 3" in first.output
        document = yaml.safe_load(overlay.read_text())
        assert document["overlay"] == "1.0.0"
        targets = {action["target"]: action.get("update") for action in document["actions"]}
        assert targets["$.components.schemas.TaskStatus.enum"] == ["queued"]
        assert targets["$.components.schemas.Task.properties"] == {
            "priority": {"type": "integer", "description": "Seen in answers; describe it."}
        }
        spec = tmp_path / "kling.yaml"
        applied = subprocess.run(
            [sys.executable, "tools/apply_overlay.py", str(overlay), "--out", str(spec)],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert applied.returncode == 0, applied.stderr
        assert "+      enum: [submitted, processing, succeed, failed, queued]" in applied.stdout
        second = _conformance(base_url, "--spec", str(spec))
    assert second.exit_code == 0, second.output


def test_a_wrong_key_exits_3_with_one_line() -> None:
    gateway = FakeGateway()
    with _served(gateway) as base_url:
        result = _conformance(base_url, key="not-the-key")
    assert result.exit_code == 3, result.output
    assert result.output.splitlines()[0].startswith("error: ")
    assert "not-the-key" not in result.output


def test_an_unreachable_url_exits_3() -> None:
    # A port held but not listening: connections are refused, and no other test can take it.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{held.getsockname()[1]}/kling"
        result = _conformance(base_url)
    assert result.exit_code == 3, result.output
    assert f"cannot reach {base_url}" in result.output


def test_allow_billed_creates_at_most_that_many_tasks() -> None:
    gateway = FakeGateway()
    with _served(gateway) as base_url:
        result = _conformance(base_url, "--allow-billed", "1", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert len(gateway.tasks()) == 1
    assert document["tasks_created"] == [gateway.tasks()[0].task_id]
    checks = [c["check"] for c in document["checks"] if c["operation"] == "createText2Video"]
    assert "create (billed)" in checks


def test_the_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)
    monkeypatch.delitem(sys.modules, "haoee_kling.conformance._fuzz", raising=False)
    result = _conformance("http://127.0.0.1:9/kling")
    assert result.exit_code == 2
    assert "pip install 'haoee-kling[conformance]'" in result.output


@pytest.mark.parametrize("pause", ["nan", "inf", "-1"])
def test_a_pause_that_is_no_finite_number_is_refused_before_any_request(pause: str) -> None:
    # Regression: --pause inf ended in "timestamp out of range" from the sleep.
    result = CliRunner().invoke(
        cli, ["conformance", "--base-url", "http://127.0.0.1:9/kling", "--pause", pause]
    )
    assert result.exit_code == 2
    assert "--pause" in result.output
    assert "must be a finite number of seconds >= 0" in result.output


def test_python_m_runs_the_same_command(tmp_path: Path) -> None:
    with _served(FakeGateway()) as base_url:
        done = subprocess.run(
            [sys.executable, "-m", "haoee_kling.conformance", "--base-url", base_url,
             "--api-key", DEMO_KEY, "--examples", "0", "--pause", "0", "--json"],
            capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True

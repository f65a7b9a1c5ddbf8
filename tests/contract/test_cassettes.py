"""Cassettes are contract tests: replayed offline through the client, validated against the spec.

tests/contract/cassettes/ holds recordings of the live gateway (``recorded/<host>/``, written by
``pytest tests/live --record-mode=once``) and exchanges built from the spec's own examples
(``doc-examples/``, labelled as such). Every one is checked by tools/validate_cassettes.py, and
a spec edit that contradicts a recorded answer makes that check — and `make test` — fail.
Which spec they were last checked against is written once, in MANIFEST.json
(tests/contract/test_cassette_manifest.py), not stamped in each cassette.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import vcr  # type: ignore[import-untyped]
import yaml

from haoee_kling_api import AuthenticatedClient
from haoee_kling_api.api import operation_module
from tests.live.spec_check import load_schema, spec_path_of, violations
from tests.tool_scripts import load_tool
from tests.yaml_files import read_yaml

pytestmark = pytest.mark.unmeasured(
    "tests/unit and tests/corpus measure the reading its replays repeat"
)

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests/contract/cassettes"
TOOL = ROOT / "tools/validate_cassettes.py"
ALL = sorted(CASSETTES.rglob("*.yaml"))


def validate_cassettes(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run tools/validate_cassettes.py with ``args`` in this process (its `main`, output
    captured): a process per run cost a second of start-up each. `make test`'s own call, with
    no arguments, runs as a process (test_every_cassette_matches_the_spec_and_holds_no_secret).
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = load_tool("validate_cassettes").main([str(arg) for arg in args])
        except SystemExit as stop:  # argparse, and the tool's one-line refusals
            status = stop.code if isinstance(stop.code, int) else 1
            err.write("" if isinstance(stop.code, int) or stop.code is None else f"{stop.code}\n")
    return subprocess.CompletedProcess(
        [str(TOOL), *map(str, args)], status, out.getvalue(), err.getvalue()
    )


def run_tool_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run tools/validate_cassettes.py as `make` does, in a process of its own."""
    return subprocess.run(
        [sys.executable, str(TOOL), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _prefix(url_path: str) -> str:
    """What precedes the spec's path in a recorded URL path (haoee's ``/kling``, or nothing)."""
    return url_path[: len(url_path) - len(spec_path_of(url_path))]


def _interactions(cassette: Path) -> list[dict[str, Any]]:
    interactions: list[dict[str, Any]] = read_yaml(cassette.read_text())["interactions"]
    return interactions


def test_every_cassette_matches_the_spec_and_holds_no_secret() -> None:
    """tools/validate_cassettes.py passes on everything shipped (run as `make test` runs it)."""
    result = run_tool_process()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(ALL)} cassette(s)" in result.stdout


def test_doc_example_cassettes_cover_every_operation(tmp_path: Path) -> None:
    """Every operation has its documentation cassette; rebuild them with the tool when not."""
    result = validate_cassettes("--build-doc-examples", tmp_path)
    assert result.returncode == 0, result.stderr
    built = {p.relative_to(tmp_path) for p in tmp_path.rglob("*.yaml")}
    shipped = {
        p.relative_to(CASSETTES / "doc-examples") for p in CASSETTES.glob("doc-examples/**/*.yaml")
    }
    assert built == shipped, "run: python tools/validate_cassettes.py --build-doc-examples"


def _edit_first_body(cassette: Path, edit: Any) -> None:
    document = read_yaml(cassette.read_text())
    body = document["interactions"][0]["response"]["body"]
    data = json.loads(body["string"])
    edit(data)
    body["string"] = json.dumps(data)
    cassette.write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda data: data["data"].update(task_status="queued"),
            '$.data.task_status: "queued" is not one of',
        ),
        (lambda data: data["data"].pop("task_id"), '$.data: "task_id" is a required property'),
        (lambda data: data.update(code="0"), '$.code: "0" is not of type "integer"'),
    ],
    ids=["unknown-status", "missing-required-field", "code-as-string"],
)
def test_reality_contradicting_the_spec_fails(tmp_path: Path, edit: Any, expected: str) -> None:
    """An answer the spec does not allow fails, naming the JSON path and the spec location."""
    copy = tmp_path / "getText2Video.yaml"
    shutil.copy(CASSETTES / "doc-examples/videos/getText2Video.yaml", copy)
    _edit_first_body(copy, edit)
    result = validate_cassettes(copy)
    assert result.returncode == 1, result.stdout
    assert expected in result.stdout
    assert "GET /v1/videos/text2video/{task_id} -> 200" in result.stdout
    assert "[spec: #/components/schemas/" in result.stdout


def test_a_key_left_in_a_cassette_fails(tmp_path: Path) -> None:
    """Key-like strings fail the check even when the exchange itself conforms."""
    copy = tmp_path / "listText2Video.yaml"
    document = read_yaml((CASSETTES / "doc-examples/videos/listText2Video.yaml").read_text())
    document["interactions"][0]["request"]["headers"]["Authorization"] = [
        "Bearer 01J9ZQ4V8KX2M7T5R3W6Y1B0CD"
    ]
    copy.write_text(yaml.safe_dump(document, sort_keys=False))
    result = validate_cassettes(copy)
    assert result.returncode == 1
    assert "secret: line" in result.stdout
    assert "Bearer token" in result.stdout
    assert "01J9ZQ4V8KX2M7T5R3W6Y1B0CD" not in result.stdout


def _call_kwargs(module: Any, interaction: dict[str, Any], operation: Any) -> dict[str, Any]:
    request = interaction["request"]
    url = urlsplit(request["uri"])
    kwargs: dict[str, Any] = {}
    matched = operation.path.split("/")
    for template, value in zip(matched, spec_path_of(url.path).split("/"), strict=True):
        if template.startswith("{"):
            kwargs[template.strip("{}")] = value
    for name, value in parse_qsl(url.query):
        # The list's wire names become the call's; the account's query keeps its names.
        python_name = {"pageNum": "page_num", "pageSize": "page_size"}.get(name, name)
        kwargs[python_name] = int(value) if value.isdigit() else value
    model_name = (request.get("headers") or {}).get("ModelName")
    if model_name:
        kwargs["model_name"] = model_name[0]
    if request.get("body"):
        kwargs["body"] = module.BODY.from_dict(json.loads(request["body"]))
    return kwargs


def replay_through_the_generated_client(cassette: Path) -> None:
    """Replay every interaction of ``cassette`` offline through the generated client.

    Each call must find its recorded answer (vcrpy, record mode ``none``), get the recorded
    status, parse into the documented model and lose nothing on the way (``to_dict`` gives the
    recorded JSON back); every interaction must be used.
    """
    schema = load_schema()
    interactions = _interactions(cassette)
    replay = vcr.use_cassette(str(cassette), record_mode="none", allow_playback_repeats=False)
    with replay as played:
        for interaction in interactions:
            request = interaction["request"]
            url = urlsplit(request["uri"])
            operation = schema.find_operation_by_path(request["method"], spec_path_of(url.path))
            assert operation is not None, request["uri"]
            module = operation_module(operation.definition.raw["operationId"])
            base = f"{url.scheme}://{url.netloc}{_prefix(url.path)}"
            with AuthenticatedClient(base_url=base, token="REDACTED") as client:
                answer = module.sync_detailed(
                    client=client, **_call_kwargs(module, interaction, operation)
                )
            recorded = json.loads(interaction["response"]["body"]["string"])
            assert answer.status_code == interaction["response"]["status"]["code"]
            assert answer.parsed is not None, f"{operation.label}: the client parsed nothing"
            assert answer.parsed.to_dict() == recorded, f"{operation.label}: parse lost data"
    assert played.all_played


@pytest.mark.parametrize("cassette", ALL, ids=[str(p.relative_to(CASSETTES)) for p in ALL])
def test_replay_through_the_generated_client(cassette: Path) -> None:
    """Each shipped answer reaches the generated client offline and parses into its model."""
    replay_through_the_generated_client(cassette)


# Operations without a task kind, and the overlay method that calls each.
OVERLAY_SPECIAL = {
    "identifyFace": ("identify_face", "create"),
    "textToSpeech": ("tts", "create"),
    "recognizeImage": ("image_recognize", "create"),
    "deleteCustomVoice": ("custom_voice", "delete"),
    "getAccountCosts": ("account", "costs"),
    "createCustomElement": ("elements", "create_legacy"),
    "listCustomElements": ("elements", "list_legacy"),
    "listPresetElements": ("elements", "list_presets"),
    "listAdvancedPresetElements": ("elements", "list_advanced_presets"),
}


def _overlay_method(kling: Any, operation: Any) -> Any:
    """The overlay method that performs ``operation``: the namespace whose ``kind`` is the
    operation's ``x-kling-kind``, or the special case for operations without a kind."""
    operation_id = operation.definition.raw["operationId"]
    if operation_id in OVERLAY_SPECIAL:
        namespace, method = OVERLAY_SPECIAL[operation_id]
        return getattr(getattr(kling, namespace), method)
    kind = operation.definition.raw["x-kling-kind"]
    namespaces = [getattr(kling, name) for name in dir(kling) if not name.startswith("_")]
    found = next(ns for ns in namespaces if getattr(ns, "kind", None) == kind)
    verb = next(verb for verb in ("create", "get", "list") if operation_id.startswith(verb))
    return getattr(found, verb)


def _as_data(value: Any) -> Any:
    return [_as_data(item) for item in value] if isinstance(value, list) else value.to_dict()


def replay_through_the_overlay_client(cassette: Path) -> None:
    """Replay ``cassette`` offline through `haoee_kling.Kling`: data intact, errors raised.

    Successes must come back as the recorded ``data``; error answers to reads must raise the
    overlay's `APIError` with the recorded business code. (Error answers to creates are left
    out: after an ambiguous one the client looks the task up, a call no cassette holds.)
    """
    from haoee_kling import APIError, Kling

    schema = load_schema()
    first = urlsplit(_interactions(cassette)[0]["request"]["uri"])
    base = f"{first.scheme}://{first.netloc}{_prefix(first.path)}"
    replay = vcr.use_cassette(str(cassette), record_mode="none", allow_playback_repeats=False)
    with replay, Kling(api_key="REDACTED", base_url=base, max_retries=0) as kling:
        for number, interaction in enumerate(_interactions(cassette)):
            request, response = interaction["request"], interaction["response"]
            status = response["status"]["code"]
            if status >= 300 and request["method"] != "GET":
                continue
            url = urlsplit(request["uri"])
            operation = schema.find_operation_by_path(request["method"], spec_path_of(url.path))
            assert operation is not None
            module = operation_module(operation.definition.raw["operationId"])
            kwargs = _call_kwargs(module, interaction, operation)
            kwargs.pop("model_name", None)
            body = kwargs.pop("body", None)
            kwargs.update(body.to_dict() if body is not None else {})
            recorded = json.loads(response["body"]["string"])
            call = _overlay_method(kling, operation)
            if status >= 300:
                with pytest.raises(APIError) as raised:
                    call(**kwargs)
                assert raised.value.code == recorded["code"], f"interaction {number}"
            else:
                assert _as_data(call(**kwargs)) == recorded["data"], f"interaction {number}"


@pytest.mark.parametrize("cassette", ALL, ids=[str(p.relative_to(CASSETTES)) for p in ALL])
def test_replay_through_the_overlay_client(cassette: Path) -> None:
    """Each shipped answer reaches the overlay client offline, as data or as its error."""
    replay_through_the_overlay_client(cassette)


def test_the_haoee_doc_page_example_is_a_placeholder() -> None:
    """haoee's page (多图参考生视频, 200 example) shows Apifox placeholders, not a real answer.

    Copied from haoee-doc-page.txt: ``task_status: "string"`` is not a Kling status, so it cannot
    be shipped as a cassette; everything else about it matches the spec.
    """
    page_example = {
        "code": 0,
        "message": "string",
        "request_id": "string",
        "data": {"task_id": "string", "task_status": "string", "created_at": 0, "updated_at": 0},
    }
    request = httpx.Request("POST", "https://maas.haoee.com/kling/v1/images/multi-image2image")
    found = violations(httpx.Response(200, json=page_example, request=request))
    assert [(v.json_path, v.spec_location) for v in found] == [
        ("$.data.task_status", "#/components/schemas/TaskStatus, keyword enum")
    ]

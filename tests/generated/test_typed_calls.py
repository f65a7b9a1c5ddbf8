"""Typed calls: every create's fields come from the spec, for editors, type checkers and help()."""

from __future__ import annotations

import ast
import inspect
import json
import pydoc
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from haoee_kling import AsyncKling, InvalidRequestError, Kling
from haoee_kling._spec import load_spec, operations, resolve
from haoee_kling.kinds._kind_plans import namespaces
from tests.unit.conftest import CANARY_KEY, task_answer

ROOT = Path(__file__).resolve().parents[2]

USER_FILE = """\
from haoee_kling import Kling

kling = Kling()
kling.text2video.create(prompt="a fox", durration="5")
kling.text2video.create(prompt="a fox", mode="ultra")
kling.text2video.create(prompt="a fox", multi_shot="yes")
kling.text2video.create(prompt="a fox", duration="5", mode="pro", model_name="kling-v2-6")
kling.tts.create(text="Hi", voice_id="v", voice_langauge="en")
kling.tts.create(text="Hi", voice_id="v", voice_language="fr")
speech = kling.tts.create(text="Hi", voice_id="v", voice_language="en", voice_speed=1.2)
kling.account.costs(start_time="yesterday", end_time=1)
faces = kling.identify_face.create(video_id="1")
print(speech.task_id, faces.session_id, speech.no_such_field)
deleted = kling.custom_voice.delete("829836802793406700")
kling.custom_voice.delete(voice_id=829836802793406700)
kling.custom_voice.delete(voice="829836802793406700")
print(deleted.task_status, deleted.no_such_field)
"""


@pytest.mark.slow
def test_mypy_reports_a_misspelt_field_a_wrong_literal_and_a_wrong_type(
    tmp_path: Path, warm_mypy_cache: Path
) -> None:
    user = tmp_path / "user.py"
    user.write_text(USER_FILE, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-pretty",
            "--cache-dir",
            str(warm_mypy_cache),
            str(user),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert any(":4:" in line and "durration" in line for line in lines), result.stdout
    assert any(":5:" in line and '"mode"' in line for line in lines), result.stdout
    assert any(":6:" in line and '"multi_shot"' in line for line in lines), result.stdout
    assert not any(":7:" in line for line in lines), result.stdout  # the right call passes
    # Calls answered at once: typed fields, and a typed result.
    assert any(":8:" in line and "voice_langauge" in line for line in lines), result.stdout
    assert any(":9:" in line and '"voice_language"' in line for line in lines), result.stdout
    assert not any(":10:" in line for line in lines), result.stdout
    assert any(":11:" in line and '"start_time"' in line for line in lines), result.stdout
    assert not any(":12:" in line for line in lines), result.stdout
    assert any(":13:" in line and "no_such_field" in line for line in lines), result.stdout
    # A method of a kind answered at once (the custom-voice delete): typed too.
    assert not any(":14:" in line for line in lines), result.stdout
    assert any(":15:" in line and '"voice_id"' in line for line in lines), result.stdout
    assert any(":16:" in line and '"voice"' in line for line in lines), result.stdout
    assert any(":17:" in line and "no_such_field" in line for line in lines), result.stdout
    assert not any(":17:" in line and "task_status" in line for line in lines), result.stdout


def create_fields(kind: str) -> set[str]:
    op = operations()[
        next(o for o, v in operations().items() if v.kind == kind and v.method == "POST")
    ]
    return set(resolve(op.body_schema or {}).get("properties", {})) - {"external_task_id"}


@pytest.mark.parametrize("kind", sorted(set(namespaces().values())))
def test_help_lists_every_field_of_the_create_with_the_specs_description(kind: str) -> None:
    attribute = next(name for name, k in namespaces().items() if k == kind)
    with Kling(api_key=CANARY_KEY) as kling:
        text = pydoc.plain(pydoc.render_doc(getattr(kling, attribute).create))
    for field in create_fields(kind):
        assert f"{field}:" in text or f"{field} (required):" in text, (kind, field)
    assert "-> 'Task'" in text or "-> Task" in text


def test_signatures_name_the_real_return_type_on_both_clients() -> None:
    with Kling(api_key=CANARY_KEY) as sync_kling:
        sync = inspect.signature(sync_kling.text2video.create)
    asyn = AsyncKling(api_key=CANARY_KEY)
    method = asyn.text2video.create
    assert sync.return_annotation in ("Task", "'Task'")
    assert inspect.signature(method).return_annotation in ("Task", "'Task'")
    assert inspect.iscoroutinefunction(method)
    assert str(sync.parameters["fields"]) == "**fields: 'Unpack[Text2VideoFields]'"


def test_a_misspelt_field_gets_did_you_mean_naming_the_call_before_any_request() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    transport = httpx.MockTransport(answer)
    with (
        Kling(api_key=CANARY_KEY, transport=transport) as kling,
        pytest.raises(InvalidRequestError) as caught,
    ):
        kling.text2video.create(prompt="a fox", durration="5")  # type: ignore[call-arg]
    assert "durration: is not a field of text2video.create (did you mean duration?)" in str(
        caught.value
    )
    assert sent == []


@pytest.mark.parametrize("shape", ["model", "dict"])
def test_a_generated_body_model_or_a_dict_is_accepted_and_keywords_override_it(
    shape: str,
) -> None:
    from haoee_kling_api.models.text_2_video_request import Text2VideoRequest

    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=task_answer("submitted"))

    whole = {"prompt": "a fox", "duration": "10", "external_task_id": "mine-7"}
    body: Text2VideoRequest | dict[str, str] = (
        Text2VideoRequest.from_dict(whole) if shape == "model" else whole
    )
    with Kling(api_key=CANARY_KEY, transport=httpx.MockTransport(answer)) as kling:
        kling.text2video.create(body, duration="5")
    wire = json.loads(sent[0].content)
    assert (wire["prompt"], wire["duration"], wire["external_task_id"]) == ("a fox", "5", "mine-7")


def instant_fields(namespace: str) -> set[str]:
    op = next(o for o in operations().values() if o.raw.get("x-kling-instant") == namespace)
    return set(resolve(op.body_schema or {}).get("properties", {}))


@pytest.mark.parametrize("namespace", ["identify_face", "tts", "image_recognize"])
def test_help_of_a_call_answered_at_once_lists_its_fields_and_its_result(namespace: str) -> None:
    with Kling(api_key=CANARY_KEY) as kling:
        create = getattr(kling, namespace).create
        text = pydoc.plain(pydoc.render_doc(create))
        signature = inspect.signature(create)
    for field in instant_fields(namespace):
        assert f"{field}:" in text or f"{field} (required):" in text, (namespace, field)
    assert "Task" not in str(signature.return_annotation)
    assert "Fields]" in str(signature.parameters["fields"])


def test_every_instant_operation_has_typed_calls_for_both_clients() -> None:
    from haoee_kling_api.calls import ASYNC_INSTANT_CALLS, INSTANT_CALLS

    marked = {
        op.raw["x-kling-instant"] for op in operations().values() if op.raw.get("x-kling-instant")
    }
    # `<kind>.<method>` is a method of the kind's class (next test), not a class of its own.
    own = {name for name in marked if "." not in name}
    assert set(INSTANT_CALLS) == set(ASYNC_INSTANT_CALLS) == own
    assert own >= {"tts", "image_recognize"}


def test_an_instant_method_of_a_kind_is_generated_on_both_of_its_classes() -> None:
    """`x-kling-instant: custom_voice.delete` puts a typed `delete` on the custom-voice classes
    (and on no other kind's), so `kling.custom_voice.delete` has its real return type."""
    from haoee_kling_api.calls import (
        ASYNC_CALLS,
        CALLS,
        AsyncCustomVoiceCalls,
        CustomVoiceCalls,
    )

    assert (CALLS["custom_voice"], ASYNC_CALLS["custom_voice"]) == (
        CustomVoiceCalls,
        AsyncCustomVoiceCalls,
    )
    for table in (CALLS, ASYNC_CALLS):
        with_delete = {kind for kind, calls in table.items() if hasattr(calls, "delete")}
        assert with_delete == {"custom_voice"}
    for method in (CustomVoiceCalls.delete, AsyncCustomVoiceCalls.delete):
        signature = inspect.signature(method)
        assert signature.return_annotation.strip("'") == "CustomVoiceDeleteResult"
        assert list(signature.parameters)[:2] == ["self", "voice_id"]
    assert inspect.iscoroutinefunction(AsyncCustomVoiceCalls.delete)
    text = pydoc.plain(pydoc.render_doc(CustomVoiceCalls.delete))
    assert "voice_id: The custom voice's `voice_id`" in text


def test_every_kind_has_typed_calls_for_both_clients() -> None:
    from haoee_kling_api.calls import ASYNC_CALLS, CALLS

    kinds = {op.kind for op in operations().values() if op.kind}
    assert set(CALLS) == set(ASYNC_CALLS) == kinds
    assert "x-kling-kind" in json.dumps(load_spec()["paths"])


CALLS_PY = ROOT / "generated" / "haoee_kling_api" / "calls.py"


def test_the_generated_calls_name_no_method_as_a_string() -> None:
    """Every typed call reaches the overlay through a typed method of its runner
    (`self._runner.create(...)`), never by handing a method's name to a dispatcher, nor by
    `getattr`, nor with a class built by `type()`: type checkers and editors follow every
    call."""
    tree = ast.parse(CALLS_PY.read_text(encoding="utf-8"))
    dispatched = [
        f"line {node.lineno}: {ast.unparse(node)[:60]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in {"getattr", "setattr"})
            or (isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) == 3)
            or (
                isinstance(node.func, ast.Attribute)
                and any(
                    isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    for arg in node.args
                )
            )
        )
    ]
    assert dispatched == []
    runner_calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "_runner"
    }
    assert runner_calls == {"create", "create_and_wait", "get", "list", "wait", "delete"}


def test_no_namespace_class_is_built_at_run_time() -> None:
    """Each namespace is an instance of a class written in a file (generated, or the overlay's
    `kling.elements`), which is what editors and type checkers see."""
    with Kling(api_key=CANARY_KEY) as kling:
        for attribute in [*namespaces(), "tts", "image_recognize", "identify_face"]:
            cls = type(getattr(kling, attribute))
            assert cls.__module__ in {"haoee_kling_api.calls", "haoee_kling.kinds._facades"}, (
                attribute
            )
            assert getattr(sys.modules[cls.__module__], cls.__name__) is cls, attribute


@pytest.mark.slow
def test_mypy_fails_when_the_overlays_runner_drifts_from_the_generated_protocol(
    tmp_path: Path,
) -> None:
    """The runner `kling.<kind>` is built with must be what the generated `KindRunner` protocol
    asks for: a runner whose `wait` lost a parameter fails `mypy --strict` where the namespace
    is built."""
    copy = tmp_path / "haoee_kling"
    shutil.copytree(
        ROOT / "overlay" / "haoee_kling", copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    runners = copy / "kinds" / "_kind_plans.py"
    source = runners.read_text(encoding="utf-8")
    signature = "def wait(self, task_id: str, *, timeout: Any, on_progress: Callback, via: Any)"
    assert source.count(signature) == 2  # the blocking and the awaited runner
    runners.write_text(
        source.replace(signature, signature.replace(", via: Any", ""), 1).replace(
            "on_progress=on_progress, via=via)", "on_progress=on_progress)", 1
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--no-pretty",
            "--follow-imports=silent",
            str(copy / "kinds" / "_facades.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert any(
        "_facades.py" in line and '"SyncKindRunner"' in line and '"KindRunner[Any]"' in line
        for line in errors
    ), result.stdout
    assert "def wait(self, task_id: str, *, timeout: Any, on_progress: Any) -> Task" in (
        result.stdout.replace("Callable[[Any], Any] | None", "Any")
    ), result.stdout

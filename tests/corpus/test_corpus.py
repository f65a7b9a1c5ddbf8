"""Every answer of the foreign-answer corpus, read through `Kling` and `AsyncKling`.

Each YAML file here is one HTTP answer from a public source (see README.md) and what the client
must make of it: the task or page it reads, or the error it raises, and what a wait does when
the gateway keeps answering the same way. The mock transport gives that answer to every request,
on a fake clock, so a wait that would hang shows up as time, not as a stuck test.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from haoee_kling import AsyncKling, FakeClock, Kling, TaskFailedError, WaitTimeoutError
from haoee_kling._downloads import result_files
from haoee_kling._errors import DownloadError, KlingError, UnexpectedResponseError
from haoee_kling._spec import operation
from haoee_kling.http._sender import kind_operations
from haoee_kling.kinds._kind_plans import namespaces
from haoee_kling.plans._polling import UNREADABLE_LIMIT
from tests.yaml_files import read_yaml

HERE = Path(__file__).parent
CASES = sorted(HERE.glob("*.yaml"))
TASK_ID = "842250903629086785"
WAIT_TIMEOUT = 300.0
KINDS = ("kling-doc", "gateway-doc", "public-code", "error-page", "variant")


def load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = read_yaml(path.read_text("utf-8"))
    return case


def test_the_corpus_is_large_and_every_file_names_its_source_and_outcome() -> None:
    cases = [load(path) for path in CASES]
    assert len(cases) >= 60
    for path, case in zip(CASES, cases, strict=True):
        assert case["source"], path.name
        assert case["source_kind"] in KINDS, path.name
        assert path.name.startswith(case["source_kind"]), path.name
        assert case["expect"]["outcome"] in ("task", "tasks", "error", "value", "values")
        operation(case["operation"])  # raises for an operation the spec does not have
        if case["source_kind"] == "variant":
            assert (HERE / case["variant_of"]).is_file(), path.name
    assert {c["source_kind"] for c in cases} == set(KINDS)


def _namespace_of(operation_id: str) -> tuple[str, str]:
    """(client attribute, role) for a task operation."""
    attribute = {kind: name for name, kind in namespaces().items()}
    for kind, ops in kind_operations().items():
        for role, op in ops.items():
            if op == operation_id:
                return attribute[kind], role
    raise LookupError(operation_id)


def _request_body(operation_id: str) -> dict[str, Any]:
    content = operation(operation_id).raw["requestBody"]["content"]["application/json"]
    examples = content.get("examples") or {"only": {"value": content.get("example")}}
    body: dict[str, Any] = dict(next(iter(examples.values()))["value"])
    body.pop("external_task_id", None)
    return body


def _call(client: Kling | AsyncKling, operation_id: str) -> Any:
    """The client call that sends `operation_id` (creates with the spec's example body)."""
    special: dict[str, Callable[[], Any]] = {
        "identifyFace": lambda: client.identify_face.create(**_request_body("identifyFace")),
        "textToSpeech": lambda: client.tts.create(**_request_body("textToSpeech")),
        "recognizeImage": lambda: client.image_recognize.create(**_request_body("recognizeImage")),
        "getAccountCosts": lambda: client.account.costs(start_time=0, end_time=1),
        "createCustomElement": lambda: client.elements.create_legacy(
            **_request_body("createCustomElement")
        ),
        "listCustomElements": lambda: client.elements.list_legacy(),
        "listPresetElements": lambda: client.elements.list_presets(),
        "listAdvancedPresetElements": lambda: client.elements.list_advanced_presets(),
    }
    if operation_id in special:
        return special[operation_id]()
    attribute, role = _namespace_of(operation_id)
    namespace = getattr(client, attribute)
    if role == "create":
        return namespace.create(**_request_body(operation_id))
    if role == "get":
        return namespace.get(TASK_ID)
    return namespace.list()


class Gateway:
    """Gives the case's answer to every request and counts them."""

    def __init__(self, case: dict[str, Any]) -> None:
        answer = case["response"]
        self.status = int(answer["status"])
        self.headers = {str(k): str(v) for k, v in (answer.get("headers") or {}).items()}
        self.body = str(answer.get("body") or "").encode("utf-8")
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(self.status, headers=self.headers, content=self.body)


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _outcome(flavor: str, gateway: Gateway, act: Callable[[Kling | AsyncKling], Any]) -> Any:
    """What `act` returns or raises on a fresh client of the flavor; the clock too."""
    clock = FakeClock()
    transport = httpx.MockTransport(gateway)
    client: Kling | AsyncKling = (
        Kling(api_key="hk-corpus-key-0000", transport=transport, clock=clock)
        if flavor == "sync"
        else AsyncKling(api_key="hk-corpus-key-0000", transport=transport, clock=clock)
    )
    try:
        result = act(client)
        if inspect.isawaitable(result):
            result = await result
        return result, clock
    except KlingError as error:  # anything else escaping is a bug the test reports as such
        return error, clock
    finally:
        closed = client.close()
        if inspect.isawaitable(closed):
            await closed


def _first_task_id(case: dict[str, Any]) -> str:
    try:
        data = json.loads(case["response"]["body"])["data"]
        return str(data[0]["task_id"])
    except (ValueError, KeyError, IndexError, TypeError):
        return TASK_ID


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_the_answer_reads_as_expected(path: Path, flavor: str) -> None:
    case = load(path)
    expect = case["expect"]
    result, _ = await _outcome(flavor, Gateway(case), lambda c: _call(c, case["operation"]))
    if expect["outcome"] == "error":
        assert type(result).__name__ == expect["error"], result
        if expect.get("message_contains"):
            assert expect["message_contains"] in str(result)
        return
    assert not isinstance(result, Exception), result
    if expect["outcome"] == "task":
        assert result.task_id == str(expect["task_id"])
        if "task_status" in expect:
            assert str(result.task_status) == str(expect["task_status"])
        if str(result.task_status) == "succeed":
            # A documentation example without files is a DownloadError: said, never a crash.
            with contextlib.suppress(DownloadError):
                assert result_files(result)
    elif expect["outcome"] in ("tasks", "values"):
        assert (len(result), len(result.skipped)) == (expect["items"], expect["skipped"])
    else:
        assert result is not None
        if expect.get("data_intact"):
            # Read tolerantly, yet nothing lost: the model gives back the answer's data.
            assert result.to_dict() == json.loads(case["response"]["body"])["data"]


async def _wait(
    flavor: str, case: dict[str, Any], gateway: Gateway
) -> tuple[Any, FakeClock, str | None]:
    attribute, role = _namespace_of(case["operation"])
    if role == "get":
        result, clock = await _outcome(
            flavor,
            gateway,
            lambda c: getattr(c, attribute).wait(TASK_ID, timeout=WAIT_TIMEOUT),
        )
        return result, clock, None
    kind = kind_operations()
    spec_kind = next(k for k, ops in kind.items() if ops["list"] == case["operation"])
    task_id = _first_task_id(case)
    result, clock = await _outcome(
        flavor,
        gateway,
        lambda c: c.tasks.wait_many([(spec_kind, task_id)], timeout=WAIT_TIMEOUT),
    )
    return result, clock, task_id


WAITS = [p for p in CASES if "wait" in load(p)["expect"]]


@pytest.mark.parametrize("path", WAITS, ids=[p.stem for p in WAITS])
async def test_a_wait_on_the_answer_ends_for_the_right_reason(path: Path, flavor: str) -> None:
    case = load(path)
    expect, gateway = case["expect"], Gateway(case)
    result, clock, many = await _wait(flavor, case, gateway)
    assert clock.monotonic() <= WAIT_TIMEOUT  # every wait ends by its deadline
    wait = expect["wait"]
    if many is not None and wait in ("returns", "task-failed"):
        assert many in result, result
        return
    if many is not None and wait == "ends-after-unreadable-run":
        assert [s.task_id for s in result.skipped] == [many]
        assert isinstance(result.skipped[0].error, UnexpectedResponseError)
        return
    if wait == "returns":
        assert result.task_status == "succeed"
    elif wait == "task-failed":
        assert isinstance(result, TaskFailedError)
    elif wait == "polls-on":
        assert isinstance(result, WaitTimeoutError)
        assert clock.monotonic() == pytest.approx(WAIT_TIMEOUT)
    elif wait == "ends-at-once":
        assert type(result).__name__ == expect["error"], result
        if many is None:
            assert gateway.requests == 1
    elif wait == "retried":
        assert isinstance(result, WaitTimeoutError), result
        if many is None:
            assert type(result.last_error).__name__ == expect["error"]
        assert gateway.requests > 1
    elif wait == "ends-after-unreadable-run":
        assert isinstance(result, UnexpectedResponseError), result
        assert gateway.requests == UNREADABLE_LIMIT
    else:
        pytest.fail(f"{path.name}: unknown wait outcome {wait!r}")

"""Fixtures for the overlay's unit tests: spec-built mock answers, a fake clock, both clients.

Every answer a test mocks is built from the spec's own examples, and every answer the client
received is checked against the spec when the test ends (`router`); tests that send off-spec
answers on purpose (HTML pages, unknown statuses) use `raw_router` instead.
"""

from __future__ import annotations

import copy
import datetime
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from haoee_kling import AsyncKling, FakeClock, Kling
from haoee_kling._spec import load_spec, resolve
from tests.live.spec_check import assert_conforms

BASE = "https://maas.haoee.com/kling"
CANARY_KEY = "hk-canary-key-5f0c1d2e3a4b"
TASK_ID = "842250903629086785"
Json = dict[str, Any]


def example(name: str) -> Json:
    """A deep copy of `components/examples/<name>/value` from the packaged spec."""
    value: Json = copy.deepcopy(load_spec()["components"]["examples"][name]["value"])
    return value


def response_example(response: str, name: str) -> Json:
    """A deep copy of an example of `components/responses/<response>`."""
    node = resolve(load_spec()["components"]["responses"][response])
    value: Json = copy.deepcopy(node["content"]["application/json"]["examples"][name]["value"])
    return value


def answer_example(operation_id: str, name: str) -> Json:
    """A deep copy of the named 200 example of an operation (the calls answered at once)."""
    from haoee_kling._spec import operations

    response = operations()[operation_id].raw["responses"]["200"]
    value: Json = copy.deepcopy(response["content"]["application/json"]["examples"][name]["value"])
    return value


def task_answer(
    status: str = "submitted", task_id: str = "842250903629086785", **data: Any
) -> Json:
    """A task envelope from the spec's example for `status`, with fields overridden."""
    names = {
        "submitted": "TaskSubmitted",
        "processing": "TaskProcessing",
        "succeed": "TaskSucceedVideo",
        "failed": "TaskFailed",
    }
    body = example(names.get(status, "TaskProcessing"))
    body["data"].update({"task_id": task_id, "task_status": status, **data})
    return body


def list_answer(*tasks: Json) -> Json:
    """A list envelope (from the spec's page example) holding the given tasks' `data`."""
    body = example("TaskListVideosPage")
    body["data"] = [t.get("data", t) for t in tasks]
    return body


def check_calls(router: respx.MockRouter) -> None:
    """Assert every response the client received matches the spec."""
    for call in router.calls:
        response = call.optional_response
        if response is None:  # a transport error was raised instead
            continue
        try:
            response.elapsed  # noqa: B018 - raises RuntimeError on responses read back
        except RuntimeError:
            response.elapsed = datetime.timedelta(0)
        assert_conforms(response)


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the client sleeps."""
    return FakeClock()


@pytest.fixture
def raw_router() -> Iterator[respx.MockRouter]:
    """A respx router on the haoee base URL; answers are not checked against the spec."""
    router = respx.MockRouter(base_url=BASE, assert_all_called=False, assert_all_mocked=True)
    with router:
        yield router


@pytest.fixture
def router(raw_router: respx.MockRouter) -> Iterator[respx.MockRouter]:
    """Like `raw_router`, and every answer received is checked against the spec at the end."""
    yield raw_router
    check_calls(raw_router)


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    """Run the test once with `Kling` and once with `AsyncKling`."""
    return str(request.param)


@pytest.fixture
async def kling(
    flavor: str, raw_router: respx.MockRouter, clock: FakeClock
) -> AsyncIterator[Kling | AsyncKling]:
    """A client of the flavor under test, on the mock router and the fake clock."""
    transport = httpx.MockTransport(raw_router.handler)
    if flavor == "sync":
        client: Kling | AsyncKling = Kling(api_key=CANARY_KEY, transport=transport, clock=clock)
    else:
        client = AsyncKling(api_key=CANARY_KEY, transport=transport, clock=clock)
    yield client
    await run(client.close())


async def run(value: Any) -> Any:
    """The value, awaited when it is awaitable (one test body for both clients)."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(iterator: Any) -> list[Any]:
    """All items of a sync or async iterator."""
    if hasattr(iterator, "__aiter__"):
        return [item async for item in iterator]
    return list(iterator)

"""Invariants over answers nobody wrote: valid answers built from the spec, then mutated.

Hypothesis drops optional fields, changes the case of statuses, puts values of the wrong type
anywhere, adds fields, truncates bodies and swaps in HTML pages and other gateways' error
bodies. Whatever it sends, through `Kling` and `AsyncKling`:

- nothing but a `KlingError` leaves `get`, `list`, `wait`, `wait_many` or `download`;
- every wait ends by its deadline, at once on a non-transient error, and after a short run of
  unreadable answers even without a deadline;
- a create answer that holds a task id always surfaces it;
- no file is written outside the destination.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haoee_kling import (
    AsyncKling,
    FakeClock,
    Kling,
    KlingError,
    UnexpectedResponseError,
    WaitTimeoutError,
)
from haoee_kling._errors import error_codes
from haoee_kling._spec import load_spec
from haoee_kling.plans._polling import UNREADABLE_LIMIT, classify_poll_error
from tests.hypothesis_profiles import examples

TASK_ID = "842250903629086785"
KEY = "hk-property-key-0000"
# Each invariant runs this many generated examples per client flavour.
EXAMPLES = examples(120)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FLAVORS = pytest.mark.parametrize("flavor", ["sync", "async"])


class RunawayWaitError(Exception):
    """The mock gateway's request budget ran out: a wait did not end by itself."""


def _spec_tasks() -> list[dict[str, Any]]:
    tasks = []
    for example in load_spec()["components"]["examples"].values():
        data = example["value"].get("data") if isinstance(example["value"], dict) else None
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and "task_id" in item:
                tasks.append(item)
    return tasks


SPEC_TASKS = _spec_tasks()
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _parent(root: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        root = root[part]
    return root


@st.composite
def mutated_tasks(draw: st.DrawFn, *, keep_id: bool = False) -> dict[str, Any]:
    """A spec example task with one to four mutations applied."""
    task: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(SPEC_TASKS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(task) if not (keep_id and p == ("task_id",))]
        action = draw(st.sampled_from(["drop", "retype", "case", "extra"]))
        if action == "case" and isinstance(task.get("task_status"), str):
            change = draw(st.sampled_from([str.upper, str.title, str.lower, lambda s: f" {s} "]))
            task["task_status"] = change(task["task_status"])
        elif action == "extra" or not paths:
            task[draw(st.text(min_size=1, max_size=8))] = draw(JSON_VALUES)
        else:
            path = draw(st.sampled_from(paths))
            parent = _parent(task, path)
            if action == "drop":
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(JSON_VALUES)
    return task


HTML_PAGE = st.sampled_from(
    [
        b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
        b"</h1></center><hr><center>nginx</center></body></html>",
        b"<!DOCTYPE html><html><head><title>Sign in</title><script>var a=1;</script></head>"
        b"<body><form>log in</form></body></html>",
        b"<html><body>Error 1020 Access denied</body></html>",
    ]
)
FOREIGN_ERRORS = st.sampled_from(
    [
        {"error": {"message": "invalid api key", "type": "invalid_request_error"}},
        {"detail": "Not Found"},
        {"detail": [{"loc": ["body"], "msg": "field required"}]},
        {"message": "No API key found in request"},
        {"statusCode": 401, "message": "Access denied due to invalid subscription key."},
        {"code": "invalid_api_key", "msg": "bad key"},
        {"errors": [{"message": "quota exceeded"}]},
    ]
)
ANY_STATUS = st.sampled_from(
    [200, 201, 302, 400, 401, 403, 404, 408, 410, 422, 429, 500, 502, 503, 504, 520, 524]
)
FINAL_STATUS = st.sampled_from([400, 401, 403, 404, 410, 413, 422])
FINAL_CODES = sorted(c for c, row in error_codes().items() if not row.retryable)

Answer = tuple[int, dict[str, str], bytes]


def _envelope(data: Any, code: Any = 0) -> bytes:
    return json.dumps(
        {"code": code, "message": "SUCCEED", "request_id": "r", "data": data}
    ).encode()


@st.composite
def answers(draw: st.DrawFn, data: st.SearchStrategy[Any]) -> Answer:
    """One HTTP answer: mostly a (mutated) success envelope, sometimes anything at all."""
    shape = draw(st.sampled_from(["ok", "ok", "ok", "code", "cut", "html", "foreign", "kling"]))
    if shape == "ok":
        return 200, {}, _envelope(draw(data))
    if shape == "code":
        return 200, {}, _envelope(draw(data), draw(st.sampled_from(["0", 0.0, "1201", None, "ok"])))
    if shape == "cut":
        body = _envelope(draw(data))
        return 200, {}, body[: draw(st.integers(0, max(0, len(body) - 1)))]
    if shape == "html":
        return draw(ANY_STATUS), {"content-type": "text/html"}, draw(HTML_PAGE)
    if shape == "foreign":
        return draw(ANY_STATUS), {}, json.dumps(draw(FOREIGN_ERRORS)).encode()
    code = draw(st.sampled_from(sorted(error_codes())))
    row = error_codes()[code]
    return row.http, {"retry-after": "1"}, json.dumps({"code": code, "message": "m"}).encode()


@st.composite
def final_answers(draw: st.DrawFn) -> Answer:
    """An answer that must end a wait at once: a final status or Kling code, any body shape."""
    if draw(st.booleans()):
        code = draw(st.sampled_from(FINAL_CODES))
        body = {"code": draw(st.sampled_from([code, str(code)])), "message": "no"}
        return error_codes()[code].http, {}, json.dumps(body).encode()
    page: bytes = draw(HTML_PAGE)
    foreign = json.dumps(draw(FOREIGN_ERRORS)).encode()
    return draw(FINAL_STATUS), {}, page if draw(st.booleans()) else foreign


@st.composite
def unreadable_answers(draw: st.DrawFn) -> Answer:
    """A 2xx answer a wait cannot use: no status, no data, not JSON, not an envelope."""
    task: dict[str, Any] = {
        "task_id": TASK_ID,
        "task_status": draw(st.sampled_from([None, 5, [], {}])),
    }
    if draw(st.booleans()):
        del task["task_status"]
    return draw(
        st.sampled_from(
            [
                (200, {}, _envelope(task)),
                (200, {}, _envelope(None)),
                (200, {}, _envelope([task])),
                (200, {}, b'{"code": 0, "data": {"task_id": "1", "task_st'),
                (200, {"content-type": "text/html"}, b"<html><title>Log in</title></html>"),
                (200, {}, b""),
                (200, {}, json.dumps({"status": "IN_QUEUE", "request_id": "x"}).encode()),
            ]
        )
    )


class Gateway:
    """Serves the answers in order, then the last one again; stops a runaway wait."""

    def __init__(self, replies: list[Answer], budget: int = 400) -> None:
        self.replies, self.budget, self.requests = replies, budget, 0
        self.files: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests > self.budget:
            raise RunawayWaitError(f"still polling after {self.budget} requests")
        if request.url.path.startswith("/files/") or request.url.host == "cdn.example.org":
            return httpx.Response(200, content=b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64)
        status, headers, body = self.replies[min(self.requests - 1, len(self.replies) - 1)]
        return httpx.Response(status, headers=headers, content=body)


def outcome(flavor: str, gateway: Gateway, act: Callable[[Any], Any]) -> tuple[Any, FakeClock]:
    """Run `act(client)` on a fresh client; returns what it returned or the KlingError raised.

    Any other exception propagates, which fails the property."""
    clock = FakeClock()
    transport = httpx.MockTransport(gateway)

    async def go() -> Any:
        cls = Kling if flavor == "sync" else AsyncKling
        client = cls(
            api_key=KEY, transport=transport, clock=clock, base_url="https://gw.example.org/kling"
        )
        try:
            result = act(client)
            return await result if inspect.isawaitable(result) else result
        except KlingError as error:
            return error
        finally:
            closed = client.close()
            if inspect.isawaitable(closed):
                await closed

    return asyncio.run(go()), clock


@FLAVORS
@SETTINGS
@given(answer=answers(mutated_tasks()))
def test_get_returns_a_task_or_raises_a_kling_error(flavor: str, answer: Answer) -> None:
    result, _ = outcome(flavor, Gateway([answer]), lambda c: c.text2video.get(TASK_ID))
    assert isinstance(result, KlingError) or (isinstance(result.task_id, str) and result.task_id)


@FLAVORS
@SETTINGS
@given(answer=answers(st.lists(mutated_tasks(), max_size=5) | JSON_VALUES))
def test_list_returns_a_page_or_raises_a_kling_error(flavor: str, answer: Answer) -> None:
    result, _ = outcome(flavor, Gateway([answer]), lambda c: c.text2video.list())
    if not isinstance(result, KlingError):
        sent = json.loads(answer[2])["data"]
        assert len(result) + len(result.skipped) == len(sent)
        assert all(isinstance(task.task_id, str) for task in result)


@FLAVORS
@SETTINGS
@given(
    replies=st.lists(answers(mutated_tasks()), min_size=1, max_size=6),
    timeout=st.sampled_from([30.0, 120.0, 900.0]),
)
def test_every_wait_ends_by_its_deadline(
    flavor: str, replies: list[Answer], timeout: float
) -> None:
    # A server may ask for a poll every second (Retry-After: 1): the budget allows for that.
    gateway = Gateway(replies, budget=int(timeout) + 10)
    result, clock = outcome(flavor, gateway, lambda c: c.text2video.wait(TASK_ID, timeout=timeout))
    assert clock.monotonic() <= timeout + 1e-6
    if isinstance(result, WaitTimeoutError):
        assert clock.monotonic() == pytest.approx(timeout)
    elif not isinstance(result, KlingError):
        assert result.task_status == "succeed"


@FLAVORS
@SETTINGS
@given(answer=final_answers(), timeout=st.sampled_from([None, 900.0]))
def test_a_non_transient_error_ends_a_wait_at_once(
    flavor: str, answer: Answer, timeout: float | None
) -> None:
    gateway = Gateway([answer])
    result, clock = outcome(flavor, gateway, lambda c: c.text2video.wait(TASK_ID, timeout=timeout))
    assert isinstance(result, KlingError)
    assert classify_poll_error(result) == "final"
    assert (gateway.requests, clock.monotonic()) == (1, 0.0)


@FLAVORS
@SETTINGS
@given(answer=unreadable_answers())
def test_unreadable_answers_end_a_wait_even_without_a_deadline(flavor: str, answer: Answer) -> None:
    gateway = Gateway([answer])
    result, _ = outcome(flavor, gateway, lambda c: c.text2video.wait(TASK_ID, timeout=None))
    assert isinstance(result, UnexpectedResponseError)
    assert gateway.requests == UNREADABLE_LIMIT


@FLAVORS
@SETTINGS
@given(
    task=mutated_tasks(keep_id=True),
    task_id=st.from_regex(r"[0-9]{6,19}", fullmatch=True) | st.integers(1, 2**62),
    code=st.sampled_from([0, "0"]),
)
def test_a_create_answer_holding_a_task_id_always_surfaces_it(
    flavor: str, task: dict[str, Any], task_id: Any, code: Any
) -> None:
    task["task_id"] = task_id
    seen: list[Any] = []
    gateway = Gateway([(200, {}, _envelope(task, code))])
    result, _ = outcome(
        flavor, gateway, lambda c: c.text2video.create(prompt="a fox", on_submitted=seen.append)
    )
    assert not isinstance(result, KlingError), result
    assert result.task_id == str(task_id)
    assert [t.task_id for t in seen] == [str(task_id)]
    assert gateway.requests == 1


@FLAVORS
@SETTINGS
@given(
    replies=st.lists(answers(st.lists(mutated_tasks(), max_size=4)), min_size=1, max_size=4),
)
def test_wait_many_returns_what_it_could_read_or_raises_a_kling_error(
    flavor: str, replies: list[Answer]
) -> None:
    wanted = [("text2video", t["task_id"]) for t in SPEC_TASKS[:3]]
    result, clock = outcome(
        flavor, Gateway(replies), lambda c: c.tasks.wait_many(wanted, timeout=120)
    )
    assert clock.monotonic() <= 120 + 1e-6
    if not isinstance(result, KlingError):
        assert set(result) | {s.task_id for s in result.skipped} == {t for _, t in wanted}


UNSAFE_TEXT = st.sampled_from(
    ["../x", "/tmp/x", "..", ".", "a/../../b", "C:\\x", "~/x", "\x00", "con", "a" * 300, ""]
) | st.text(max_size=20)
URLS = st.sampled_from(
    [
        "https://cdn.example.org/a.mp4",
        "https://cdn.example.org/../../x.png",
        "/files/a.mp4",
        "files/b.png",
        "file:///etc/passwd",
        "",
    ]
) | st.text(max_size=20)
RESULT_ITEM = st.fixed_dictionaries(
    {},
    optional={
        "url": URLS,
        "url_mp3": URLS,
        "index": st.integers(-3, 12) | UNSAFE_TEXT,
        "watermark_url": URLS,
    },
)


@FLAVORS
@SETTINGS
@given(
    task_id=UNSAFE_TEXT | st.integers(),
    result=st.fixed_dictionaries(
        {},
        optional={
            "videos": st.lists(RESULT_ITEM | JSON_VALUES, max_size=3) | JSON_VALUES,
            "images": st.lists(RESULT_ITEM | JSON_VALUES, max_size=3) | JSON_VALUES,
            "audios": st.lists(RESULT_ITEM, max_size=2),
        },
    ),
    status=st.sampled_from(["succeed", "SUCCEED", "failed", "processing", None]),
    watermarked=st.booleans(),
)
def test_no_download_writes_outside_its_destination(
    flavor: str, task_id: Any, result: dict[str, Any], status: Any, watermarked: bool
) -> None:
    task = {"task_id": task_id, "task_status": status, "task_result": result}
    with tempfile.TemporaryDirectory() as root:
        dest = Path(root) / "out"
        written, _ = outcome(
            flavor,
            Gateway([(404, {}, b"")]),
            lambda c: c.download(task, dest, watermarked=watermarked),
        )
        everything = [p for p in Path(root).rglob("*") if p.is_file()]
        assert all(p.parent == dest for p in everything), everything
        if not isinstance(written, KlingError):
            assert written
            assert all(p.parent == dest for p in written)
            assert sorted(everything) == sorted(written)

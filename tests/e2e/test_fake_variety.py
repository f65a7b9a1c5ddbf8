"""The fake's variety: answers in every spelling the client's reader accepts, and only those.

With `variety` on, an answer may look different but must read as the same task: the reader
(`haoee_kling.read._shapes`) sets nothing aside, and what it makes of a varied answer equals what it
makes of the same answer in the spec's one spelling, once the extras variety adds (unknown
fields, `""` and `null` for absent values) are left out.
"""

from __future__ import annotations

from typing import Any

import pytest

from haoee_kling.read._shapes import SetAside, shape_of
from haoee_kling.testing import KINDS, FakeGateway
from tests.e2e.fake_support import CREATE_BY_KIND, JSON, get_path, path_of
from tests.e2e.test_fake_lifecycle import example_body

SEED = 5


def essence(value: Any) -> Any:
    """A read value without what variety may add: unknown fields, `""`, `null`."""
    if isinstance(value, dict):
        return {
            name: essence(item)
            for name, item in value.items()
            if not name.startswith("fake_unknown_") and item not in ("", None)
        }
    if isinstance(value, list):
        return [essence(item) for item in value]
    return value


def read_task(data: Any) -> Any:
    """A get or list item through the reader; fails when anything was set aside."""
    notes: list[SetAside] = []
    value = shape_of("Task", True).read(data, "", notes)
    assert notes == [], notes
    return essence(value)


async def answers(kind: str, variety: int | None) -> list[JSON]:
    """Every answer of one task's life (create, get at three moments, list), envelopes."""
    gateway = FakeGateway(variety=variety)
    seen: list[JSON] = []
    async with gateway.async_client() as client:
        # The chain a body needs (a source video, a face session) is made in one spelling:
        # the raw helpers that make it read the spec's spelling only.
        respelling, gateway.variety = gateway.variety, None
        body = await example_body(kind, gateway, client)
        gateway.variety = respelling
        created = await client.post(path_of(CREATE_BY_KIND[kind]), json=body)
        seen.append(created.json())
        task_id = str(created.json()["data"]["task_id"])
        for _ in range(2):
            seen.append((await client.get(get_path(kind, task_id))).json())
            gateway.advance(20)
        gateway.finish(task_id)
        seen.append((await client.get(get_path(kind, task_id))).json())
        seen.append((await client.get(path_of(CREATE_BY_KIND[kind]))).json())
    return seen


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_varied_answers_read_as_the_same_tasks_with_nothing_set_aside(kind: str) -> None:
    plain, varied = await answers(kind, None), await answers(kind, SEED)
    assert len(plain) == len(varied)
    for one, other in zip(plain, varied, strict=True):
        assert int(other["code"]) == one["code"] == 0
        if isinstance(one["data"], list):
            assert [read_task(t) for t in other["data"]] == [read_task(t) for t in one["data"]]
        else:
            assert read_task(other["data"]) == read_task(one["data"])


async def test_variety_uses_every_spelling_it_promises() -> None:
    """Over a few tasks' lives every kind of variation shows up at least once."""
    seen = [answer for kind in ("text2video", "image_generation") for answer in await answers(
        kind, SEED
    )]  # fmt: skip
    tasks = [t for a in seen for t in (a["data"] if isinstance(a["data"], list) else [a["data"]])]
    statuses = {t["task_status"] for t in tasks}
    assert statuses - {"submitted", "processing", "succeed", "failed"}, statuses
    assert any(isinstance(a["code"], str) for a in seen)
    assert any(k.startswith("fake_unknown_") for a in seen for k in a)
    assert any(k.startswith("fake_unknown_") for t in tasks for k in t)
    assert any(isinstance(t.get(k), str) for t in tasks for k in ("created_at", "updated_at"))
    assert any(isinstance(t.get("task_id"), int) for t in tasks)
    assert any(t.get("watermark_info", 0) is None or t.get("task_status_msg") == "" for t in tasks)


async def test_same_seed_same_answers_and_off_means_the_spec_spelling() -> None:
    def without_ids(found: list[JSON]) -> list[JSON]:
        return [{k: v for k, v in a.items() if k != "request_id"} for a in found]

    first, second = await answers("text2video", SEED), await answers("text2video", SEED)
    assert without_ids(first) == without_ids(second)
    assert without_ids(first) != without_ids(await answers("text2video", SEED + 1))
    plain = await answers("text2video", None)
    assert all(a["code"] == 0 and not any(k.startswith("fake_") for k in a) for a in plain)


async def test_header_names_come_in_other_cases() -> None:
    gateway = FakeGateway(variety=SEED)
    async with gateway.async_client() as client:
        found = [await client.get(path_of("listText2Video")) for _ in range(6)]
    names = {name for answer in found for name, _ in answer.headers.raw}
    assert names - {b"content-type", b"content-length"}, names
    assert all(answer.headers["content-type"] == "application/json" for answer in found)


async def test_errors_vary_too_and_keep_their_code() -> None:
    gateway = FakeGateway(variety=SEED)
    async with gateway.async_client() as client:
        codes = {
            (answer.status_code, int(answer.json()["code"]), type(answer.json()["code"]))
            for answer in [await client.get(get_path("text2video", "nope")) for _ in range(8)]
        }
    assert {(status, code) for status, code, _ in codes} == {(404, 1203)}
    assert {kind for _, _, kind in codes} == {int, str}


def test_the_command_line_takes_a_variety_seed() -> None:
    from haoee_kling.testing.__main__ import _parser

    assert _parser("x").parse_args(["--variety", "3"]).variety == 3
    assert _parser("x").parse_args([]).variety is None

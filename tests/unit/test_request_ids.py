"""Every result carries the `request_id` of the answer it was read from.

Support asks for the trace id; the envelope that held it is gone once a caller has the task, so
each object keeps the id of its own answer (a list page's items share the page's), and an
object the client did not read from an answer says None.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx
import respx

from haoee_kling import AsyncKling, Kling
from haoee_kling._spec import operations
from haoee_kling_api.models import Task
from tests.unit.conftest import TASK_ID, list_answer, run, task_answer

KIND = "/v1/videos/text2video"


def traced(body: dict[str, Any], request_id: str) -> httpx.Response:
    return httpx.Response(200, json={**body, "request_id": request_id})


def numbered(statuses: list[str]) -> Any:
    """Answers to successive gets, each with its own request id: `poll-1`, `poll-2`, ..."""
    counter = itertools.count(1)

    def answer(request: httpx.Request) -> httpx.Response:
        n = next(counter)
        return traced(task_answer(statuses[min(n, len(statuses)) - 1]), f"poll-{n}")

    return answer


async def test_a_get_result_carries_its_answers_request_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get(f"{KIND}/{TASK_ID}").mock(return_value=traced(task_answer("succeed"), "get-1"))
    task = await run(kling.text2video.get(TASK_ID))
    assert task.request_id == "get-1"
    assert "request_id='get-1'" in repr(task)


async def test_a_created_task_carries_the_create_answers_request_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    def created(request: httpx.Request) -> httpx.Response:
        external = json.loads(request.content)["external_task_id"]
        return traced(task_answer(task_info={"external_task_id": external}), "create-1")

    router.post(KIND).mock(side_effect=created)
    task = await run(kling.text2video.create(prompt="a fox", model_name="kling-v2-6"))
    assert task.request_id == "create-1"


async def test_a_wait_result_carries_the_request_id_of_the_poll_that_ended_it(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get(f"{KIND}/{TASK_ID}").mock(side_effect=numbered(["processing", "succeed"]))
    task = await run(kling.text2video.wait(TASK_ID, timeout=600))
    assert task.request_id == "poll-2"


async def test_list_items_and_wait_many_results_carry_their_pages_request_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    page = list_answer(task_answer("succeed", task_id="1"), task_answer("succeed", task_id="2"))
    router.get(KIND).mock(return_value=traced(page, "page-1"))
    listed = await run(kling.text2video.list(page_size=2))
    assert [t.request_id for t in listed] == ["page-1", "page-1"]
    done = await run(kling.tasks.wait_many([("text2video", "1"), ("text2video", "2")]))
    assert {t.request_id for t in done.values()} == {"page-1"}


async def test_an_answer_without_a_request_id_and_a_hand_built_task_say_none(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    body = task_answer("succeed")
    body.pop("request_id", None)
    raw_router.get(f"{KIND}/{TASK_ID}").respond(200, json=body)
    assert (await run(kling.text2video.get(TASK_ID))).request_id is None
    built = Task(task_id="1")
    assert built.request_id is None
    assert "request_id" not in repr(built)
    # Not part of the wire format: never sent, and no reason for two tasks to differ.
    assert "request_id" not in built.to_dict()
    assert Task.from_dict({"task_id": "1"}) == built


async def test_an_identify_face_result_carries_its_request_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    face = operations()["identifyFace"].raw["responses"]["200"]["content"]["application/json"]
    body = face["examples"]["one-face"]["value"]
    router.post("/v1/videos/identify-face").mock(return_value=traced(body, "faces-1"))
    faces = await run(kling.identify_face.create(video_id="842250903629086785"))
    assert faces.request_id == "faces-1"

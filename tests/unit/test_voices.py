"""`kling.custom_voice.delete` (`_voices`): the request it sends and the answer it reads.

Answers come from the spec's own examples and every answer the client received is checked
against the spec (`router`). Both clients run every test (`kling` is parametrised).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import respx

from haoee_kling import (
    AsyncKling,
    InvalidRequestError,
    Kling,
    NotFoundError,
    TaskFailedError,
)
from haoee_kling._spec import operations
from tests.unit.conftest import answer_example, run

PATH = "/v1/general/delete-voices"


def voice_example() -> dict[str, Any]:
    """The spec's request example of the delete (a deep copy)."""
    body = operations()["deleteCustomVoice"].raw["requestBody"]["content"]["application/json"]
    value: dict[str, Any] = copy.deepcopy(body["examples"]["voice"]["value"])
    return value


async def test_delete_posts_the_voice_id_and_reads_the_answer(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    deleted = answer_example("deleteCustomVoice", "deleted")
    route = router.post(PATH).respond(200, json=deleted)
    voice_id = voice_example()["voice_id"]
    result = await run(kling.custom_voice.delete(voice_id))
    assert route.call_count == 1  # answered at once: nothing is polled
    request = route.calls.last.request
    assert (request.method, request.url.path) == ("POST", "/kling" + PATH)
    assert json.loads(request.content) == {"voice_id": voice_id}
    assert request.headers["ModelName"] == "kling-video-v2-6"  # no model: haoee's default SKU
    assert result.task_id == deleted["data"]["task_id"]
    assert str(result.task_status) == "succeed"
    assert result.request_id == deleted["request_id"]


async def test_an_answer_without_task_fields_still_reads(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    """Neither field is required (one transcription shows them): code 0 is the acceptance."""
    answer = answer_example("deleteCustomVoice", "deleted")
    answer["data"] = {"voice_id": "v-1"}
    router.post(PATH).respond(200, json=answer)
    result = await run(kling.custom_voice.delete("v-1"))
    assert not isinstance(result.task_id, str)
    assert result["voice_id"] == "v-1"  # an unknown field stays reachable


async def test_an_unknown_voice_is_not_found_and_not_sent_again(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    refusal = {"code": 1203, "message": "voice not found: v-404", "request_id": "r-404"}
    route = router.post(PATH).respond(404, json=refusal)
    with pytest.raises(NotFoundError) as caught:
        await run(kling.custom_voice.delete("v-404"))
    assert (caught.value.code, caught.value.request_id) == (1203, "r-404")
    assert route.call_count == 1


async def test_a_failed_delete_raises_with_its_task_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    failed = answer_example("deleteCustomVoice", "deleted")
    failed["data"]["task_status"] = "failed"
    router.post(PATH).respond(200, json=failed)
    with pytest.raises(TaskFailedError) as caught:
        await run(kling.custom_voice.delete(voice_example()["voice_id"]))
    assert caught.value.task_id == failed["data"]["task_id"]
    assert caught.value.last_status == "failed"


@pytest.mark.parametrize(
    ("voice_id", "problem"),
    [
        ("", "voice_id: must not be empty"),
        ("v" * 129, "voice_id: must be at most 128 characters (got 129)"),
    ],
)
async def test_a_bad_voice_id_is_refused_before_anything_is_sent(
    kling: Kling | AsyncKling, router: respx.MockRouter, voice_id: str, problem: str
) -> None:
    route = router.post(PATH).respond(200, json=answer_example("deleteCustomVoice", "deleted"))
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.custom_voice.delete(voice_id))
    assert problem in str(caught.value)
    assert route.call_count == 0


async def test_a_server_error_is_retried_because_a_repeat_delete_does_no_harm(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    """Unlike the billed calls answered at once (`tts`: a 500 is raised, not resent), the
    delete is not billed and deleting twice changes nothing: it is retried like a read."""
    internal = {"code": 5000, "message": "internal error", "request_id": "r-500"}
    route = raw_router.post(PATH)
    route.side_effect = [
        respx.MockResponse(500, json=internal),
        respx.MockResponse(200, json=answer_example("deleteCustomVoice", "deleted")),
    ]
    result = await run(kling.custom_voice.delete(voice_example()["voice_id"]))
    assert route.call_count == 2
    assert str(result.task_status) == "succeed"

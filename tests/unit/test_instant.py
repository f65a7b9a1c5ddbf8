"""Calls answered at once (`_instant`): text to speech, image recognize, account costs.

Answers come from the spec's own examples and every answer the client received is checked
against the spec (`router`). Both clients run every test (`kling` is parametrised).
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
from typing import Any

import httpx
import pytest
import respx

from haoee_kling import (
    APIError,
    AsyncKling,
    InvalidRequestError,
    Kling,
    ServerError,
    TaskFailedError,
)
from haoee_kling._spec import operations
from haoee_kling.testing import sample_image_path
from tests.unit.conftest import CANARY_KEY, answer_example, run

Json = dict[str, Any]


def request_example(operation_id: str, name: str) -> Json:
    """A deep copy of the named request example of an operation."""
    body = operations()[operation_id].raw["requestBody"]["content"]["application/json"]
    value: Json = copy.deepcopy(body["examples"][name]["value"])
    return value


async def test_tts_answers_with_the_finished_audio_in_one_request(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    spoken = answer_example("textToSpeech", "spoken")
    route = router.post("/v1/audio/tts").respond(200, json=spoken)
    result = await run(kling.tts.create(**request_example("textToSpeech", "english")))
    assert route.call_count == 1  # nothing is polled: the answer is the result
    sent = json.loads(route.calls.last.request.content)
    assert sent == request_example("textToSpeech", "english")
    assert result.task_id == spoken["data"]["task_id"]
    audio = result.task_result.audios[0]
    assert (audio.id, audio.url, audio.duration) == ("842250903629086902", *_url_and_length())
    assert result.request_id == spoken["request_id"]


def _url_and_length() -> tuple[str, str]:
    audio = answer_example("textToSpeech", "spoken")["data"]["task_result"]["audios"][0]
    return audio["url"], audio["duration"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"text": "x" * 1001}, "text: must be at most 1000 characters (got 1001)"),
        ({"voice_language": "fr"}, "voice_language: must be one of 'zh', 'en' (got 'fr')"),
        ({"voice_speed": 2.5}, "voice_speed: must be at most 2.0 (got 2.5)"),
        ({"voice_speed": 1.25}, "voice_speed allows at most one decimal place"),
        ({"voice_id": None}, "voice_id: is required"),
        ({"voice_speeed": 1.0}, "voice_speeed: is not a field of tts.create"),
    ],
)
async def test_tts_input_is_checked_before_anything_is_sent(
    kling: Kling | AsyncKling, router: respx.MockRouter, fields: Json, problem: str
) -> None:
    route = router.post("/v1/audio/tts").respond(200, json=answer_example("textToSpeech", "spoken"))
    body = {**request_example("textToSpeech", "english"), **fields}
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.tts.create(**body))
    assert problem in str(caught.value)
    assert route.call_count == 0


async def test_a_failed_speech_raises_with_its_task_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    failed = answer_example("textToSpeech", "spoken")
    failed["data"].update(task_status="failed", task_status_msg="voice id not found")
    del failed["data"]["task_result"]
    router.post("/v1/audio/tts").respond(200, json=failed)
    with pytest.raises(TaskFailedError) as caught:
        await run(kling.tts.create(**request_example("textToSpeech", "chinese")))
    assert caught.value.task_id == failed["data"]["task_id"]
    assert caught.value.task_status_msg == "voice id not found"


async def test_a_billed_call_is_not_sent_again_after_an_ambiguous_server_error(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    """A 500 after sending may have billed the speech: it is raised, not retried."""
    route = raw_router.post("/v1/audio/tts").respond(
        500, json={"code": 5000, "message": "internal error", "request_id": "r-1"}
    )
    with pytest.raises(ServerError):
        await run(kling.tts.create(**request_example("textToSpeech", "chinese")))
    assert route.call_count == 1


async def test_image_recognize_sends_a_local_image_as_raw_base64(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.post("/v1/videos/image-recognize").respond(
        200, json=answer_example("recognizeImage", "recognized")
    )
    result = await run(kling.image_recognize.create(image=str(sample_image_path())))
    sent = json.loads(route.calls.last.request.content)
    assert base64.b64decode(sent["image"]) == sample_image_path().read_bytes()
    types = [str(image.type_) for image in result.task_result.images]
    assert types == ["object_seg", "head_seg", "face_seg", "cloth_seg"]
    assert all(image.is_contain for image in result.task_result.images)


async def test_image_recognize_refuses_an_image_that_breaks_the_rules(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.post("/v1/videos/image-recognize").respond(200)
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.image_recognize.create(image="data:image/png;base64,AAAA"))
    assert "image:" in str(caught.value)
    assert route.call_count == 0


async def test_account_costs_sends_times_as_milliseconds_and_reads_the_packs(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    packs = answer_example("getAccountCosts", "packs")
    route = router.get("/account/costs").respond(200, json=packs)
    start = datetime.datetime(2024, 9, 1, tzinfo=datetime.UTC)
    result = await run(
        kling.account.costs(start_time=start, end_time=1727366400000, resource_pack_name="p")
    )
    query = dict(route.calls.last.request.url.params)
    assert query == {
        "start_time": str(int(start.timestamp() * 1000)),
        "end_time": "1727366400000",
        "resource_pack_name": "p",
    }
    [pack] = result.resource_pack_subscribe_infos
    expected = packs["data"]["resource_pack_subscribe_infos"][0]
    assert pack.to_dict() == expected
    assert str(pack.status) == "online"


@pytest.mark.parametrize(
    ("times", "problem"),
    [
        ({"start_time": 2000, "end_time": 1000}, "end_time must not be before start_time"),
        ({"start_time": -1, "end_time": 1000}, "start_time: must be at least 0 (got -1)"),
        ({"start_time": 1.5, "end_time": 1000}, "start_time: must be an integer of Unix ms"),
    ],
)
async def test_account_costs_checks_its_query_before_sending(
    kling: Kling | AsyncKling, router: respx.MockRouter, times: Json, problem: str
) -> None:
    route = router.get("/account/costs").respond(200)
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.account.costs(**times))
    assert problem.replace("Unix ms", "Unix milliseconds") in str(caught.value)
    assert route.call_count == 0


async def test_a_non_zero_inner_code_is_an_api_error(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    """`data` has its own code and msg: a refusal there is not an empty list of packs."""
    answer = answer_example("getAccountCosts", "packs")
    answer["data"] = {
        "code": 1201,
        "msg": "invalid time range",
        "resource_pack_subscribe_infos": [],
    }
    router.get("/account/costs").respond(200, json=answer)
    with pytest.raises(APIError) as caught:
        await run(kling.account.costs(start_time=0, end_time=1))
    assert caught.value.code == 1201
    assert "invalid time range" in str(caught.value)
    assert caught.value.request_id == answer["request_id"]


def test_the_key_never_reaches_a_result_or_an_error() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"code": 1002, "message": "bad key", "request_id": "r"})

    with Kling(api_key=CANARY_KEY, transport=httpx.MockTransport(answer)) as kling:
        with pytest.raises(APIError) as caught:
            kling.account.costs(start_time=0, end_time=1)
        assert CANARY_KEY not in str(caught.value) + repr(caught.value)
        assert CANARY_KEY not in repr(kling.account) + repr(kling.tts)
    assert seen[0].headers["Authorization"] == f"Bearer {CANARY_KEY}"

"""Calls answered at once, sync and async, against the fake gateway: text to speech, image
recognize, the custom-voice delete and the account's resource packs, with their files
downloaded and checked by structure.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from haoee_kling import AsyncKling, InvalidRequestError, Kling, NotFoundError, TaskFailedError
from haoee_kling.testing import FAIL_MARKER, FakeGateway, request_examples
from haoee_kling.testing._clock import FAKE_EPOCH
from tests.e2e.fake_support import assert_media
from tests.unit.conftest import run
from tests.unit.gateway_clients import make_client

DAY_MS = 86_400_000


@pytest.fixture
def gateway(variety: int | None) -> FakeGateway:
    """A fresh fake gateway with a fake clock."""
    return FakeGateway(variety=variety)


@pytest.fixture(params=["sync", "async"])
async def kling(
    request: pytest.FixtureRequest, gateway: FakeGateway
) -> AsyncIterator[Kling | AsyncKling]:
    """A client of each flavor on the gateway."""
    client = make_client(str(request.param), gateway)
    yield client
    await run(client.close())


def example(operation_id: str) -> dict[str, Any]:
    return dict(next(iter(request_examples(operation_id).values())))


async def test_speech_comes_back_in_the_answer_as_a_real_mp3(
    kling: Kling | AsyncKling, gateway: FakeGateway, tmp_path: Path
) -> None:
    before = len(gateway.tasks())
    result = await run(kling.tts.create(**example("textToSpeech")))
    assert str(result.task_status) == "succeed"
    assert len(gateway.tasks()) == before  # nothing to poll: no task was left running
    [audio] = result.task_result.audios
    assert float(audio.duration) > 0
    [path] = await run(kling.download(result, tmp_path))
    assert path.suffix == ".mp3"
    assert_media(path.read_bytes(), "mp3")


async def test_a_failed_speech_raises_with_its_id_and_reason(kling: Kling | AsyncKling) -> None:
    body = {**example("textToSpeech"), "text": f"{FAIL_MARKER} hello"}
    with pytest.raises(TaskFailedError) as caught:
        await run(kling.tts.create(**body))
    assert caught.value.task_id
    assert "content-safety" in str(caught.value.task_status_msg)


async def test_image_recognize_gives_one_real_png_mask_per_type(
    kling: Kling | AsyncKling, tmp_path: Path
) -> None:
    result = await run(kling.image_recognize.create(**example("recognizeImage")))
    types = [str(image.type_) for image in result.task_result.images]
    assert types == ["object_seg", "head_seg", "face_seg", "cloth_seg"]
    paths = await run(kling.download(result, tmp_path))
    assert sorted(p.name for p in paths) == sorted(f"result-{t}.png" for t in types)
    for path in paths:
        assert_media(path.read_bytes(), "png")


async def test_account_costs_lists_the_packs_valid_in_the_period(
    kling: Kling | AsyncKling,
) -> None:
    now = round(FAKE_EPOCH * 1000)
    current = await run(kling.account.costs(start_time=now - DAY_MS, end_time=now))
    names = [pack.resource_pack_name for pack in current.resource_pack_subscribe_infos]
    assert len(names) == 2
    for pack in current.resource_pack_subscribe_infos:
        assert pack.effective_time <= now <= pack.invalid_time
        assert 0 <= pack.remaining_quantity <= pack.total_quantity
    one = await run(
        kling.account.costs(start_time=now - DAY_MS, end_time=now, resource_pack_name=names[1])
    )
    assert [p.resource_pack_name for p in one.resource_pack_subscribe_infos] == [names[1]]
    # Ten years back, no pack was valid yet: an empty list, not an error.
    old = datetime.datetime.fromtimestamp(FAKE_EPOCH, tz=datetime.UTC) - datetime.timedelta(
        days=3650
    )
    empty = await run(kling.account.costs(start_time=old, end_time=old))
    assert empty.resource_pack_subscribe_infos == []


async def test_the_fake_refuses_what_the_client_refuses(
    kling: Kling | AsyncKling, gateway: FakeGateway
) -> None:
    """An end before the start: the client refuses it unsent, and the fake (same rules) with
    400 1201, for callers that do not use this client."""
    with pytest.raises(InvalidRequestError, match="end_time must not be before start_time"):
        await run(kling.account.costs(start_time=2, end_time=1))
    async with gateway.async_client() as raw:
        answer = await raw.get("/account/costs", params={"start_time": 2, "end_time": 1})
    assert (answer.status_code, answer.json()["code"]) == (400, 1201)


async def _finished_voice(kling: Kling | AsyncKling, gateway: FakeGateway) -> tuple[str, str]:
    """A custom-voice task of the fake, finished: (its task id, the voice id it made)."""
    task = await run(kling.custom_voice.create(**example("createCustomVoice")))
    gateway.finish(task.task_id)
    done = await run(kling.custom_voice.get(task.task_id))
    [voice] = done.task_result.voices
    return task.task_id, voice.voice_id


async def test_a_deleted_voice_is_gone_for_a_second_delete_and_its_task_stays(
    kling: Kling | AsyncKling, gateway: FakeGateway
) -> None:
    task_id, voice_id = await _finished_voice(kling, gateway)
    deleted = await run(kling.custom_voice.delete(voice_id))
    assert str(deleted.task_status) == "succeed"
    assert deleted.task_id not in (task_id, voice_id)  # the delete's own task id
    # A second delete finds no such voice: the first one took effect.
    with pytest.raises(NotFoundError) as caught:
        await run(kling.custom_voice.delete(voice_id))
    assert caught.value.code == 1203
    # The source says nothing about reading a deleted voice back: the fake keeps the task and
    # its voice as they were (openapi/README.md, decision 37).
    again = await run(kling.custom_voice.get(task_id))
    assert [v.voice_id for v in again.task_result.voices] == [voice_id]
    page = await run(kling.custom_voice.list())
    assert [t.task_id for t in page] == [task_id]


async def test_only_a_finished_voice_of_this_key_can_be_deleted(
    kling: Kling | AsyncKling, gateway: FakeGateway
) -> None:
    """An id the key has no voice under is 404 1203: unknown, a preset (the TTS example's),
    or a voice whose task has not finished yet."""
    running = await run(kling.custom_voice.create(**example("createCustomVoice")))
    unfinished = gateway.store.get(running.task_id)
    assert unfinished is not None
    for voice_id in ("829836802793406700", "genshin_vindi2", unfinished.voices[0]["voice_id"]):
        with pytest.raises(NotFoundError, match="voice not found") as caught:
            await run(kling.custom_voice.delete(voice_id))
        assert caught.value.code == 1203

"""Every task kind of the fake gateway runs submitted -> processing -> succeed with real media.

Bodies are the spec's own request examples; ids in them (source videos, lip-sync sessions) are
replaced by ones the fake produced first, as a real chain would. Results are downloaded without
an Authorization header and checked by magic bytes and structure.
"""

from __future__ import annotations

import re

import httpx
import pytest

from haoee_kling._spec import operations
from haoee_kling.testing import KINDS, FakeGateway, GatewayConfig, request_examples
from haoee_kling.testing._handlers import handler_for
from haoee_kling.testing._lifecycle import DurationProfile, plan_timeline
from tests.e2e.fake_support import (
    CREATE_BY_KIND,
    JSON,
    assert_media,
    create,
    finished_video,
    path_of,
    read,
)

pytest_plugins = ["haoee_kling.testing.pytest_plugin"]

EXAMPLE = {"lip_sync": "text", "omni_video": "text"}
"""Which named example to use where an operation has several (default: the first)."""


async def example_body(kind: str, gateway: FakeGateway, client: httpx.AsyncClient) -> JSON:
    """The spec's example for the kind's create, with real source ids swapped in."""
    examples = request_examples(CREATE_BY_KIND[kind])
    body = examples[EXAMPLE.get(kind, next(iter(examples)))]
    if kind in ("video_extend", "video_to_audio"):
        body["video_id"] = (await finished_video(gateway, client))["id"]
    if kind == "lip_sync":
        body["input"] = {**body["input"], "video_id": (await finished_video(gateway, client))["id"]}
    if kind == "advanced_lip_sync":
        video = await finished_video(gateway, client)
        faces = await client.post("/v1/videos/identify-face", json={"video_id": video["id"]})
        session = faces.json()["data"]
        body["session_id"] = session["session_id"]
        body["face_choose"] = [
            body["face_choose"][0] | {"face_id": session["face_data"][0]["face_id"]}
        ]
    return body


def result_files(result: JSON) -> list[tuple[str, str]]:
    """(url, extension) of every file a task result links to."""
    files = [(v["url"], "mp4") for v in result.get("videos", [])]
    files += [(i["url"], "png") for i in result.get("images", [])]
    for audio in result.get("audios", []):
        files += [(audio["url_mp3"], "mp3"), (audio["url_wav"], "wav")]
    for element in result.get("elements", []):
        images = element.get("element_image_list", {})
        files += [(images["frontal_image"], "png")] if images else []
        files += [(item["image_url"], "png") for item in images.get("refer_images", [])]
    files += [(voice["trial_url"], "mp3") for voice in result.get("voices", [])]
    return files


EXPECTED_LISTS = {
    "video": {"videos"},
    "image": {"images"},
    "audio": {"audios"},
    "dubbed": {"videos", "audios"},
    "element": {"elements"},
    "voice": {"voices"},
}


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_each_kind_runs_to_succeed_with_real_media(
    kind: str, fake_gateway: FakeGateway
) -> None:
    async with fake_gateway.async_client() as client:
        body = await example_body(kind, fake_gateway, client)
        created = await create(client, kind, body, ModelName="kling-video-v2-6")
        task_id = created["task_id"]
        assert re.fullmatch(r"\d{18}", task_id)
        assert created["task_status"] == "submitted"
        assert created["task_info"]["external_task_id"] == body.get("external_task_id")

        first = await read(client, kind, task_id)
        assert first["task_status"] == "submitted"
        assert "task_result" not in first

        fake_gateway.advance(fake_gateway.profile(kind).queue[1])
        running = await read(client, kind, task_id)
        assert running["task_status"] == "processing"
        assert running["updated_at"] > running["created_at"]

        assert fake_gateway.finish(task_id) == "succeed"
        done = await read(client, kind, task_id)
        assert done["task_status"] == "succeed"
        assert done["task_status_msg"] == ""
        assert set(done["task_result"]) == EXPECTED_LISTS[KINDS[kind].result]

        page = await client.get(path_of(CREATE_BY_KIND[kind]))
        assert next(t["task_id"] for t in page.json()["data"]) == task_id

    files = result_files(done["task_result"])
    assert files
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake_gateway.app)) as anonymous:
        for url, extension in files:
            response = await anonymous.get(url)
            assert response.status_code == 200, url
            assert_media(response.content, extension)
    assert fake_gateway.task(task_id).model_header == "kling-video-v2-6"


def test_every_spec_kind_has_a_profile_and_every_operation_a_handler() -> None:
    kinds = {op.kind for op in operations().values() if op.kind is not None}
    assert kinds == set(KINDS)
    for op in operations().values():
        assert callable(handler_for(op))


def test_durations_are_realistic_and_deterministic() -> None:
    def runs(kind: str, seed: int) -> list[float]:
        profile = KINDS[kind].profile
        timelines = [plan_timeline(profile, 0.0, seed, str(i), "succeed") for i in range(200)]
        return [t.finished - t.started for t in timelines]

    video, image = runs("text2video", 7), runs("multi_image2image", 7)
    assert runs("text2video", 7) == video
    assert runs("text2video", 8) != video
    assert min(video) >= 60
    assert max(video) <= 300
    assert 90 < sorted(video)[100] < 160
    assert min(image) >= 10
    assert max(image) <= 40
    queues = [plan_timeline(KINDS[k].profile, 0, 1, "x", "succeed").started for k in KINDS]
    assert all(0 < q <= 8 for q in queues)


async def test_profiles_are_configurable_per_kind() -> None:
    quick = DurationProfile(queue=(1.0, 1.0), median=2.0, sigma=0.0, low=2.0, high=2.0)
    gateway = FakeGateway(GatewayConfig(profiles={"text2video": quick}))
    async with gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": "quick"})
        gateway.advance(2.5)
        assert (await read(client, "text2video", task["task_id"]))["task_status"] == "processing"
        gateway.advance(0.5)
        assert (await read(client, "text2video", task["task_id"]))["task_status"] == "succeed"
    with pytest.raises(ValueError, match="unknown task kinds"):
        GatewayConfig(profiles={"nope": quick})

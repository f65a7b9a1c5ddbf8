"""Tasks that build on earlier results: extend, dub and lip-sync a fake video; reuse elements."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from haoee_kling.testing import FakeGateway, request_examples
from tests.e2e.fake_support import JSON, anonymous, create, error_of, finished_video, read

pytest_plugins = ["haoee_kling.testing.pytest_plugin"]


async def test_extend_a_generated_video_sets_parent_video(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        source = await finished_video(fake_gateway, client)
        task = await create(client, "video_extend", {"video_id": source["id"], "prompt": "more"})
        fake_gateway.finish(task["task_id"])
        done = await read(client, "video_extend", task["task_id"])
        parent = done["task_info"]["parent_video"]
        assert parent == {"id": source["id"], "url": source["url"], "duration": source["duration"]}
        extended = done["task_result"]["videos"][0]
        assert extended["id"] != source["id"]
        assert float(extended["duration"]) > float(source["duration"])
        # an extension can be extended again
        again = await create(client, "video_extend", {"video_id": extended["id"]})
        assert again["task_status"] == "submitted"


def _lip_sync(video_id: str) -> JSON:
    return {"input": {"video_id": video_id, "mode": "text2video", "text": "hi", "voice_id": "v"}}


SOURCES: dict[str, Callable[[str], JSON]] = {
    "/v1/videos/video-extend": lambda video_id: {"video_id": video_id},
    "/v1/audio/video-to-audio": lambda video_id: {"video_id": video_id},
    "/v1/videos/identify-face": lambda video_id: {"video_id": video_id},
    "/v1/videos/lip-sync": _lip_sync,
}
"""Operations that take a Kling video id -> a body naming a given video."""


@pytest.mark.parametrize("path", sorted(SOURCES))
async def test_unknown_or_unfinished_videos_are_404_1203(
    fake_gateway: FakeGateway, path: str
) -> None:
    filled = SOURCES[path]
    async with fake_gateway.async_client() as client:
        unknown = await client.post(path, json=filled("842250903629086790"))
        assert error_of(unknown) == (404, 1203)
        assert "video not found" in unknown.json()["message"]
        running = await create(client, "text2video", {"prompt": "not yet"})
        fake_gateway.advance(30)  # processing: its video does not exist yet
        assert fake_gateway.status(running["task_id"]) == "processing"
        pending_video = fake_gateway.task(running["task_id"]).videos[0].id
        assert error_of(await client.post(path, json=filled(pending_video))) == (404, 1203)
        fake_gateway.finish(running["task_id"])
        assert (await client.post(path, json=filled(pending_video))).status_code == 200


async def test_identify_face_then_advanced_lip_sync(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        video = await finished_video(fake_gateway, client)
        identified = await client.post("/v1/videos/identify-face", json={"video_id": video["id"]})
        session = identified.json()["data"]
        face = session["face_data"][0]
        assert face["end_time"] == round(float(video["duration"]) * 1000)
        async with anonymous(fake_gateway) as files:
            assert (await files.get(face["face_image"])).status_code == 200

        body = request_examples("createAdvancedLipSync")["one-face"]
        body |= {"session_id": session["session_id"]}
        body["face_choose"] = [body["face_choose"][0] | {"face_id": face["face_id"]}]
        task = await create(client, "advanced_lip_sync", body)
        fake_gateway.finish(task["task_id"])
        done = await read(client, "advanced_lip_sync", task["task_id"])
        assert done["task_info"]["parent_video"]["id"] == video["id"]

        unknown = body | {"session_id": "123", "external_task_id": "other"}
        response = await client.post("/v1/videos/advanced-lip-sync", json=unknown)
        assert error_of(response) == (404, 1203)
        wrong_face = body | {"external_task_id": "third"}
        wrong_face["face_choose"] = [body["face_choose"][0] | {"face_id": "9"}]
        response = await client.post("/v1/videos/advanced-lip-sync", json=wrong_face)
        assert error_of(response) == (400, 1201)
        assert "face_choose[0].face_id" in response.json()["message"]
        fake_gateway.advance(fake_gateway.config.session_ttl)
        expired = body | {"external_task_id": "fourth"}
        assert error_of(await client.post("/v1/videos/advanced-lip-sync", json=expired)) == (
            404,
            1203,
        )


async def test_identify_face_by_url_and_lip_sync_by_url(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        url = "https://cdn.example.org/inputs/talk.mp4"
        faces = await client.post("/v1/videos/identify-face", json={"video_url": url})
        assert faces.status_code == 200
        task = await create(client, "lip_sync", request_examples("createLipSync")["audio"])
        fake_gateway.finish(task["task_id"])
        done = await read(client, "lip_sync", task["task_id"])
        assert done["task_info"]["parent_video"]["url"] == url


async def test_elements_made_here_or_preset_are_usable_in_element_list(
    fake_gateway: FakeGateway,
) -> None:
    omni = {"prompt": "<<<element_1>>> waves", "aspect_ratio": "16:9"}
    async with fake_gateway.async_client() as client:
        missing = await client.post(
            "/v1/videos/omni-video", json=omni | {"element_list": [{"element_id": 5}]}
        )
        assert error_of(missing) == (404, 1203)

        body = request_examples("createAdvancedCustomElement")["images"]
        task = await create(client, "advanced_custom_element", body)
        fake_gateway.finish(task["task_id"])
        element = (await read(client, "advanced_custom_element", task["task_id"]))["task_result"][
            "elements"
        ][0]
        assert isinstance(element["element_id"], int)
        assert element["element_id"] > 2**32
        assert element["tag_list"] == [
            {"id": "o_102", "name": "Character", "description": "Character elements"}
        ]
        used = omni | {"element_list": [{"element_id": element["element_id"]}]}
        await create(client, "omni_video", used)

        legacy = request_examples("createCustomElement")["robot"]
        made = (await client.post("/v1/general/custom-elements", json=legacy)).json()["data"]
        listed = (await client.get("/v1/general/custom-elements")).json()["data"]
        assert [e["element_id"] for e in listed] == [made["element_id"]]
        async with anonymous(fake_gateway) as files:
            assert (await files.get(made["element_frontal_image"])).status_code == 200

        presets = (await client.get("/v1/general/presets-elements")).json()["data"]
        assert presets
        assert all(p["owned_by"] == "kling" for p in presets)
        advanced = (await client.get("/v1/general/advanced-presets-elements")).json()["data"]
        assert advanced[0]["task_result"]["elements"][0]["element_id"] == presets[0]["element_id"]
        preset_ids = [{"element_id": p["element_id"]} for p in presets]
        both = omni | {"element_list": [{"element_id": made["element_id"]}, *preset_ids]}
        await create(client, "omni_video", both)
        async with anonymous(fake_gateway) as files:
            assert (await files.get(presets[0]["element_frontal_image"])).status_code == 200

"""The fake gateway's API behaviour as an HTTP client sees it (in-process, httpx).

Auth, routing (405 with Allow, 404), validation from the spec, unknown models, external task
ids, per-key isolation, concurrency limits, paging, failure markers and the ModelName header.
"""

from __future__ import annotations

import httpx
import pytest

from haoee_kling.testing import (
    FAIL_MARKER,
    REJECT_MARKER,
    FakeGateway,
    GatewayConfig,
    request_examples,
)
from tests.e2e.fake_support import create, error_of, get_path, read

pytest_plugins = ["haoee_kling.testing.pytest_plugin"]

T2V = "/v1/videos/text2video"


async def test_auth_missing_and_unknown_keys_are_401_with_their_codes(
    fake_gateway: FakeGateway,
) -> None:
    async with fake_gateway.async_client(headers={}) as client:
        assert error_of(await client.get(T2V)) == (401, 1001)
        assert error_of(await client.get(T2V, headers={"Authorization": "Bearer nope"})) == (
            401,
            1002,
        )
        assert error_of(await client.get(T2V, headers={"Authorization": "Basic fake"})) == (
            401,
            1002,
        )
        ok = await client.get(T2V, headers=fake_gateway.client_headers())
        assert ok.status_code == 200
        assert ok.json()["code"] == 0


async def test_a_field_the_operation_does_not_have_is_ignored_not_a_server_error() -> None:
    """`n` (how many images) is a field of the image creates only: sent to a video create, in
    a shape no schema of that operation states, it is ignored as Kling ignores unknown fields
    (schemathesis's stateful run found the fake answering 500 to this very body). Where it is
    a field, it still counts: 3 images do not fit 2 units of image concurrency."""
    gateway = FakeGateway(concurrency={"video": 1, "image": 2})
    async with gateway.async_client() as client:
        body = {"n": [None], "image_list": [{"image": "https://cdn.example.org/a.png"}]}
        task = await create(client, "multi_image2video", {**body, "prompt": "0"})
        assert task["task_status"] == "submitted"
        images = {"prompt": "0", "n": 3}
        response = await client.post("/v1/images/generations", json=images)
        assert error_of(response) == (429, 1303)


async def test_several_keys_are_accepted_and_see_only_their_own_tasks() -> None:
    gateway = FakeGateway(GatewayConfig(keys=("key-a", "key-b")))
    async with gateway.async_client() as client_a:
        task = await create(client_a, "text2video", {"prompt": "mine", "external_task_id": "e-1"})
    async with gateway.async_client(headers=gateway.client_headers("key-b")) as client_b:
        assert error_of(await client_b.get(get_path("text2video", task["task_id"]))) == (404, 1203)
        assert (await client_b.get(T2V)).json()["data"] == []
        # external ids are unique per account, not across accounts
        await create(client_b, "text2video", {"prompt": "theirs", "external_task_id": "e-1"})


async def test_a_key_cannot_delete_another_keys_voice() -> None:
    """Voices are per account like tasks: key-b's delete of key-a's voice is 404 1203, and
    key-a can still delete it afterwards."""
    gateway = FakeGateway(GatewayConfig(keys=("key-a", "key-b")))
    async with gateway.async_client() as client_a:
        body = {"voice_name": "Anna", "voice_url": "https://cdn.example.org/anna.mp3"}
        task = await create(client_a, "custom_voice", body)
        gateway.finish(task["task_id"])
        voice_id = (await read(client_a, "custom_voice", task["task_id"]))["task_result"]["voices"][
            0
        ]["voice_id"]
        async with gateway.async_client(headers=gateway.client_headers("key-b")) as client_b:
            theirs = await client_b.post("/v1/general/delete-voices", json={"voice_id": voice_id})
        assert error_of(theirs) == (404, 1203)
        mine = await client_a.post("/v1/general/delete-voices", json={"voice_id": voice_id})
        assert (mine.status_code, mine.json()["data"]["task_status"]) == (200, "succeed")


async def test_undeclared_method_is_405_with_the_spec_methods_in_allow(
    fake_gateway: FakeGateway,
) -> None:
    async with fake_gateway.async_client() as client:
        response = await client.delete(T2V)
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, POST"
        assert response.json()["code"] == 1202
        single = await client.post(get_path("text2video", "123"))
        assert single.status_code == 405
        assert single.headers["Allow"] == "GET"


async def test_unknown_routes_and_tasks_are_404_1203(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        assert error_of(await client.get("/v1/videos/nope")) == (404, 1203)
        assert error_of(await client.get(get_path("text2video", "842250903629086785"))) == (
            404,
            1203,
        )
        # the routes live only under the prefix
        outside = await client.get("http://fake-haoee.test" + T2V)
        assert error_of(outside) == (404, 1203)


async def test_invalid_requests_are_400_naming_field_and_rule(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        too_long = await client.post(T2V, json={"prompt": "x" * 2501})
        assert error_of(too_long) == (400, 1201)
        assert too_long.json()["message"] == "prompt: must be at most 2500 characters (got 2501)"
        rule = await client.post("/v1/videos/image2video", json={"prompt": "no frame"})
        assert error_of(rule) == (400, 1201)
        assert "image or image_tail" in rule.json()["message"]
        page = await client.get(T2V, params={"pageSize": 501})
        assert error_of(page) == (400, 1201)
        assert "pageSize" in page.json()["message"]
        header = await client.get(T2V, headers={"ModelName": "no spaces"})
        assert error_of(header) == (400, 1201)
        assert "ModelName" in header.json()["message"]


@pytest.mark.parametrize("raw", [b"", b"{", b"[1, 2]", b'"text"', b'{"prompt": NaN}'])
async def test_unreadable_or_non_object_bodies_are_400_1200(
    fake_gateway: FakeGateway, raw: bytes
) -> None:
    async with fake_gateway.async_client() as client:
        response = await client.post(T2V, content=raw, headers={"Content-Type": "application/json"})
        assert error_of(response) == (400, 1200)


async def test_unknown_model_is_404_1203_but_known_ones_pass(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        unknown = await client.post(T2V, json={"prompt": "a", "model_name": "kling-v9"})
        assert error_of(unknown) == (404, 1203)
        assert unknown.json()["message"] == "model not found: kling-v9"
        nested = await client.post(
            "/v1/videos/effects",
            json={"effect_scene": "hug", "input": {"images": ["a", "b"], "model_name": "kling-v0"}},
        )
        assert error_of(nested) == (404, 1203)
        await create(client, "text2video", {"prompt": "a", "model_name": "kling-v2-6"})


async def test_an_unknown_element_list_field_is_ignored_like_any_unknown_field(
    fake_gateway: FakeGateway,
) -> None:
    """Found by schemathesis: a create without `element_list` in its schema took a null one."""
    voice = {"voice_name": "Anna", "voice_url": "https://cdn.example.org/a.mp3"}
    async with fake_gateway.async_client() as client:
        for extra in (None, [1], [{"element_id": 5}]):
            await create(client, "custom_voice", voice | {"element_list": extra})
        unknown = await client.post(
            "/v1/videos/image2video",
            json={
                "image": "https://x.org/a.png",
                "model_name": "kling-v3",
                "element_list": [{"element_id": 5}],
            },
        )
        assert error_of(unknown) == (404, 1203)


async def test_external_task_id_is_unique_and_works_as_task_id(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        body = request_examples("createText2Video")["simple"]
        task = await create(client, "text2video", body)
        duplicate = await client.post(T2V, json=body)
        assert error_of(duplicate) == (400, 1201)
        assert "external_task_id" in duplicate.json()["message"]
        assert "already exists" in duplicate.json()["message"]
        by_external = await read(client, "text2video", body["external_task_id"])
        assert by_external["task_id"] == task["task_id"]
        assert by_external["task_info"]["external_task_id"] == body["external_task_id"]
        # another kind does not find it
        other = await client.get(get_path("image2video", body["external_task_id"]))
        assert error_of(other) == (404, 1203)
    assert len(fake_gateway.tasks()) == 1


async def test_concurrency_limit_is_429_1303_until_tasks_finish() -> None:
    gateway = FakeGateway(concurrency={"video": 2, "image": 3})
    async with gateway.async_client() as client:
        first = await create(client, "text2video", {"prompt": "1"})
        await create(client, "image2video", {"image": "https://x.test/a.png"})
        over = await client.post(T2V, json={"prompt": "3"})
        assert error_of(over) == (429, 1303)
        assert over.headers["Retry-After"] == "1"
        # images cost n, in their own pool
        expand = request_examples("createImageExpand")["widen"]
        assert error_of(await client.post("/v1/images/editing/expand", json=expand | {"n": 4})) == (
            429,
            1303,
        )
        await create(client, "image_expand", expand | {"n": 3})
        # lists and gets are free; a finished task frees its slot
        assert (await client.get(T2V)).status_code == 200
        gateway.finish(first["task_id"])
        await create(client, "text2video", {"prompt": "3"})
    assert len(gateway.tasks()) == 4


async def test_lists_page_newest_first() -> None:
    gateway = FakeGateway(concurrency={})
    async with gateway.async_client() as client:
        ids = []
        for index in range(7):
            ids.append((await create(client, "text2video", {"prompt": f"p{index}"}))["task_id"])
            gateway.advance(1)
        newest_first = ids[::-1]

        async def page(num: int, size: int) -> list[str]:
            response = await client.get(T2V, params={"pageNum": num, "pageSize": size})
            return [task["task_id"] for task in response.json()["data"]]

        assert await page(1, 3) == newest_first[:3]
        assert await page(2, 3) == newest_first[3:6]
        assert await page(3, 3) == newest_first[6:]
        assert await page(4, 3) == []
        assert [t["task_id"] for t in (await client.get(T2V)).json()["data"]] == newest_first
        assert (await client.get("/v1/videos/image2video")).json()["data"] == []


async def test_fail_marker_ends_failed_with_a_content_policy_message(
    fake_gateway: FakeGateway,
) -> None:
    async with fake_gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": f"a fox {FAIL_MARKER}"})
        assert fake_gateway.finish(task["task_id"]) == "failed"
        data = await read(client, "text2video", task["task_id"])
        assert data["task_status"] == "failed"
        assert "content-safety" in data["task_status_msg"]
        assert data["task_result"] is None


async def test_reject_marker_refuses_the_create_with_1301(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        response = await client.post(T2V, json={"prompt": f"a fox {REJECT_MARKER}"})
        assert error_of(response) == (400, 1301)
    assert fake_gateway.tasks() == []


async def test_failure_rate_fails_a_deterministic_share_of_tasks() -> None:
    async def outcomes(seed: int) -> list[str]:
        gateway = FakeGateway(failure_rate=0.5, seed=seed, concurrency={})
        async with gateway.async_client() as client:
            for index in range(20):
                await create(client, "text2video", {"prompt": f"p{index}"})
        return [task.timeline.outcome for task in gateway.tasks()]

    first = await outcomes(3)
    assert first == await outcomes(3)
    assert 3 < first.count("failed") < 17


async def test_model_name_header_is_recorded_per_task(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": "a"}, ModelName="kling-v2-6")
    assert fake_gateway.task(task["task_id"]).model_header == "kling-v2-6"


@pytest.mark.parametrize(("method", "path"), [("POST", T2V), ("GET", T2V), ("GET", f"{T2V}/1")])
async def test_a_call_without_model_name_is_refused_400_1201_naming_the_header(
    fake_gateway: FakeGateway, method: str, path: str
) -> None:
    """haoee routes and bills creates, gets and lists by `ModelName` (openapi/README.md,
    "ModelName"): without it nothing is created, read or listed."""
    async with fake_gateway.async_client(model_name=None) as client:
        response = await client.request(method, path, json={"prompt": "a"})
    assert error_of(response) == (400, 1201)
    assert response.json()["message"].startswith("ModelName: header is required")
    assert fake_gateway.tasks() == []


async def test_every_answer_has_a_fresh_request_id(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        answers = [await client.get(T2V), await client.get(T2V), await client.get("/v1/nope")]
    ids = {response.json()["request_id"] for response in answers}
    assert len(ids) == 3


async def test_the_spec_is_served_for_tools(fake_gateway: FakeGateway) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake_gateway.app), base_url="http://fake"
    ) as client:
        spec = (await client.get("/openapi.json")).json()
        assert spec["servers"][0]["url"] == "/kling"
        assert len([m for item in spec["paths"].values() for m in item]) == 66  # 44 + 22 official
        text = (await client.get("/openapi.yaml")).text
        assert text.startswith("openapi: 3.1.0")


def test_sync_test_client_works_too(fake_gateway: FakeGateway) -> None:
    with fake_gateway.test_client() as client:
        created = client.post(T2V, json={"prompt": "sync"}).json()["data"]
        assert client.get(get_path("text2video", created["task_id"])).json()["code"] == 0

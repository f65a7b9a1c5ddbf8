"""The media the fake gateway serves: real, small files, public once their task succeeded."""

from __future__ import annotations

from importlib import resources

import httpx
import pytest

from haoee_kling.testing import FakeGateway, sample_image_path
from haoee_kling.testing._media import MEDIA_TYPES
from tests.e2e.fake_support import assert_media, create, read

pytest_plugins = ["haoee_kling.testing.pytest_plugin"]


@pytest.mark.parametrize("extension", sorted(MEDIA_TYPES))
def test_packaged_media_are_small_valid_files(extension: str) -> None:
    filename = MEDIA_TYPES[extension][0]
    data = resources.files("haoee_kling.testing").joinpath("media", filename).read_bytes()
    assert len(data) < 50 * 1024
    assert_media(data, extension)


def test_sample_image_is_the_packaged_png() -> None:
    path = sample_image_path()
    assert path.is_file()
    assert_media(path.read_bytes(), "png")


async def test_media_need_no_key_and_exist_only_once_the_task_succeeded(
    fake_gateway: FakeGateway,
) -> None:
    async with fake_gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": "a"})
    video = fake_gateway.task(task["task_id"]).videos[0]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake_gateway.app), base_url="http://cdn.test"
    ) as anonymous:
        url = f"/media/{video.id}.mp4"
        assert (await anonymous.get(url)).status_code == 404
        fake_gateway.finish(task["task_id"])
        response = await anonymous.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "video/mp4"
        assert int(response.headers["content-length"]) == len(response.content)
        assert (await anonymous.get("/media/842250903629086700.mp4")).status_code == 404
        assert (await anonymous.get(f"/media/{video.id}.exe")).status_code == 404


async def test_media_refuse_a_request_that_carries_authorization_like_signed_storage(
    fake_gateway: FakeGateway,
) -> None:
    """S3's answer to a second auth mechanism: 400 `InvalidArgument`, in XML, without the
    header's value (a key sent there must not come back)."""
    async with fake_gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": "a"})
        fake_gateway.finish(task["task_id"])
        done = await read(client, "text2video", task["task_id"])
        url = done["task_result"]["videos"][0]["url"]
        refused = await client.get(url)  # the API client: it carries the key
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/xml")
    assert "<Code>InvalidArgument</Code>" in refused.text
    assert "Only one auth mechanism allowed" in refused.text
    assert fake_gateway.key not in refused.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake_gateway.app), base_url="http://cdn.test"
    ) as anonymous:
        assert (await anonymous.get(url)).status_code == 200
        empty = await anonymous.get(url, headers={"Authorization": ""})
        assert empty.status_code == 400  # the header's presence is the second mechanism


async def test_media_are_gone_30_days_after_their_task_succeeded(
    fake_gateway: FakeGateway,
) -> None:
    async with fake_gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": "a"})
    fake_gateway.finish(task["task_id"])
    url = f"/media/{fake_gateway.task(task['task_id']).videos[0].id}.mp4"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake_gateway.app), base_url="http://cdn.test"
    ) as anonymous:
        fake_gateway.advance(30 * 24 * 3600)
        assert (await anonymous.get(url)).status_code == 200
        fake_gateway.advance(1)
        assert (await anonymous.get(url)).status_code == 404

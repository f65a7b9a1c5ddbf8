"""The media the fake gateway serves: real, small files, public once their task succeeded."""

from __future__ import annotations

from importlib import resources

import httpx
import pytest

from haoee_kling.testing import FakeGateway, sample_image_path
from haoee_kling.testing._media import MEDIA_TYPES
from tests.e2e.fake_support import assert_media, create

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

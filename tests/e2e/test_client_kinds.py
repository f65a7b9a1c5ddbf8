"""Every task kind, sync and async, against the fake gateway: create, wait, download, check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import mutagen
import pytest
from PIL import Image

from haoee_kling import AsyncKling, DownloadError, Kling, TaskFailedError
from haoee_kling.check._inputs import detect_format
from haoee_kling.http._sender import kind_operations
from haoee_kling.testing import FAIL_MARKER, FakeGateway, request_examples
from tests.unit.conftest import run
from tests.unit.gateway_clients import make_client

pytestmark = pytest.mark.unmeasured(
    "tests/unit and tests/e2e/test_cli.py measure the calls it repeats kind by kind"
)


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


KINDS = sorted(kind_operations())
NEEDS_VIDEO = {"advanced_lip_sync", "lip_sync", "video_extend", "video_to_audio"}


def first_example(kind: str) -> dict[str, Any]:
    examples = request_examples(kind_operations()[kind]["create"])
    body = dict(next(iter(examples.values())))
    body.pop("external_task_id", None)
    return body


def namespace(kling: Kling | AsyncKling, kind: str) -> Any:
    return getattr(kling, "elements" if kind == "advanced_custom_element" else kind)


def check_file(path: Path) -> str:
    """The file's verified type: images open in Pillow, audio in mutagen, video by magic."""
    fmt = detect_format(path.read_bytes()[:32])
    if fmt in ("png", "jpg"):
        with Image.open(path) as image:
            image.verify()
    elif fmt in ("mp3", "wav"):
        assert mutagen.File(path) is not None, path
    else:
        assert fmt in ("mp4", "mov"), (path, fmt)
    assert path.suffix.lstrip(".") in (fmt, "jpeg"), (path, fmt)
    return str(fmt)


@pytest.mark.parametrize("kind", KINDS)
async def test_every_kind_creates_waits_and_downloads(
    kling: Kling | AsyncKling, gateway: FakeGateway, kind: str, tmp_path: Path
) -> None:
    body = first_example(kind)
    if kind in NEEDS_VIDEO:
        source = await run(kling.text2video.create_and_wait(**first_example("text2video")))
        video_id = source.task_result.videos[0].id
        (body.get("input") or body)["video_id"] = video_id
        if kind == "advanced_lip_sync":
            faces = await run(kling.identify_face.create(video_id=video_id))
            body["session_id"] = faces.session_id
            body["face_choose"][0]["face_id"] = faces.face_data[0].face_id
            del body["video_id"]
    tasks_before = len(gateway.tasks())
    submitted: list[str] = []
    task = await run(
        namespace(kling, kind).create_and_wait(
            **body, on_submitted=lambda t: submitted.append(t.task_id)
        )
    )
    assert task.task_status == "succeed"
    assert submitted == [task.task_id]
    assert len(gateway.tasks()) == tasks_before + 1
    if kind == "advanced_custom_element":
        # An element is not a file: asking to download it says so instead of returning [].
        with pytest.raises(DownloadError, match="has no files"):
            await run(kling.download(task, tmp_path))
        paths = []
    else:
        paths = await run(kling.download(task, tmp_path))
        assert paths
    for path in paths:
        check_file(path)
    listed = await run(namespace(kling, kind).list(page_size=10))
    assert task.task_id in [t.task_id for t in listed]


async def test_a_failed_task_raises_with_the_gateways_reason(kling: Kling | AsyncKling) -> None:
    with pytest.raises(TaskFailedError) as caught:
        await run(kling.text2video.create_and_wait(prompt=f"a fox {FAIL_MARKER}"))
    assert caught.value.task_id
    assert caught.value.task_status_msg


async def test_wait_many_over_kinds_finishes_all(kling: Kling | AsyncKling) -> None:
    ids = []
    for kind in ("text2video", "text_to_audio", "image_expand"):
        task = await run(namespace(kling, kind).create(**first_example(kind)))
        ids.append((kind, task.task_id))
    done = await run(kling.tasks.wait_many(ids, timeout=900))
    assert {t.task_status for t in done.values()} == {"succeed"}
    assert set(done) == {task_id for _, task_id in ids}

"""Downloads: streamed, atomic, length-checked, retried, and never authenticated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from haoee_kling import AsyncKling, DownloadError, DownloadProgress, Kling, _downloads
from haoee_kling._downloads import result_files
from tests.unit.conftest import CANARY_KEY, answer_example, example, run

MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 2000


def test_result_files_are_named_by_task_and_index() -> None:
    audio = example("TaskSucceedAudio")["data"]
    names = [f.name for f in result_files(audio)]
    assert names == [f"{audio['task_id']}-0.mp3", f"{audio['task_id']}-0.wav"]
    images = example("TaskSucceedImage")["data"]
    assert all(f.name.startswith(images["task_id"]) for f in result_files(images))
    video = example("TaskSucceedVideo")["data"]
    video["task_result"]["videos"][0]["watermark_url"] = "https://cdn.example.org/w.mp4"
    assert [f.name for f in result_files(video, watermarked=True)] == [
        f"{video['task_id']}-0.mp4",
        f"{video['task_id']}-0-watermark.mp4",
    ]
    assert [f.name for f in result_files(["https://cdn.example.org/x.png"])] == ["file-0.png"]
    with pytest.raises(TypeError):
        result_files(42)


async def test_download_writes_every_file_without_the_api_key(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    task = example("TaskSucceedVideo")["data"]
    url = task["task_result"]["videos"][0]["url"]
    route = raw_router.get(url).respond(200, content=MP4)
    progress: list[DownloadProgress] = []
    paths = await run(kling.download(task, tmp_path / "out", on_progress=progress.append))
    assert paths == [tmp_path / "out" / f"{task['task_id']}-0.mp4"]
    assert paths[0].read_bytes() == MP4
    assert "Authorization" not in route.calls.last.request.headers
    assert progress[-1].received == len(MP4) == progress[-1].total
    assert list((tmp_path / "out").iterdir()) == paths  # no temp file left behind


async def test_transient_download_failures_are_retried(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    url = "https://cdn.example.org/results/a.mp4"
    raw_router.get(url).mock(
        side_effect=[
            httpx.ConnectError("down"),
            httpx.Response(503),
            httpx.Response(200, content=MP4),
        ]
    )
    paths = await run(kling.download([url], tmp_path))
    assert paths[0].read_bytes() == MP4


async def test_an_expired_url_fails_clearly_and_leaves_nothing(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    url = "https://cdn.example.org/results/a.mp4?sign=secret-signature"
    raw_router.get(url).respond(404)
    with pytest.raises(DownloadError, match="expire") as caught:
        await run(kling.download([url], tmp_path))
    assert "secret-signature" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


async def test_a_short_body_is_detected_and_not_renamed_into_place(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    url = "https://cdn.example.org/results/a.mp4"
    raw_router.get(url).respond(200, content=MP4[:100], headers={"Content-Length": "5000"})
    with pytest.raises(DownloadError, match="ended short"):
        await run(kling.download([url], tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_omni_image_series_is_downloaded_apart_from_single_images() -> None:
    series = example("TaskSucceedImageSeries")["data"]
    names = [f.name for f in result_files(series)]
    assert names == [f"{series['task_id']}-series-0.png", f"{series['task_id']}-series-1.png"]
    series["task_result"]["series_images"][0] = {"index": 0}
    with pytest.raises(DownloadError, match=r"series_images\[0\]"):
        result_files(series)


def test_a_custom_voice_downloads_its_sample() -> None:
    voice = example("TaskSucceedVoice")["data"]
    assert [f.name for f in result_files(voice)] == [f"{voice['task_id']}-voice-0.mp3"]
    del voice["task_result"]["voices"][0]["trial_url"]
    with pytest.raises(DownloadError, match=r"voices\[0\]"):
        result_files(voice)


def _answer_data(operation_id: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = answer_example(operation_id, name)["data"]
    return data


def test_speech_downloads_its_single_url_as_mp3() -> None:
    """Text to speech gives one `url` per audio, not generated sound's url_mp3 + url_wav."""
    speech = _answer_data("textToSpeech", "spoken")
    [file] = result_files(speech)
    assert file.name == f"{speech['task_id']}-0.mp3"
    assert file.url.endswith(".mp3")


def test_image_recognize_masks_are_named_by_type_and_absent_ones_skipped() -> None:
    """An answer holding a `task_result` is read like a task; a type the image does not show
    (`is_contain` false, no URL) has no mask to fetch, and is not a malformed result."""
    answer = _answer_data("recognizeImage", "recognized")
    names = [f.name for f in result_files(answer)]
    assert names == [f"result-{t}.png" for t in ("object_seg", "head_seg", "face_seg", "cloth_seg")]
    answer["task_result"]["images"][3] = {"type": "cloth_seg", "is_contain": False}
    assert len(result_files(answer)) == 3
    answer["task_result"]["images"][2] = {"type": "face_seg", "is_contain": True}
    with pytest.raises(DownloadError, match=r"task_result.images\[2\] has no URL"):
        result_files(answer)


def test_a_single_url_and_watermarked_images_are_named_too() -> None:
    assert [f.name for f in result_files("https://cdn.example.org/a.jpg")] == ["file-0.jpg"]
    images = example("TaskSucceedImage")["data"]
    images["task_result"]["images"][0]["watermark_url"] = "https://cdn.example.org/w.png"
    names = [f.name for f in result_files(images, watermarked=True)]
    assert f"{images['task_id']}-0-watermark.png" in names


async def test_one_download_client_serves_every_download_and_closes_with_the_client(
    flavor: str, tmp_path: Path
) -> None:
    from haoee_kling import FakeClock

    cls = Kling if flavor == "sync" else AsyncKling
    client = cls(api_key=CANARY_KEY, clock=FakeClock())  # its own pools, no given transport
    mock = respx.mock(assert_all_called=False)
    mock.get(url__startswith="https://cdn.example.org/").respond(200, content=MP4)
    with mock:
        await run(client.download(["https://cdn.example.org/a.mp4"], tmp_path / "a"))
    first = client._downloads["client"]
    copy = client.with_options(timeout=5.0)
    with mock:
        await run(copy.download(["https://cdn.example.org/b.mp4"], tmp_path / "b"))
    assert copy._downloads["client"] is first  # one pool, kept between downloads
    assert first.auth is None
    assert first is not client._http
    await run(copy.close())
    assert not first.is_closed  # a copy leaves the shared pool open
    await run(client.close())
    assert first.is_closed


async def test_a_destination_that_cannot_be_made_is_refused_naming_the_task(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    (tmp_path / "afile").write_text("")
    task: dict[str, Any] = {"task_id": "T9", "task_status": "succeed"}
    task["task_result"] = {"videos": [{"id": "v", "url": "https://cdn.example.org/a.mp4"}]}
    with pytest.raises(DownloadError, match="afile is a file, not a folder") as caught:
        await run(kling.download(task, tmp_path / "afile" / "sub"))
    assert caught.value.task_id == "T9"
    assert not raw_router.calls  # refused before any file was fetched


NOT_MEDIA = {
    "an HTML or XML page": b"<!DOCTYPE html><html><body>Access denied</body></html>",
    "JSON": b'{"code": 403, "message": "hotlink refused"}',
    "no bytes": b"",
}


@pytest.mark.parametrize("served", list(NOT_MEDIA), ids=str)
@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("TaskSucceedVideo", "videos"),
        ("TaskSucceedImage", "images"),
        ("TaskSucceedAudio", "audios"),
    ],
)
async def test_a_200_that_is_not_the_media_its_name_says_fails_and_leaves_nothing(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    tmp_path: Path,
    served: str,
    kind: str,
    key: str,
) -> None:
    # Regression: an HTML page at 200 was saved as the .mp4 and reported as success.
    task = example(kind)["data"]
    raw_router.get(host="cdn.example.org").respond(200, content=NOT_MEDIA[served])
    for item in task["task_result"][key]:
        for field in ("url", "url_mp3", "url_wav"):
            if field in item:
                item[field] = f"https://cdn.example.org/{field}?sign=secret-signature"
    with pytest.raises(DownloadError) as caught:
        await run(kling.download(task, tmp_path))
    assert caught.value.task_id == task["task_id"]
    assert served in caught.value.message
    assert "secret-signature" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temp file


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("v.mp4", MP4),
        ("i.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("i.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
        ("i.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64),
        ("a.mp3", b"ID3\x04\x00" + b"\x00" * 64),
        ("a.mp3", b"\xff\xfb\x90\x00" + b"\x00" * 64),
        ("a.wav", b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 64),
        ("a.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64),
        ("x.bin", b"<anything goes for a URL passed as it is>"),
    ],
)
async def test_each_kind_of_media_passes_the_check(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    tmp_path: Path,
    name: str,
    content: bytes,
) -> None:
    url = (
        f"https://cdn.example.org/{name}"
        if not name.endswith(".bin")
        else "https://cdn.example.org/x"
    )
    raw_router.get(url).respond(200, content=content)
    paths = await run(kling.download([url], tmp_path))
    assert paths[0].read_bytes() == content


@pytest.mark.parametrize("announced", [True, False], ids=["Content-Length", "streamed"])
async def test_a_file_larger_than_the_cap_is_refused_and_leaves_nothing(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    announced: bool,
) -> None:
    # A file host that sends without end must not fill the disk (the cap is lowered here).
    monkeypatch.setattr(_downloads, "MAX_DOWNLOAD_BYTES", 1000)
    url = "https://cdn.example.org/results/a.mp4"
    if announced:
        raw_router.get(url).respond(200, content=MP4)
    else:
        raw_router.get(url).respond(200, stream=httpx.ByteStream(MP4))
    with pytest.raises(DownloadError, match="larger than 1,000 bytes"):
        await run(kling.download([url], tmp_path))
    assert list(tmp_path.iterdir()) == []


async def test_a_redirect_from_https_down_to_http_is_refused(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    url = "https://cdn.example.org/results/a.mp4?sign=secret-signature"
    raw_router.get(url).respond(302, headers={"Location": "http://cdn.example.org/a.mp4"})
    raw_router.get("http://cdn.example.org/a.mp4").respond(200, content=MP4)
    with pytest.raises(DownloadError, match="redirected to plain http"):
        await run(kling.download([url], tmp_path))
    assert list(tmp_path.iterdir()) == []
    raw_router.get("https://cdn.example.org/b.mp4").respond(
        302, headers={"Location": "https://other-cdn.example.org/b.mp4"}
    )
    raw_router.get("https://other-cdn.example.org/b.mp4").respond(200, content=MP4)
    paths = await run(kling.download(["https://cdn.example.org/b.mp4"], tmp_path))
    assert paths[0].read_bytes() == MP4

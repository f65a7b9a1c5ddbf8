"""Answers shaped the way real gateways answer, not the way our spec does: each test is one
failure that issue "Tolerant reader" reproduced on the client before the reader existed.

Every test runs through `Kling` and `AsyncKling` on a mock router that does not check answers
against the spec (they are off-spec on purpose) and a fake clock (no real time passes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx

from haoee_kling import (
    AsyncKling,
    AuthenticationError,
    DownloadError,
    FakeClock,
    Kling,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TaskFailedError,
    TaskNotFinishedError,
    UnexpectedResponseError,
    WaitTimeoutError,
)
from haoee_kling.plans._polling import UNREADABLE_LIMIT
from haoee_kling.read import _reader
from tests.unit.conftest import BASE, collect, list_answer, run, task_answer

TASK_ID = "842250903629086785"
GET = f"/v1/videos/text2video/{TASK_ID}"
LIST = "/v1/videos/text2video"
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500
OPENAI_401 = {"error": {"message": "invalid api key", "type": "invalid_request_error"}}
NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def envelope(data: Any, code: Any = 0) -> dict[str, Any]:
    return {"code": code, "message": "SUCCEED", "request_id": "req-1", "data": data}


def succeeded(**result: Any) -> dict[str, Any]:
    body = task_answer("succeed")
    body["data"]["task_result"] = result
    return body


# -- a wait ends for the right reason ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, OPENAI_401, AuthenticationError),
        (403, {"message": "Forbidden"}, PermissionDeniedError),
        (404, {"detail": "Not Found"}, NotFoundError),
        (401, b"<html><body>401 Authorization Required</body></html>", AuthenticationError),
    ],
)
@pytest.mark.parametrize("timeout", [900.0, None])
async def test_a_non_kling_401_403_or_404_ends_a_wait_at_once(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    clock: FakeClock,
    status: int,
    body: Any,
    error: type[Exception],
    timeout: float | None,
) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    route = raw_router.get(GET).respond(status, content=content)
    with pytest.raises(error) as caught:
        await run(kling.text2video.wait(TASK_ID, timeout=timeout))
    assert route.call_count == 1
    assert clock.monotonic() < 1
    assert caught.value.task_id == TASK_ID  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "content",
    [
        b"<html><head><title>Sign in</title></head><body>Please log in</body></html>",
        b'{"code": 0, "message": "SUCCEED", "data": {"task_id": "8422',
        json.dumps(envelope(None)).encode(),
        json.dumps(envelope({"task_id": TASK_ID})).encode(),
        json.dumps(envelope({"task_id": TASK_ID, "task_status": None})).encode(),
        json.dumps(envelope([{"task_id": TASK_ID}])).encode(),
    ],
    ids=["html-200", "truncated", "data-null", "no-status", "status-null", "data-list"],
)
@pytest.mark.parametrize("timeout", [900.0, None])
async def test_unreadable_answers_end_a_wait_after_a_short_run_not_at_its_deadline(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    clock: FakeClock,
    content: bytes,
    timeout: float | None,
) -> None:
    route = raw_router.get(GET).respond(200, content=content)
    with pytest.raises(UnexpectedResponseError) as caught:
        await run(kling.text2video.wait(TASK_ID, timeout=timeout))
    assert route.call_count == UNREADABLE_LIMIT
    assert f"{UNREADABLE_LIMIT} answers in a row could not be read" in str(caught.value)
    assert isinstance(caught.value.__cause__, UnexpectedResponseError)
    assert caught.value.task_id == TASK_ID
    assert clock.monotonic() < 60


async def test_code_zero_as_a_string_is_success(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    body = task_answer("succeed")
    body["code"] = "0"
    raw_router.get(GET).respond(200, json=body)
    task = await run(kling.text2video.wait(TASK_ID))
    assert task.task_status == "succeed"


async def test_the_timeout_error_carries_the_last_poll_error(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.get(GET).respond(502, content=NGINX_502)
    with pytest.raises(WaitTimeoutError) as caught:
        await run(kling.text2video.wait(TASK_ID, timeout=60))
    assert isinstance(caught.value.last_error, ServerError)
    assert caught.value.__cause__ is caught.value.last_error
    assert "502 Bad Gateway" in str(caught.value)


# -- statuses in any case ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["SUCCEED", "Succeed", "succeed "])
async def test_a_succeeded_status_in_any_case_ends_wait_and_reads_as_kling_spells_it(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, status: str
) -> None:
    route = raw_router.get(GET).respond(200, json=task_answer(status))
    task = await run(kling.text2video.wait(TASK_ID, timeout=600))
    assert route.call_count == 1
    assert task.task_status == "succeed"


async def test_a_failed_status_in_capitals_fails_the_wait(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.get(GET).respond(200, json=task_answer("FAILED"))
    with pytest.raises(TaskFailedError):
        await run(kling.text2video.wait(TASK_ID, timeout=600))


async def test_wait_many_and_iter_status_end_on_capitalised_statuses(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.get(LIST).respond(
        200, json=list_answer(task_answer("SUCCEED", "1"), task_answer("Failed", "2"))
    )
    done = await run(kling.tasks.wait_many([("text2video", "1"), ("text2video", "2")]))
    assert {t: done[t].task_status for t in done} == {"1": "succeed", "2": "failed"}
    raw_router.get(GET).respond(200, json=task_answer("SUCCEED"))
    seen = await collect(kling.tasks.iter_status("text2video", TASK_ID, timeout=600))
    assert [t.task_status for t in seen] == ["succeed"]


# -- a created task is never lost ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"task_id": TASK_ID, "task_status": "submitted"},  # no created_at / updated_at
        {"task_id": TASK_ID, "task_status": None, "created_at": 1},
        {"task_id": TASK_ID, "task_info": {"parent_video": {"url": "https://x.org/a.mp4"}}},
        {"task_id": int(TASK_ID), "task_status": "SUBMITTED", "created_at": "yesterday"},
    ],
    ids=["no-times", "status-null", "parent-without-id", "numeric-id"],
)
async def test_a_create_answer_that_does_not_fit_the_model_still_gives_its_task(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, data: dict[str, Any]
) -> None:
    route = raw_router.post(LIST).respond(200, json=envelope(data))
    seen: list[Any] = []
    task = await run(kling.text2video.create(prompt="a fox", on_submitted=seen.append))
    assert task.task_id == TASK_ID
    assert [t.task_id for t in seen] == [TASK_ID]
    assert route.call_count == 1


async def test_errors_after_a_create_carry_both_ids(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.post(LIST).respond(200, json=envelope({"task_id": TASK_ID}))
    raw_router.get(GET).respond(401, json=OPENAI_401)
    with pytest.raises(AuthenticationError) as caught:
        await run(kling.text2video.create_and_wait(prompt="a fox", external_task_id="mine-1"))
    assert (caught.value.task_id, caught.value.external_task_id) == (TASK_ID, "mine-1")


# -- results parse into models, never a raw dict -------------------------------------------------


async def test_results_missing_fields_still_parse_into_models(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    body = succeeded(
        videos=[{"url": "https://cdn.example.org/a.mp4"}],
        images=[{"url": "https://cdn.example.org/a.png"}],
        elements=[{"element_id": 7, "element_image_list": {}, "element_video_list": {}}],
    )
    raw_router.get(GET).respond(200, json=body)
    task = await run(kling.text2video.get(TASK_ID))
    assert type(task.task_result).__name__ == "TaskResult"
    assert task.task_result.videos[0].url == "https://cdn.example.org/a.mp4"
    assert task.task_result.images[0].url == "https://cdn.example.org/a.png"
    assert task.task_result.elements[0].element_id == 7
    assert type(task.task_result.elements[0].element_image_list).__name__.endswith("Result")


async def test_a_wrong_typed_field_is_set_aside_with_a_warning_and_unknown_ones_kept(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_reader, "_warned", set())  # each warning is logged once per process
    body = succeeded(videos=[{"url": "https://cdn.example.org/a.mp4", "duration": [5]}])
    body["data"]["vendor_extra"] = {"gpu": "a100"}
    raw_router.get(GET).respond(200, json=body)
    task = await run(kling.text2video.get(TASK_ID))
    assert task.task_result.videos[0].url.endswith("a.mp4")
    assert task["vendor_extra"] == {"gpu": "a100"}
    assert "task_result.videos[0].duration" in caplog.text


# -- downloads stay inside the destination and fail clearly --------------------------------------


@pytest.mark.parametrize(
    "task_id", ["../escaped", "/tmp/escaped", "..", "a/../../b", "C:\\x", "\x00nul"]
)
async def test_a_task_id_never_places_a_file_outside_the_destination(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path, task_id: str
) -> None:
    raw_router.get("https://cdn.example.org/a.mp4").respond(200, content=MP4)
    dest = tmp_path / "out"
    task = {"task_id": task_id, "task_status": "succeed"}
    task["task_result"] = {"videos": [{"url": "https://cdn.example.org/a.mp4"}]}  # type: ignore[assignment]
    paths = await run(kling.download(task, dest))
    assert [p.parent for p in paths] == [dest]
    assert [p.name for p in dest.iterdir()] == [paths[0].name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


async def test_an_image_index_with_a_slash_stays_inside_too(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    raw_router.get("https://cdn.example.org/a.png").respond(200, content=b"\x89PNG\r\n\x1a\n")
    task = {"task_id": "1", "task_status": "succeed", "task_result": {"images": []}}
    task["task_result"]["images"] = [{"index": "../../x", "url": "https://cdn.example.org/a.png"}]  # type: ignore[index]
    paths = await run(kling.download(task, tmp_path))
    assert paths[0].parent == tmp_path


@pytest.mark.parametrize(
    ("result", "says"),
    [
        ({"videos": [{"id": "v"}]}, "task_result.videos[0] has no URL"),
        ({"videos": {"url": "https://cdn.example.org/a.mp4"}}, "videos is dict, not a list"),
        ({"videos": ["https://cdn.example.org/a.mp4"]}, "videos[0] is not an object"),
        ({"audios": [{"id": "a"}]}, "audios[0] has no url_mp3"),
        ({}, "has no files"),
        ({"videos": [{"url": "file:///etc/passwd"}]}, "file: URLs are not fetched"),
    ],
)
async def test_a_malformed_result_is_a_download_error_naming_task_and_item(
    kling: Kling | AsyncKling, tmp_path: Path, result: dict[str, Any], says: str
) -> None:
    task = {"task_id": "9", "task_status": "succeed", "task_result": result}
    with pytest.raises(DownloadError) as caught:
        await run(kling.download(task, tmp_path))
    assert says in str(caught.value)
    assert "task 9" in str(caught.value)


async def test_a_relative_url_is_fetched_from_the_gateway_host_without_the_key(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, tmp_path: Path
) -> None:
    route = raw_router.get(f"{BASE}/files/a.mp4").respond(200, content=MP4)
    task = {"task_id": "1", "task_status": "succeed"}
    task["task_result"] = {"videos": [{"url": "files/a.mp4"}]}  # type: ignore[assignment]
    paths = await run(kling.download(task, tmp_path))
    assert paths[0].read_bytes() == MP4
    assert "Authorization" not in route.calls.last.request.headers


@pytest.mark.parametrize(
    ("status", "error"), [("failed", TaskFailedError), ("processing", TaskNotFinishedError)]
)
async def test_downloading_a_failed_or_unfinished_task_says_so(
    kling: Kling | AsyncKling, tmp_path: Path, status: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await run(kling.download(task_answer(status)["data"], tmp_path / "out"))
    assert not (tmp_path / "out").exists()


# -- error bodies keep their message and their class ---------------------------------------------


@pytest.mark.parametrize(
    ("status", "content", "error", "says"),
    [
        (401, json.dumps(OPENAI_401).encode(), AuthenticationError, "invalid api key"),
        (429, b"Too Many Requests: slow down", RateLimitError, "slow down"),
        (502, NGINX_502, ServerError, "502 Bad Gateway"),
        (520, b"origin unreachable", ServerError, "origin unreachable"),
        (200, b'{"code": 0, "data"', UnexpectedResponseError, "not JSON"),
        (200, b'{"code": "0", "message": "ok"}', UnexpectedResponseError, "no data"),
        (200, b"<html><title>Sign in</title></html>", UnexpectedResponseError, "HTML page"),
    ],
)
async def test_error_bodies_not_in_klings_format_keep_their_message_and_class(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    status: int,
    content: bytes,
    error: type[Exception],
    says: str,
) -> None:
    raw_router.get(GET).respond(status, content=content)
    with pytest.raises(error) as caught:
        await run(kling.text2video.get(TASK_ID))
    assert says in str(caught.value)
    assert "no message" not in str(caught.value)


# -- one bad item never sinks a page or a wait_many ----------------------------------------------


async def test_a_bad_item_is_skipped_and_counted_not_sinking_the_page(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    page = list_answer(task_answer("succeed", "1"), task_answer("processing", "2"))
    page["data"].insert(1, {"task_status": "succeed"})  # no task_id
    page["data"].append("not a task")
    raw_router.get(LIST).respond(200, json=page)
    tasks = await run(kling.text2video.list())
    assert [t.task_id for t in tasks] == ["1", "2"]
    assert [s.index for s in tasks.skipped] == [1, 3]


async def test_wait_many_keeps_the_finished_tasks_when_one_cannot_be_read(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    page = list_answer(task_answer("succeed", "1"), task_answer("failed", "2"))
    page["data"].append({"task_id": "3", "task_status": None})
    raw_router.get(LIST).respond(200, json=page)
    raw_router.get(f"{LIST}/3").respond(200, json=envelope({"task_id": "3"}))
    done = await run(kling.tasks.wait_many([("text2video", t) for t in ("1", "2", "3")]))
    assert sorted(done) == ["1", "2"]
    assert [s.task_id for s in done.skipped] == ["3"]
    assert isinstance(done.skipped[0].error, UnexpectedResponseError)


async def test_a_list_whose_data_is_an_object_names_the_shape(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.get(LIST).respond(200, json=envelope({"task_id": "1", "task_status": "succeed"}))
    with pytest.raises(UnexpectedResponseError, match="is an object, not a list"):
        await run(kling.text2video.list())


# -- the request side is as lenient as Kling's own examples --------------------------------------


async def test_empty_optional_strings_mean_not_given_as_in_klings_examples(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    route = raw_router.post(LIST).respond(200, json=task_answer("submitted"))
    await run(
        kling.text2video.create(
            model_name="kling-v3",
            prompt="",
            multi_shot=True,
            shot_type="customize",
            multi_prompt=[{"index": 1, "prompt": "a fox", "duration": "5"}],
            duration="5",
            callback_url="",
            external_task_id="",
        )
    )
    sent = json.loads(route.calls.last.request.content)
    assert "prompt" not in sent
    assert "callback_url" not in sent
    assert sent["external_task_id"].startswith("hk-")


async def test_an_empty_video_id_beside_a_video_url_is_accepted(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    route = raw_router.post("/v1/audio/video-to-audio").respond(200, json=task_answer("submitted"))
    await run(kling.video_to_audio.create(video_id="", video_url="https://x.org/a.mp4"))
    assert "video_id" not in json.loads(route.calls.last.request.content)

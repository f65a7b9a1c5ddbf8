"""Stored tasks and elements as the wire shows them, at a given moment and on a given host.

A task's status, `updated_at`, `task_status_msg` and `task_result` depend on the time of the
read; media links are made absolute on the host the client called (`{base}/media/...`), so a
client that reached the fake in-process, on loopback or through a proxy can download them.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from ._media import MEDIA_PREFIX, media_url
from ._store import Task, Video

__all__ = ["absolute_media", "render_created", "render_task"]

JSON = dict[str, Any]
T = TypeVar("T")

_UNITS = {"video": "1", "audio": "0.2", "element": "0"}


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def absolute_media(value: T, base: str) -> T:
    """A copy of `value` with every `/media/...` string made an absolute URL on `base`."""
    return cast(T, _absolute(value, base))


def _absolute(value: Any, base: str) -> Any:
    if isinstance(value, str) and value.startswith(MEDIA_PREFIX):
        return media_url(base, value[len(MEDIA_PREFIX) :])
    if isinstance(value, dict):
        return {k: _absolute(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_absolute(v, base) for v in value]
    return value


def render_created(task: Task) -> JSON:
    """The `data` of a create answer: the new task, `submitted`."""
    return {
        "task_id": task.task_id,
        "task_status": "submitted",
        "task_info": {"external_task_id": task.external_task_id},
        "created_at": _ms(task.timeline.created),
        "updated_at": _ms(task.timeline.created),
    }


def _parent(video: Video, base: str) -> JSON:
    url = video.source_url or media_url(base, f"{video.id}.mp4")
    return {"id": video.id, "url": url, "duration": video.duration}


def _result(task: Task, base: str, watermark: bool) -> JSON:
    result: JSON = {}
    if task.videos:
        result["videos"] = []
        for video in task.videos:
            item = {
                "id": video.id,
                "url": media_url(base, f"{video.id}.mp4"),
                "duration": video.duration,
            }
            if watermark:
                item["watermark_url"] = media_url(base, f"{video.id}-wm.mp4")
            result["videos"].append(item)
    if task.images:
        key = "series_images" if task.body.get("result_type") == "series" else "images"
        result[key] = []
        for index, name in enumerate(task.images):
            image = {"index": index, "url": media_url(base, name)}
            if watermark:
                image["watermark_url"] = media_url(base, f"{name[:-4]}-wm.png")
            result[key].append(image)
    if task.audios:
        result["audios"] = [
            {
                "id": audio.id,
                "url_mp3": media_url(base, f"{audio.id}.mp3"),
                "url_wav": media_url(base, f"{audio.id}.wav"),
                "duration_mp3": audio.duration,
                "duration_wav": audio.duration,
            }
            for audio in task.audios
        ]
    if task.elements:
        result["elements"] = absolute_media(task.elements, base)
    if task.voices:
        result["voices"] = absolute_media(task.voices, base)
    return result


def render_task(task: Task, now: float, base: str) -> JSON:
    """The task as a get or list answer shows it at `now`."""
    status = task.timeline.status_at(now)
    info: JSON = {"external_task_id": task.external_task_id}
    if task.parent is not None:
        info["parent_video"] = _parent(task.parent, base)
    data: JSON = {
        "task_id": task.task_id,
        "task_status": status,
        "task_status_msg": task.failure if status == "failed" else "",
        "task_info": info,
        "created_at": _ms(task.timeline.created),
        "updated_at": _ms(task.timeline.updated_at(now)),
    }
    watermark = task.body.get("watermark_info")
    if isinstance(watermark, dict):
        data["watermark_info"] = {"enabled": bool(watermark.get("enabled"))}
    if status == "succeed":
        data["task_result"] = _result(
            task, base, bool(data.get("watermark_info", {}).get("enabled"))
        )
        data["final_unit_deduction"] = _UNITS.get(task.pool, f"{0.2 * task.cost:g}")
    elif status == "failed":
        data["task_result"] = None
    return data

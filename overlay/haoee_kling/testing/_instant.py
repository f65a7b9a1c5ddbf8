"""The fake's calls answered at once: text to speech, image recognize, the custom-voice delete
and the account's packs.

Text to speech and image recognize answer with their results in the same response (real MP3
and PNG files under `/media/`, served at once: nothing is left to finish); `_handlers` makes the
speech answer `failed`, as a task would, for `[fake:fail]` in the text. The account holds two
resource packs, valid from 30 days before the fake's current day for a year; `account/costs`
lists those whose validity overlaps the asked period (only the named one, with
`resource_pack_name`).

A delete removes a custom voice a key's succeeded task made and answers a finished task
(`succeed`) at once; an id the key has no voice under (never made, still being made, a preset,
another key's, or already deleted) is 404 code 1203. The voice's task is left as it was: its get
and list answers still show the voice (no source says what Kling shows after a delete;
openapi/README.md, decision 37).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._call import JSON, Call
from ._envelope import KlingError
from ._render import absolute_media

if TYPE_CHECKING:
    from ._gateway import FakeGateway

__all__ = [
    "RECOGNITION_TYPES",
    "account_costs",
    "delete_voice",
    "recognize_image",
    "text_to_speech",
]

RECOGNITION_TYPES = ("object_seg", "head_seg", "face_seg", "cloth_seg")
"""The recognition types Kling documents, in its order (one mask each)."""

_DAY_MS = 86_400_000
# About four characters of text a second at speed 1.0: a plausible length for the speech.
_CHARS_PER_SECOND = 4.0


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def text_to_speech(gw: FakeGateway, call: Call, failure: str = "") -> JSON:
    """The speech of `text`, finished: one MP3 (the fake's packaged one); with a `failure`
    message, a `failed` answer carrying it instead."""
    body, now = call.body, _ms(call.now)
    task_id = gw.store.next_id()
    data: JSON = {"task_id": task_id, "created_at": now, "updated_at": now}
    if failure:
        return data | {"task_status": "failed", "task_status_msg": failure}
    audio_id = gw.store.next_id()
    gw.store.add_media(f"{audio_id}.mp3")
    speed = float(body.get("voice_speed", 1.0))
    seconds = max(1.0, round(len(body["text"]) / (_CHARS_PER_SECOND * speed), 1))
    audio = {"id": audio_id, "url": f"/media/{audio_id}.mp3", "duration": f"{seconds:g}"}
    data |= {
        "task_status": "succeed",
        "task_status_msg": "",
        "final_unit_deduction": "0.05",
        "task_result": {"audios": [audio]},
    }
    return absolute_media(data, call.base)


def recognize_image(gw: FakeGateway, call: Call) -> JSON:
    """One PNG mask per recognition type (the fake's packaged PNG), each found in the image."""
    stem = gw.store.next_id()
    images = []
    for kind in RECOGNITION_TYPES:
        name = f"{stem}-{kind}.png"
        gw.store.add_media(name)
        images.append({"type": kind, "is_contain": True, "url": f"/media/{name}"})
    data = {"final_unit_deduction": "0.01", "task_result": {"images": images}}
    return absolute_media(data, call.base)


def delete_voice(gw: FakeGateway, call: Call) -> JSON:
    """Delete one of this key's custom voices; 404 1203 for an id it has no voice under."""
    voice_id = call.body["voice_id"]
    if not gw.store.delete_voice(call.key, voice_id, call.now):
        raise KlingError(404, 1203, f"voice not found: {voice_id}")
    return {"task_id": gw.store.next_id(), "task_status": "succeed"}


def _packs(now_ms: int) -> list[JSON]:
    start = now_ms // _DAY_MS * _DAY_MS - 30 * _DAY_MS
    end = start + 365 * _DAY_MS
    common = {"purchase_time": start, "effective_time": start, "invalid_time": end}
    return [
        {
            "resource_pack_name": "Video generation - 1000 units",
            "resource_pack_id": "fake-pack-video",
            "resource_pack_type": "decreasing_total",
            "total_quantity": 1000.0,
            "remaining_quantity": 880.0,
            "status": "online",
        }
        | common,
        {
            "resource_pack_name": "Image generation - 500 units a month",
            "resource_pack_id": "fake-pack-image",
            "resource_pack_type": "constant_period",
            "total_quantity": 500.0,
            "remaining_quantity": 500.0,
            "status": "online",
        }
        | common,
    ]


def account_costs(gw: FakeGateway, call: Call) -> JSON:
    """The packs whose validity overlaps [start_time, end_time] (the spec checked both)."""
    start, end = int(call.query["start_time"]), int(call.query["end_time"])
    name = call.query.get("resource_pack_name")
    packs = [
        pack
        for pack in _packs(_ms(call.now))
        if pack["effective_time"] <= end
        and pack["invalid_time"] >= start
        and (name is None or pack["resource_pack_name"] == name)
    ]
    return {"code": 0, "msg": "success", "resource_pack_subscribe_infos": packs}

"""Helpers shared by the fake-gateway e2e tests: spec paths, a task runner, media checks."""

from __future__ import annotations

import io
from typing import Any

import httpx
import mutagen.mp3
import mutagen.mp4
import mutagen.wave
from PIL import Image

from haoee_kling._spec import operation, operations
from haoee_kling.testing import FakeGateway

JSON = dict[str, Any]

CREATE_BY_KIND = {
    op.kind: op.operation_id
    for op in operations().values()
    if op.kind is not None and op.method == "POST"
}
"""Task kind -> its create operationId, from the spec."""


def path_of(operation_id: str, **params: str) -> str:
    """The spec path of an operation with its path parameters filled in."""
    return operation(operation_id).path.format(**params)


def get_path(kind: str, task_id: str) -> str:
    """`GET .../{task_id}` of a task kind (the create's path plus the id)."""
    return f"{path_of(CREATE_BY_KIND[kind])}/{task_id}"


async def create(client: httpx.AsyncClient, kind: str, body: JSON, **headers: str) -> JSON:
    """Create a task and return the envelope's `data`; fails on anything but 200 / code 0."""
    response = await client.post(path_of(CREATE_BY_KIND[kind]), json=body, headers=headers)
    assert response.status_code == 200, response.text
    envelope: JSON = response.json()
    assert envelope["code"] == 0
    data: JSON = envelope["data"]
    return data


async def read(client: httpx.AsyncClient, kind: str, task_id: str) -> JSON:
    """Get a task's `data`."""
    response = await client.get(get_path(kind, task_id))
    assert response.status_code == 200, response.text
    data: JSON = response.json()["data"]
    return data


async def finished_video(gateway: FakeGateway, client: httpx.AsyncClient) -> JSON:
    """A text-to-video task run to `succeed`; returns its first video (`id`, `url`, ...)."""
    task = await create(client, "text2video", {"prompt": "a fox in the snow"})
    gateway.finish(task["task_id"])
    data = await read(client, "text2video", task["task_id"])
    video: JSON = data["task_result"]["videos"][0]
    return video


def anonymous(gateway: FakeGateway) -> httpx.AsyncClient:
    """A client of the gateway's app without credentials: how result files are fetched (the
    media host refuses a request that carries `Authorization`)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.app))


def error_of(response: httpx.Response) -> tuple[int, int]:
    """(HTTP status, business code) of an error answer, after checking its envelope."""
    body = response.json()
    assert isinstance(body["request_id"], str)
    assert body["request_id"]
    assert body["code"] != 0
    assert body["message"]
    return response.status_code, int(body["code"])


def _mp4_handlers(data: bytes) -> list[bytes]:
    atoms = mutagen.mp4.Atoms(io.BytesIO(data))  # type: ignore[attr-defined]
    handlers = []
    for track in atoms.path(b"moov")[-1].findall(b"trak"):
        hdlr = track[b"mdia", b"hdlr"]
        raw = data[hdlr.offset : hdlr.offset + hdlr.length]
        handlers.append(raw[16:20])
    return handlers


def _info(parser: Any, data: bytes) -> Any:
    """The stream info mutagen reads from `data` (mutagen ships no type hints)."""
    return parser(io.BytesIO(data)).info


def assert_media(data: bytes, extension: str) -> None:
    """The bytes are a valid file of the type (magic bytes and structure), not just non-empty.

    MP4: `ftyp` box, `moov` before `mdat` (fast start), a video track, a duration. PNG: the
    signature, and Pillow verifies it. MP3: ID3 or an MPEG frame sync, mutagen reads a
    duration. WAV: RIFF/WAVE, PCM with a duration.
    """
    if extension == "mp4":
        assert data[4:8] == b"ftyp"
        assert data.index(b"moov") < data.index(b"mdat"), "moov must come first (faststart)"
        assert b"vide" in _mp4_handlers(data)
        assert _info(mutagen.mp4.MP4, data).length > 0
    elif extension == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG"
            assert min(image.size) >= 300
            image.verify()
    elif extension == "mp3":
        assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
        assert _info(mutagen.mp3.MP3, data).length > 0
    elif extension == "wav":
        assert data[:4] == b"RIFF"
        assert data[8:12] == b"WAVE"
        info = _info(mutagen.wave.WAVE, data)
        assert info.length > 0
        assert info.sample_rate > 0
    else:
        raise AssertionError(f"no check for .{extension}")

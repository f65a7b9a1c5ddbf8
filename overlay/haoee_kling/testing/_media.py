"""The media files fake tasks produce, and the URLs they are served at.

Four small real files ship as package data (made once by `tools/make_fake_media.sh`): a 1 s
320x240 H.264/AAC MP4, a 640x360 PNG, a 1 s MP3 and a 1 s 8 kHz WAV. Every result URL points at
one of them under `{host}/media/{name}`; the name's extension picks the file. Like Kling's result
URLs (public anti-hotlink links) they need no Authorization header, and like them they exist
only once the task has succeeded and are gone 30 days later (R §4.3).

Like signed object storage, the media host refuses a request that carries an `Authorization`
header (a second way to authenticate besides the link itself): HTTP 400, S3's XML error
`InvalidArgument`, "Only one auth mechanism allowed" (openapi/README.md, "The media host"). A
client that sends the API key to the file host fails here, as it would there.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from starlette.responses import PlainTextResponse, Response

__all__ = [
    "MEDIA_PREFIX",
    "MEDIA_RETENTION",
    "MEDIA_TYPES",
    "asset",
    "media_response",
    "media_url",
    "sample_image_path",
    "second_auth_response",
]

MEDIA_PREFIX = "/media/"

MEDIA_RETENTION = 30 * 24 * 3600.0
"""Seconds a result stays downloadable after its task succeeded (Kling: deleted after 30 days)."""

_SECOND_AUTH = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the "
    "X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization "
    "header should be specified</Message><ArgumentName>Authorization</ArgumentName>"
    "<RequestId>{request_id}</RequestId></Error>"
)
# S3 also echoes the header's value (`ArgumentValue`); the fake leaves it out, so a key sent
# here never comes back in an answer a client might log.

MEDIA_TYPES = {
    "mp4": ("video.mp4", "video/mp4"),
    "png": ("image.png", "image/png"),
    "mp3": ("audio.mp3", "audio/mpeg"),
    "wav": ("audio.wav", "audio/wav"),
}
"""File extension -> (packaged file, Content-Type)."""


_PACKAGE = __name__.rpartition(".")[0]


@functools.cache
def asset(extension: str) -> bytes:
    """The bytes of the packaged file for an extension (`mp4`, `png`, `mp3`, `wav`).

    Raises:
        KeyError: no file for this extension.
    """
    filename, _ = MEDIA_TYPES[extension]
    return resources.files(_PACKAGE).joinpath("media", filename).read_bytes()


def sample_image_path() -> Path:
    """A local 640x360 PNG that passes Kling's image rules (for demos and upload tests)."""
    return Path(str(resources.files(_PACKAGE).joinpath("media", MEDIA_TYPES["png"][0])))


def media_url(base: str, name: str) -> str:
    """The absolute URL of a media file on the gateway's host."""
    return f"{base}{MEDIA_PREFIX}{name}"


def second_auth_response(request_id: str) -> Response:
    """S3's answer to a signed URL fetched with an `Authorization` header too."""
    body = _SECOND_AUTH.format(request_id=request_id)
    return Response(body, status_code=400, media_type="application/xml")


def media_response(name: str, ready: bool) -> Response:
    """The download of `name`, or 404 when it does not exist (yet, or any more)."""
    extension = name.rpartition(".")[2]
    if not ready or extension not in MEDIA_TYPES:
        return PlainTextResponse("not found", status_code=404)
    return Response(asset(extension), media_type=MEDIA_TYPES[extension][1])

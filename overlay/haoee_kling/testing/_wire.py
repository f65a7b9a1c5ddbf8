"""What a fired fault puts on the wire, down to closing the connection mid-response.

`fault_response` turns a fault of the plan (see `_faults`) into the answer. For the two
connection-level kinds, ASGI has no message for "close the socket", so the fake does it two ways:

- under uvicorn (see `_server`) each request's scope carries the extension `DROP_EXTENSION`, an
  async callable that closes the TCP connection (after flushing what was already written); the
  client sees a `RemoteProtocolError` / `ReadError`, exactly as with a crashed proxy;
- in-process (httpx `ASGITransport`, Starlette `TestClient`) there is no socket, so the app
  raises `ConnectionDropped`, a subclass of `httpx.RemoteProtocolError`: the transport hands it
  to the client unchanged, so client code sees the same exception family either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from ._envelope import error_response
from ._faults import Fault
from ._specdata import error_meaning

__all__ = [
    "DROP_EXTENSION",
    "ConnectionDropped",
    "DroppedResponse",
    "TruncatedResponse",
    "fault_response",
]

DROP_EXTENSION = "haoee_kling.fake.drop_connection"

Dropper = Callable[[], Awaitable[None]]


class ConnectionDropped(httpx.RemoteProtocolError):
    """The fake closed the connection on purpose (in-process stand-in for a dropped socket)."""


async def _drop(scope: Scope, what: str) -> None:
    extensions: dict[str, Any] = scope.get("extensions") or {}
    dropper: Dropper | None = extensions.get(DROP_EXTENSION)
    if dropper is None:
        raise ConnectionDropped(f"Server disconnected without sending {what}.")
    await dropper()


class DroppedResponse(Response):
    """Send nothing at all and close the connection."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _drop(scope, "a response")


class TruncatedResponse(Response):
    """Announce the whole body in `Content-Length`, send only `keep` of it, then close.

    Args:
        inner: the complete response (its headers are sent as they are).
        keep: the fraction of the body to send, in [0, 1).
    """

    def __init__(self, inner: Response, keep: float) -> None:
        super().__init__(b"")
        self.inner = inner
        self.keep = keep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytes(self.inner.body)
        await send(
            {
                "type": "http.response.start",
                "status": self.inner.status_code,
                "headers": self.inner.raw_headers,
            }
        )
        sent = body[: int(len(body) * self.keep)]
        await send({"type": "http.response.body", "body": sent, "more_body": True})
        await _drop(scope, f"the complete body ({len(sent)} of {len(body)} bytes sent)")


_HTML_PAGE = """<!DOCTYPE html>
<html><head><title>{status} Bad Gateway</title></head>
<body><center><h1>{status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>
"""
_MALFORMED_JSON = b'{"code": 0, "message": "SUCCEED", "request_id": "'


async def fault_response(
    fault: Fault | None, request_id: str, produce: Callable[[], Awaitable[Response]]
) -> Response:
    """The answer to a request under `fault` (`produce` makes the normal answer).

    `drop` and `truncate` run `produce` first: the request takes effect (a create stores its
    task) and only the answer is lost.
    """
    if fault is None:
        return await produce()
    if fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
        return await produce()
    if fault.kind == "status":
        code = fault.business_code
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        return error_response(fault.http_status, code, error_meaning(code), request_id, headers)
    if fault.kind == "html":
        return HTMLResponse(_HTML_PAGE.format(status=fault.http_status), fault.http_status)
    if fault.kind == "malformed_json":
        return Response(_MALFORMED_JSON, media_type="application/json")
    response = await produce()
    if fault.kind == "drop":
        return DroppedResponse()
    return TruncatedResponse(response, fault.keep)

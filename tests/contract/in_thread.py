"""Schemathesis's requests, answered by the fake gateway in the test's own thread.

schemathesis reaches an ASGI app through a portal: a thread with an event loop of its own and
two cross-thread calls a request. The cases are drawn and checked in the test's thread all the
same, so the portal added work and nothing else: about 1.3 ms of CPU a request, a fifth of the
contract suite's time. This adapter runs the app on an event loop of the test's thread, through
httpx's ASGI transport, and hands schemathesis the answer as `requests` would (an urllib3
response with the headers as sent). The fake delivers callbacks from a thread of its own, so
nothing of it waits for the loop between requests.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import requests
import requests.adapters
import urllib3
from schemathesis.python import asgi

__all__ = ["in_thread_session"]


class _InThreadAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, app: Any) -> None:
        super().__init__()
        self._loop = asyncio.new_event_loop()
        self._transport = httpx.ASGITransport(app=app)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        # Headers travel as latin-1 octets, as on a socket (schemathesis sends any text).
        headers = [
            (name.encode("latin-1"), value if isinstance(value, bytes) else value.encode("latin-1"))
            for name, value in request.headers.items()
        ]
        body = request.body
        content = (
            body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
        )
        asked = httpx.Request(
            str(request.method), str(request.url), headers=headers, content=content
        )
        answer = self._loop.run_until_complete(self._answer(asked))
        answered = urllib3.HTTPHeaderDict()
        for name, value in answer.headers.raw:  # repeated headers stay repeated
            answered.add(name.decode("latin-1"), value.decode("latin-1"))
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=answered,
            status=answer.status_code,
            reason=answer.reason_phrase,
            version=11,
            preload_content=False,
            request_method=request.method,
        )
        return self.build_response(request, raw)

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        response = await self._transport.handle_async_request(request)
        await response.aread()
        return response

    def close(self) -> None:
        self._loop.close()


def in_thread_session(app: Any) -> asgi.ASGIClient:
    """A session schemathesis takes for an ASGI app (its own client type, so it is used as
    given), answered in this thread; the environment's proxies are not read (none apply)."""
    session = asgi.ASGIClient(app)
    adapter = _InThreadAdapter(app)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False
    return session

"""The one seam to the generated client: send a `Call` through `haoee_kling_api`.

Each `Call` names an operationId; this module finds its generated module in the generated
operation table (`haoee_kling_api.api.OPERATIONS`), lets its public `build_request` build the
request (path, query, `ModelName` header, and the JSON body as the overlay built and checked
it: no generated model on the way), sends it to an absolute URL under the base URL with the
client's auth and the call's timeout, and hands the raw answer to `translate_response`, the one
place answers are read. A caller's own httpx client is used as it is: its base URL and auth are
never changed. The generated `*_detailed` functions would parse every body into the generated
envelope first, only for the translation to read the same bytes again.
httpx exceptions go through `map_transport_error`.
"""

from __future__ import annotations

import functools
import logging
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from .._clock import Clock
from .._errors import KlingError
from .._spec import operations
from ._auth import BearerAuth, JwtAuth
from ._proxies import proxy_for
from ._translate import Reply, map_transport_error, translate_response

if TYPE_CHECKING:  # the sender only names the plans' Call; plans import the sender's Reply
    from ..plans._engine import Call

__all__ = [
    "AsyncSender",
    "SyncSender",
    "generated_module",
    "kind_operations",
]

_log = logging.getLogger("haoee_kling")


@functools.cache
def generated_module(operation_id: str) -> ModuleType:
    """The generated module of an operation, from the generated operation table.

    Raises:
        KeyError: the spec has no such operation (run `make generate` after editing it).
    """
    from haoee_kling_api.api import operation_module

    return operation_module(operation_id)


@functools.lru_cache(maxsize=64)
def _timeouts(seconds: float) -> dict[str, float | None]:
    # The same few timeouts on every request: built once each (httpx only reads them).
    return httpx.Timeout(seconds).as_dict()


@functools.cache
def kind_operations() -> dict[str, dict[str, str]]:
    """Task kind -> {"create": opId, "get": opId, "list": opId}, from the spec's x-kling-kind."""
    table: dict[str, dict[str, str]] = {}
    for op in operations().values():
        if op.kind is None:
            continue
        role = next(r for r in ("create", "get", "list") if op.operation_id.startswith(r))
        table.setdefault(op.kind, {})[role] = op.operation_id
    return table


def _started(clock: Clock) -> float | None:
    """When a request left, for its latency in the debug log; None when the log is off (one
    clock read fewer per call)."""
    return clock.monotonic() if _log.isEnabledFor(logging.DEBUG) else None


def _logged(
    call: Call, request: dict[str, Any], outcome: str, started: float | None, clock: Clock
) -> None:
    """One debug record per attempt: method, path (never the query: signed links and
    parameters stay out), outcome, latency, attempt and request id. The redacting filter on
    the logger still masks any secret."""
    if started is None:
        return
    path = urlsplit(str(request["url"])).path
    millis = (clock.monotonic() - started) * 1000
    _log.debug(
        "%s %s -> %s in %.0f ms (%s, attempt %d)",
        request["method"].upper(),
        path,
        outcome,
        millis,
        call.operation_id,
        call.attempt,
    )


def _finish(
    call: Call,
    request: dict[str, Any],
    response: httpx.Response,
    clock: Clock,
    started: float | None,
) -> Reply:
    status = int(response.status_code)
    try:
        reply = translate_response(status, response.headers, response.content, now=clock.wall)
    except KlingError as error:
        request_id = getattr(error, "request_id", None)
        _logged(call, request, f"HTTP {status}, request_id {request_id}", started, clock)
        raise
    if started is not None:
        _logged(call, request, f"HTTP {status}, request_id {reply.request_id}", started, clock)
    return reply


def _failed(
    call: Call,
    request: dict[str, Any],
    exc: Exception,
    started: float | None,
    clock: Clock,
    env_proxies: bool,
) -> KlingError:
    """The error of a request that got no answer (naming the environment's proxy it went
    through, when the client takes proxies from there), logged like an answer."""
    proxy = proxy_for(str(request["url"]), os.environ) if env_proxies else None
    error = map_transport_error(exc, proxy)
    _logged(call, request, type(error).__name__, started, clock)
    return error


class _Sender:
    """What both senders hold: the httpx client, the base URL, the auth and the clock.

    Args:
        http: the httpx client (the client's own, or the caller's, which is never modified).
        base_url: the gateway base URL; every request is sent to an absolute URL under it.
        auth: the credentials, passed with each request rather than set on `http`.
        clock: wall time for Retry-After dates.
        env_proxies: whether `http` takes its proxies from the environment (errors name them).
    """

    def __init__(
        self,
        http: Any,
        base_url: str,
        auth: BearerAuth | JwtAuth,
        clock: Clock,
        env_proxies: bool = False,
    ) -> None:
        self._http, self._base_url, self._auth, self._clock = http, base_url, auth, clock
        self.env_proxies = env_proxies
        # A fixed key's header is the same on every request: made once. A JWT is re-signed
        # before it expires, so it is asked for each time.
        self._authorization = auth.header() if isinstance(auth, BearerAuth) else None

    def _prepare(self, call: Call) -> dict[str, Any]:
        """The httpx request arguments for one call, built by the generated module, sent to
        an absolute URL under the base URL with the credentials as a header of this request
        and no auth flow: the same bytes on the wire, a caller's client and its own auth left
        alone, and less work per call."""
        module = generated_module(call.operation_id)
        kwargs: dict[str, Any] = dict(call.query)
        if call.task_id is not None:
            kwargs["task_id"] = call.task_id
        if call.model_name is not None:
            kwargs["model_name"] = call.model_name
        if call.body is not None:
            kwargs["body"] = call.body
        request: dict[str, Any] = module.build_request(**kwargs)
        if call.timeout is not None:
            # As a request extension rather than `timeout=`: the same thing to httpx, and
            # accepted by clients built on it that refuse per-request timeouts (Starlette's
            # TestClient).
            request["extensions"] = {"timeout": _timeouts(call.timeout)}
        request["url"] = self._base_url + request["url"]
        authorization = self._authorization or self._auth.header()
        request.setdefault("headers", {})["Authorization"] = authorization
        request["auth"] = None
        return request


class SyncSender(_Sender):
    """Sends `Call`s on a blocking httpx client."""

    def __call__(self, call: Call) -> Reply:
        """Send one attempt; returns the reply or raises a `KlingError`."""
        request = self._prepare(call)
        started = _started(self._clock)
        try:
            response = self._http.request(**request)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise _failed(call, request, exc, started, self._clock, self.env_proxies) from exc
        return _finish(call, request, response, self._clock, started)


class AsyncSender(_Sender):
    """Sends `Call`s on an async httpx client."""

    async def __call__(self, call: Call) -> Reply:
        """Send one attempt; returns the reply or raises a `KlingError`."""
        request = self._prepare(call)
        started = _started(self._clock)
        try:
            response = await self._http.request(**request)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise _failed(call, request, exc, started, self._clock, self.env_proxies) from exc
        return _finish(call, request, response, self._clock, started)

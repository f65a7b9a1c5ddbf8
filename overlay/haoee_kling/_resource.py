"""The one seam to the generated client: send a `Call` through `haoee_kling_api`.

Each `Call` names an operationId; this module finds the generated module for it, lets the
generated `_get_kwargs` build the request (path, query, `ModelName` header, body from the
generated model's `from_dict`/`to_dict`), sends it on the generated client's httpx client with
the call's timeout, and hands the raw answer to `translate_response`, the one place answers are
read. The generated `*_detailed` functions would parse every body into the generated envelope
first, only for the translation to read the same bytes again: `make bench` measured that double
parse as most of the client's per-call cost. httpx exceptions go through `map_transport_error`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import pkgutil
from types import ModuleType
from typing import Any

import httpx

from ._clock import Clock
from ._engine import Call
from ._errors import KlingError
from ._spec import operation, operations
from ._translate import Reply, map_transport_error, translate_response

__all__ = [
    "AsyncSender",
    "SyncSender",
    "generated_module",
    "kind_operations",
]

_log = logging.getLogger("haoee_kling")


@functools.cache
def generated_module(operation_id: str) -> ModuleType:
    """The generated module of an operation (`createText2Video` -> `.create_text_2_video`)."""
    tag = operation(operation_id).tag
    package = importlib.import_module(f"haoee_kling_api.api.{tag}")
    wanted = operation_id.lower()
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.replace("_", "") == wanted:
            return importlib.import_module(f"{package.__name__}.{info.name}")
    raise LookupError(f"no generated module for {operation_id}; run `make generate`")


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


@functools.cache
def _body_type(module: ModuleType) -> Any:
    """The generated model class of an operation's request body."""
    return inspect.signature(module._get_kwargs).parameters["body"].annotation


def _request(module: ModuleType, call: Call) -> dict[str, Any]:
    """The httpx request arguments for one call, built by the generated module."""
    kwargs: dict[str, Any] = dict(call.query)
    if call.task_id is not None:
        kwargs["task_id"] = call.task_id
    if call.model_name is not None:
        kwargs["model_name"] = call.model_name
    if call.body is not None:
        kwargs["body"] = _body_type(module).from_dict(dict(call.body))
    request: dict[str, Any] = module._get_kwargs(**kwargs)
    if call.timeout is not None:
        # As a request extension rather than `timeout=`: the same thing to httpx, and accepted
        # by clients built on it that refuse per-request timeouts (Starlette's TestClient).
        request["extensions"] = {"timeout": httpx.Timeout(call.timeout).as_dict()}
    return request


def _finish(call: Call, response: httpx.Response, clock: Clock) -> Reply:
    status = int(response.status_code)
    reply_or_error: Reply | KlingError
    try:
        reply_or_error = translate_response(
            status, response.headers, response.content, now=clock.wall()
        )
    except KlingError as error:
        reply_or_error = error
    request_id = getattr(reply_or_error, "request_id", None)
    _log.debug("%s -> HTTP %s (request_id %s)", call.operation_id, status, request_id)
    if isinstance(reply_or_error, KlingError):
        raise reply_or_error
    return reply_or_error


class SyncSender:
    """Sends `Call`s on the generated client's blocking httpx client.

    Args:
        client: the generated `Client` (its httpx client carries base URL and auth).
        clock: wall time for Retry-After dates.
    """

    def __init__(self, client: Any, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    def __call__(self, call: Call) -> Reply:
        """Send one attempt; returns the reply or raises a `KlingError`."""
        request = _request(generated_module(call.operation_id), call)
        try:
            response = self._client.get_httpx_client().request(**request)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise map_transport_error(exc) from exc
        return _finish(call, response, self._clock)


class AsyncSender:
    """Sends `Call`s on the generated client's async httpx client (see `SyncSender`)."""

    def __init__(self, client: Any, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    async def __call__(self, call: Call) -> Reply:
        """Send one attempt; returns the reply or raises a `KlingError`."""
        request = _request(generated_module(call.operation_id), call)
        try:
            response = await self._client.get_async_httpx_client().request(**request)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise map_transport_error(exc) from exc
        return _finish(call, response, self._clock)

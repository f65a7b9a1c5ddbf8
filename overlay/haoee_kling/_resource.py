"""The one seam to the generated client: send a `Call` through `haoee_kling_api`.

Each `Call` names an operationId; this module finds the generated function for it
(`haoee_kling_api.api.<tag>.<module>.sync_detailed` / `asyncio_detailed`), builds the body
model with `from_dict`, passes the `ModelName` header, and hands the answer to
`translate_response`. httpx exceptions go through `map_transport_error`. The generated parser
raises on answers that are not Kling's envelope (HTML on a documented status, a 200 that is
not JSON); the raw response is then taken from a response hook so the translation still sees it.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import inspect
import logging
import pkgutil
from types import ModuleType
from typing import Any, TypeVar

import httpx

from ._clock import Clock
from ._engine import Call
from ._errors import KlingError, UnexpectedResponseError
from ._spec import operation, operations
from ._translate import Reply, map_transport_error, translate_response

__all__ = [
    "AsyncSender",
    "SyncSender",
    "generated_module",
    "install_hooks",
    "kind_operations",
    "parse_model",
]

_log = logging.getLogger("haoee_kling")
M = TypeVar("M")
_TIMEOUT: contextvars.ContextVar[float | None] = contextvars.ContextVar("hk_timeout", default=None)
_RAW: contextvars.ContextVar[httpx.Response | None] = contextvars.ContextVar("hk_raw", default=None)
# What the generated parser raises on a body that is not the documented envelope.
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


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


def parse_model(model: type[M], data: Any, *, request_id: str | None = None) -> M:
    """Build a generated model from JSON, turning a shape error into UnexpectedResponseError."""
    try:
        return model.from_dict(data)  # type: ignore[attr-defined, no-any-return]
    except _PARSE_ERRORS as exc:
        raise UnexpectedResponseError(
            f"the answer's data does not fit {model.__name__}: {type(exc).__name__}: {exc}",
            status_code=200,
            request_id=request_id,
            body=str(data)[:500],
        ) from exc


def _kwargs(module: ModuleType, call: Call) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(call.query)
    if call.task_id is not None:
        kwargs["task_id"] = call.task_id
    if call.model_name is not None:
        kwargs["model_name"] = call.model_name
    if call.body is not None:
        body_type = inspect.signature(module.sync_detailed).parameters["body"].annotation
        kwargs["body"] = body_type.from_dict(dict(call.body))
    return kwargs


def _apply_timeout(request: httpx.Request) -> None:
    timeout = _TIMEOUT.get()
    if timeout is not None:
        request.extensions["timeout"] = httpx.Timeout(timeout).as_dict()


def _keep(response: httpx.Response) -> None:
    _RAW.set(response)


async def _aapply_timeout(request: httpx.Request) -> None:
    _apply_timeout(request)


async def _akeep(response: httpx.Response) -> None:
    _keep(response)


def install_hooks(client: httpx.Client | httpx.AsyncClient) -> None:
    """Add the per-call timeout and raw-response hooks to an httpx client (once)."""
    hooks = client.event_hooks
    is_async = isinstance(client, httpx.AsyncClient)
    request_hook: Any = _aapply_timeout if is_async else _apply_timeout
    response_hook: Any = _akeep if is_async else _keep
    if request_hook not in hooks.setdefault("request", []):
        hooks["request"].append(request_hook)
        hooks.setdefault("response", []).append(response_hook)
    client.event_hooks = hooks


def _finish(call: Call, response: Any, clock: Clock) -> Reply:
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


class _Attempt:
    """One attempt's bookkeeping, shared by both senders.

    Entering sets the per-call timeout for the request hook; leaving maps an httpx exception
    to the client's tree, or recovers the raw response when the generated parser choked on a
    body that is not the envelope. `reply()` then translates whatever arrived.
    """

    def __init__(self, call: Call, clock: Clock) -> None:
        self.call, self._clock = call, clock
        self.module = generated_module(call.operation_id)
        self.kwargs = _kwargs(self.module, call)
        self.response: Any = None

    def __enter__(self) -> _Attempt:
        self._tokens = (_TIMEOUT.set(self.call.timeout), _RAW.set(None))
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        raw = _RAW.get()
        _TIMEOUT.reset(self._tokens[0])
        _RAW.reset(self._tokens[1])
        if isinstance(exc, httpx.HTTPError):
            raise map_transport_error(exc) from exc
        if isinstance(exc, _PARSE_ERRORS) and raw is not None:
            self.response = raw
            return True
        return False

    def reply(self) -> Reply:
        """Translate the answer (see `translate_response`)."""
        return _finish(self.call, self.response, self._clock)


class SyncSender:
    """Sends `Call`s with the generated sync functions.

    Args:
        client: the generated `Client`, whose httpx client has `install_hooks` applied.
        clock: wall time for Retry-After dates.
    """

    def __init__(self, client: Any, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    def __call__(self, call: Call) -> Reply:
        """Send one attempt; returns the reply or raises a `KlingError`."""
        with _Attempt(call, self._clock) as attempt:
            attempt.response = attempt.module.sync_detailed(client=self._client, **attempt.kwargs)
        return attempt.reply()


class AsyncSender:
    """Sends `Call`s with the generated async functions (see `SyncSender`)."""

    def __init__(self, client: Any, clock: Clock) -> None:
        self._client = client
        self._clock = clock

    async def __call__(self, call: Call) -> Reply:
        """Send one attempt; returns the reply or raises a `KlingError`."""
        with _Attempt(call, self._clock) as attempt:
            attempt.response = await attempt.module.asyncio_detailed(
                client=self._client, **attempt.kwargs
            )
        return attempt.reply()

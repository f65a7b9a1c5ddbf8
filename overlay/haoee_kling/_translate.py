"""The one place where answers and transport failures become values or errors.

`translate_response` reads any HTTP answer (Kling's envelope or not) and returns the envelope's
`data` or raises the matching `APIError`; it never crashes on HTML, non-JSON, a string `code`
or a status like 520. `map_transport_error` turns every httpx exception into a `KlingError`
(cf. httpx's own `map_httpcore_exceptions`), deciding whether the request may have been sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

from ._errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    KlingError,
    UnexpectedResponseError,
    error_class,
)
from ._logging import redact
from ._retries import parse_retry_after

__all__ = ["Reply", "map_transport_error", "translate_response"]

_EXCERPT = 500


@dataclass(frozen=True)
class Reply:
    """A successful answer, unwrapped.

    Attributes:
        data: the envelope's `data` (an object or a list), as plain JSON values.
        request_id: the server's trace id, if it sent one.
        retry_after: a wait hint sent with the answer (seconds), if any.
    """

    data: Any
    request_id: str | None
    retry_after: float | None


def _excerpt(content: bytes) -> str:
    return redact(content[: _EXCERPT * 2].decode("utf-8", "replace")[:_EXCERPT])


def _is_iana(status: int) -> bool:
    try:
        HTTPStatus(status)
    except ValueError:
        return False
    return True


def translate_response(
    status_code: int, headers: Mapping[str, str], content: bytes, *, now: float
) -> Reply:
    """Turn one HTTP answer into its `data`, or raise.

    Args:
        status_code: the HTTP status (any integer, IANA or not).
        headers: the response headers.
        content: the raw body.
        now: Unix time in seconds, to read an HTTP-date `Retry-After`.

    Returns:
        The unwrapped answer when the status is 2xx and the envelope's `code` is 0.

    Raises:
        APIError: the matching subclass for a Kling error envelope (by business code, else by
            status); UnexpectedResponseError for anything that is not Kling's envelope.
    """
    retry_after = parse_retry_after(headers, now)
    fallback_retryable = status_code in (408, 429) or status_code >= 500
    try:
        body: Any = json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        kind = "an empty body" if not content else "a body that is not a JSON object"
        raise UnexpectedResponseError(
            f"unexpected answer: HTTP {status_code} with {kind}",
            status_code=status_code,
            body=_excerpt(content),
            retryable=fallback_retryable,
            retry_after=retry_after,
        )
    code = body.get("code")
    request_id = body.get("request_id") if isinstance(body.get("request_id"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else ""
    int_code = code if isinstance(code, int) and not isinstance(code, bool) else None
    if 200 <= status_code < 300 and int_code == 0:
        return Reply(body.get("data"), request_id, retry_after)
    if int_code is None or not _is_iana(status_code):
        raise UnexpectedResponseError(
            f"unexpected answer: HTTP {status_code}, code {code!r}: {message or 'no message'}",
            status_code=status_code,
            code=code,
            request_id=request_id,
            body=_excerpt(content),
            retryable=fallback_retryable,
            retry_after=retry_after,
        )
    cls, retryable = error_class(status_code, int_code)
    raise cls(
        message or f"error code {int_code}",
        status_code=status_code,
        code=int_code,
        request_id=request_id,
        body=_excerpt(content),
        retryable=retryable,
        retry_after=retry_after,
    )


def map_transport_error(exc: Exception) -> KlingError:
    """Translate an httpx exception into the client's tree.

    A failure while connecting (or waiting for a pooled connection) proves the request never
    left; anything later (write, read, protocol) may have reached the server.

    Args:
        exc: the exception httpx raised.

    Returns:
        The error to raise (the caller chains `exc` as its cause).
    """
    text = redact(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return APITimeoutError(f"timed out before sending: {text}", maybe_sent=False)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"timed out waiting for the answer: {text}", maybe_sent=True)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigurationError(f"bad base URL: {text}")
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"could not connect: {text}", maybe_sent=False)
    return APIConnectionError(f"request failed: {text}", maybe_sent=True)

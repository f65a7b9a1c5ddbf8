"""The one place where answers and transport failures become values or errors.

`translate_response` reads any HTTP answer (Kling's envelope or not) and returns the envelope's
`data` or raises the matching `APIError`: by Kling's business code when the body is Kling's
envelope, else by the HTTP status, so an OpenAI-style 401, a text 429 or an nginx 502 page is
still an AuthenticationError, a RateLimitError or a ServerError, with the server's message. It
never crashes on HTML, non-JSON, a string `code` or a status like 520. `map_transport_error`
turns every httpx exception into a `KlingError`
(cf. httpx's own `map_httpcore_exceptions`), deciding whether the request may have been sent.
"""

from __future__ import annotations

import email.utils
import json
import math
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, NamedTuple

import httpx

from .._errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    KlingError,
    UnexpectedResponseError,
    error_class,
)
from .._logging import redact

__all__ = [
    "Reply",
    "error_message",
    "map_transport_error",
    "parse_retry_after",
    "translate_response",
]

_EXCERPT = 500
_MESSAGE = 200
# Where gateways put their error message, in the order they are looked for.
_MESSAGE_KEYS = ("message", "msg", "error", "detail", "errors", "error_description", "title")


class Reply(NamedTuple):
    """A successful answer, unwrapped (a named tuple: one is made per answer, see `Call`).

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


def _visible_text(content: bytes) -> str:
    text = content[: _EXCERPT * 40].decode("utf-8", "replace")
    if "<" in text and ">" in text:
        from ._html import page_text  # only an HTML error page loads the parser

        text = page_text(text)
    return " ".join(text.split())


def _message_in(value: Any, depth: int = 0) -> str | None:
    """The first message in one of the common error shapes, searched breadth-first by key."""
    if isinstance(value, str):
        return value.strip() or None
    if depth > 3:
        return None
    if isinstance(value, list):
        return _message_in(value[0], depth + 1) if value else None
    if isinstance(value, Mapping):
        for key in _MESSAGE_KEYS:
            found = _message_in(value.get(key), depth + 1)
            if found:
                return found
    return None


def error_message(body: Any, content: bytes, status_code: int) -> str:
    """What the server said went wrong, in at most 200 characters.

    Taken from the first of `message`, `msg`, `error.message`, `error` (text), `detail` (text
    or a list of `{msg}`), `errors[0].message`, `error_description`, `title`; else the body's
    text with HTML tags stripped; else the HTTP reason phrase.
    """
    found = _message_in(body) if isinstance(body, Mapping) else None
    text = found or _visible_text(content)
    if not text and _is_iana(status_code):
        text = HTTPStatus(status_code).phrase
    return text[:_MESSAGE]


def _business_code(body: Any) -> int | None:
    """Kling's `code` as an integer (also when sent as a numeric string), or None."""
    code = body.get("code") if isinstance(body, Mapping) else None
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, float) and code.is_integer():
        return int(code)
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        return int(code.strip())
    return None


def _shape_of(body: Any, content: bytes, headers: Mapping[str, str]) -> str:
    if not content.strip():
        return "an empty body"
    if body is None:
        kind = str(headers.get("content-type", "")).lower()
        looks_html = "html" in kind or content.lstrip()[:1] == b"<"
        return "an HTML page" if looks_html else "a body that is not JSON"
    return (
        "JSON that is not Kling's envelope"
        if isinstance(body, Mapping)
        else "a JSON " + ("list" if isinstance(body, list) else "value")
    )


def _is_iana(status: int) -> bool:
    try:
        HTTPStatus(status)
    except ValueError:
        return False
    return True


_RETRY_HEADERS = frozenset({"retry-after", "retry-after-ms"})
_RETRY_HEADER_BYTES = frozenset(name.encode() for name in _RETRY_HEADERS)


def parse_retry_after(headers: Mapping[str, str], now: float | Callable[[], float]) -> float | None:
    """Read the server's wait hint.

    Args:
        headers: response headers (case-insensitive mapping, as httpx gives).
        now: the current Unix time in seconds, or what tells it: asked only for an
            HTTP-date value.

    Returns:
        The requested wait in seconds (finite, >= 0: a negative value or a past date is 0), or
        None when absent or unreadable (NaN and infinity are unreadable). How long the client
        actually pauses is decided by `_retries.server_pause` (at least `PAUSE_FLOOR`, at
        most `SLEEP_CAP`).
    """
    # One pass over the header names, lowered. For httpx's headers the names are looked at as
    # the bytes they arrived as, and only a hit is decoded: a miss, the usual case, decodes
    # nothing (`make bench`, per-call overhead; `Headers.get` raises and catches a KeyError).
    if isinstance(headers, httpx.Headers):
        lowered = {
            k.lower().decode("latin-1"): v.decode(headers.encoding)
            for k, v in headers.raw
            if k.lower() in _RETRY_HEADER_BYTES
        }
    else:
        lowered = {k.lower(): v for k, v in headers.items() if k.lower() in _RETRY_HEADERS}
    if not lowered:
        return None
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        seconds = _number(raw_ms)
        if seconds is not None:
            return max(0.0, seconds / 1000.0)
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    seconds = _number(raw)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when.timestamp() - (now() if callable(now) else now))


def _number(raw: str) -> float | None:
    """A header's number, or None when it is not a finite one (`nan`, `inf`, `1e999`)."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def translate_response(
    status_code: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    now: float | Callable[[], float],
) -> Reply:
    """Turn one HTTP answer into its `data`, or raise.

    Kling's envelope is read first: a known business code picks the error class. Anything else
    (HTML, text, another gateway's JSON, an unknown code) is classed by the HTTP status, with
    the server's message taken from the common shapes (`error_message`).

    Args:
        status_code: the HTTP status (any integer, IANA or not).
        headers: the response headers.
        content: the raw body.
        now: Unix time in seconds, or what tells it (asked only when an HTTP-date
            `Retry-After` is there to read).

    Returns:
        The unwrapped answer when the status is 2xx and the envelope's `code` is 0 (or "0").

    Raises:
        APIError: the class `error_class` picks; UnexpectedResponseError for a 1xx, 2xx or 3xx
            answer that is not a success envelope.
    """
    retry_after = parse_retry_after(headers, now)
    try:
        body: Any = json.loads(content)  # an empty body raises too: it is not JSON
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested deeper than the interpreter's stack (`[[[[...`, found
        # by the simulator) is no answer a client can read either.
        body = None
    if type(body) is dict and 200 <= status_code < 300:
        # The success envelope, read without the general path's checks: every answer that
        # works takes this way (`make bench`, per-call overhead).
        code = body.get("code")
        request_id = body.get("request_id")
        if code == 0 and type(code) is int and (type(request_id) is str or request_id is None):
            return Reply(body.get("data"), request_id or None, retry_after)
    code = _business_code(body)
    request_id = body.get("request_id") if isinstance(body, Mapping) else None
    request_id = str(request_id) if isinstance(request_id, str | int) and request_id else None
    if 200 <= status_code < 300 and code == 0:
        return Reply(body.get("data"), request_id, retry_after)
    message = error_message(body, content, status_code)
    cls, retryable = error_class(status_code, code)
    if cls is UnexpectedResponseError:
        shape = _shape_of(body, content, headers)
        location = headers.get("location")
        hint = f"; redirected to {location}: check the base URL" if location else ""
        message = f"unexpected answer: HTTP {status_code} with {shape}{hint}" + (
            f": {message}" if message else ""
        )
    raise cls(
        message or f"error code {code}",
        status_code=status_code,
        code=code
        if code is not None
        else (body.get("code") if isinstance(body, Mapping) else None),
        request_id=request_id,
        body=_excerpt(content),
        retryable=retryable,
        retry_after=retry_after,
    )


def map_transport_error(exc: Exception, proxy: tuple[str, str] | None = None) -> KlingError:
    """Translate an httpx exception into the client's tree.

    A failure while connecting (or waiting for a pooled connection) proves the request never
    left; anything later (write, read, protocol) may have reached the server. A proxy that
    refused to open the tunnel (`httpx.ProxyError`) is a failure while connecting too.

    Args:
        exc: the exception httpx raised.
        proxy: (variable, proxy URL without credentials) when the request went through a
            proxy from the environment: the message names it.

    Returns:
        The error to raise (the caller chains `exc` as its cause).
    """
    text = redact(f"{type(exc).__name__}: {exc}")
    if proxy is not None:
        variable, url = proxy
        text += f" (through the proxy {url} from {variable}: check that it runs, or unset it)"
    if isinstance(exc, httpx.ProxyError):
        return APIConnectionError(f"the proxy refused the connection: {text}", maybe_sent=False)
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return APITimeoutError(f"timed out before sending: {text}", maybe_sent=False)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"timed out waiting for the answer: {text}", maybe_sent=True)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigurationError(f"bad URL (check the base URL and the task id): {text}")
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"could not connect: {text}", maybe_sent=False)
    return APIConnectionError(f"request failed: {text}", maybe_sent=True)

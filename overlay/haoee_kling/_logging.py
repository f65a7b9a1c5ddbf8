"""Logging for the client, and the redaction that keeps secrets out of every text it emits.

Logger `haoee_kling`; `HAOEE_KLING_LOG=info|debug` prints it on stderr. Records carry retry
decisions, task ids and request ids, never bodies or prompts. One `redact` function serves log
records, reprs and exception messages: it masks `Authorization` values, keys the client holds,
JWTs (`eyJ...`), cookies and the query strings of URLs, absolute or not (signed media links,
also in a redirect's `Location` as httpcore's DEBUG trace prints it).

Text a server sends (a status message, an error page, a URL, a callback's fields) can hold
terminal controls: an ANSI escape that rewrites the screen, a CR that overwrites the line, a
bidi override that reorders it. `printable` escapes them (`\x1b`, `\r`, `\u202e`); log records,
exception messages and every line the CLI prints pass through it.

Records are redacted where they are made, whatever handler an application configures: the
first client built wraps the process's log-record factory so that every record of the loggers
in `REDACTED_LOGGERS` and their children (`httpcore.http11`, ...) is rewritten through
`redact` before any handler or filter sees it. Logger filters on the same loggers stay as a
second line, for an application that installs its own record factory later.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "REDACTED_LOGGERS",
    "RedactingFilter",
    "Secret",
    "configure_logging",
    "logger",
    "printable",
    "redact",
    "setup_logging",
]

logger = logging.getLogger("haoee_kling")

_MASK = "[REDACTED]"
_secrets: set[str] = set()
_lock = threading.Lock()
# What stands where a value would in help texts and docs (`pass api_key=... or set X`,
# `Bearer <key>`, `api_key=$HAOEE_API_KEY`), and the words after "bearer", "basic" or
# "Authorization:" in prose ("a bearer token", "basic auth", "Authorization: Bearer ..."):
# none is a secret, and masking them garbles the very message that says what to do.
_PLACEHOLDER = re.compile(
    r"\.{2,}|\u2026|\*+|<[^<>]*>?|\[REDACTED\]|\$\{?[A-Z_][A-Z0-9_]*\}?"
    r"|(?i:bearer|basic|tokens?|auth|authentication|authorization|header|scheme|credentials?|key)"
)


def _value(prefix_group: int, joiner: str = "") -> Callable[[re.Match[str]], str]:
    """A replacement that masks the matched value unless it is a placeholder."""

    def replace(match: re.Match[str]) -> str:
        if _PLACEHOLDER.fullmatch(match.group("value")):
            return match.group(0)
        return match.group(prefix_group) + joiner + _MASK

    return replace


_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+(?P<value>[^\s\"',;]+)"), _value(1, " ")),
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*"), _MASK),
    (
        re.compile(
            r"(?i)((?:api[_-]?key|secret[_-]?key|access[_-]?key|token|authorization)"
            r"[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',}&]+)"
        ),
        _value(1),
    ),
    (re.compile(r"(https?://[^\s?#\"'<>]+)\?[^\s\"'<>#]*"), r"\1?" + _MASK),
    # A path with a query string (a relative `Location`, a request target): the query may be
    # a signature. Preceded by a quote, a space or `=`, so prose with a "?" is left alone.
    (re.compile(r"((?:^|[\s\"'=(])/[^\s?#\"'<>]*)\?[^\s\"'<>#]+"), r"\1?" + _MASK),
    # A cookie, as httpcore prints response headers: (b'Set-Cookie', b'session=...').
    (re.compile(r"(?i)((?:set-)?cookie(?:['\"],\s*b?['\"]|:\s*))[^'\"\r\n]+"), r"\1" + _MASK),
)
# Secrets shorter than this are not substituted on their own: masking "ab" everywhere would
# garble unrelated text, and such keys are caught by the patterns above anyway.
_MIN_SECRET = 8


def redact(text: str) -> str:
    """Mask every secret in `text`.

    Args:
        text: any text about to leave the client (log line, repr, exception message).

    Returns:
        The text with registered keys, bearer tokens, JWTs, the values of `key=...` pairs and
        URL query strings replaced by `[REDACTED]`. Names stay, and so do placeholders where a
        value would be (`api_key=...`, `Bearer <key>`): help texts read as written.
    """
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    if known:
        # One pass, so a mask is never itself rewritten by a later secret; a mask already in
        # the text is matched first and kept, whatever the keys are (a key "REDACTED" too).
        text = re.sub("|".join(map(re.escape, [_MASK, *known])), _MASK, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# What steers a terminal or hides text: C0 controls but tab and newline, DEL, C1 controls
# (CSI is \x9b), the Arabic letter mark, LRM/RLM, line and paragraph separators, bidi
# embeddings, overrides and isolates.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _python_escape(match: re.Match[str]) -> str:
    return ascii(match.group())[1:-1]


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str, *, json: bool = False) -> str:
    """`text` with every character that could steer a terminal escaped; tab and newline kept.

    Args:
        text: text that may hold server-given parts, about to reach a terminal or a log.
        json: `text` is a JSON document: escape as JSON (`\u001b`), so it reads back the same.

    Returns:
        The text, with ESC, CR, BEL, the other C0 and C1 controls, DEL and bidi controls
        written as escapes (`\x1b`, `\r`, `\u202e`).
    """
    return _UNPRINTABLE.sub(_json_escape if json else _python_escape, text)


class Secret:
    """A credential whose repr and str never show it.

    Args:
        value: the secret; it is also registered so `redact` masks it wherever it appears.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if len(value) >= _MIN_SECRET:
            with _lock:
                _secrets.add(value)

    def get(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


_DONE = "_haoee_kling_redacted"  # the message as this filter left it, on the record


class RedactingFilter(logging.Filter):
    """Rewrites each record's message through `redact` and `printable` (arguments merged in
    first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops a record.

        A record passes here up to three times (made, at its logger, at our handler); a
        message this filter wrote and nobody changed since is not redacted again.
        """
        if record.args is None and getattr(record, _DONE, None) is record.msg:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = printable(redact(message))
        record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = printable(redact(trace))
        setattr(record, _DONE, record.msg)
        return True


_FILTER = RedactingFilter()
_configured = False
REDACTED_LOGGERS = ("haoee_kling", "httpx", "httpcore", "h11", "h2", "hpack")
"""Loggers whose records (and their children's) are always redacted: the client's, and those
of the HTTP stack under it, whose DEBUG traces print URLs and response headers."""


def _ours(name: str) -> bool:
    return name.partition(".")[0] in REDACTED_LOGGERS


def _install_record_factory() -> None:
    """Wrap the current log-record factory so records of `REDACTED_LOGGERS` are redacted."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_haoee_kling", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _ours(record.name):
            _FILTER.filter(record)
        return record

    factory.redacts_haoee_kling = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def setup_logging() -> None:
    """Redact every record of `REDACTED_LOGGERS` and apply `HAOEE_KLING_LOG`.

    httpx logs every request URL at INFO and httpcore every response's headers at DEBUG;
    download URLs are signed, so their records are redacted where they are made (the record
    factory) and by a filter on each logger. Safe to call many times.
    """
    global _configured
    with _lock:
        if _configured:
            return
        _configured = True
    _install_record_factory()
    for name in REDACTED_LOGGERS:
        target = logging.getLogger(name)
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
    level = os.environ.get("HAOEE_KLING_LOG", "").strip().lower()
    if level in ("info", "debug"):
        configure_logging(level)


_handler: logging.Handler | None = None


def configure_logging(level: str) -> None:
    """Print the client's log on stderr at `level` ("info" or "debug"), redacted.

    Args:
        level: "info" (retries, task ids, request ids) or "debug" (every request's outcome).
    """
    global _handler
    setup_logging()
    if _handler is None or _handler not in logger.handlers:
        _handler = logging.StreamHandler()
        _handler.addFilter(_FILTER)
        _handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(_handler)
    logger.setLevel(logging.DEBUG if level.lower() == "debug" else logging.INFO)

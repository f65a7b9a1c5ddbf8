"""The fault plan: misbehaviour the fake gateway injects on purpose, for the next N requests.

A fault matches requests by operationId (`createText2Video`), by `METHOD /path-glob` on the full
request path (`GET /media/*`, `POST /kling/v1/videos/*`) or by `*` (every API and media
request), and fires for the next `count` matching requests (`count=0`: every one, until the plan
is cleared). Kinds:

- `status`   an error envelope with HTTP `status` and business `code` (default from the status:
             429 -> 1302, 500 -> 5000, 503 -> 5001, 504 -> 5002), `Retry-After` if `retry_after`;
- `drop`     the request is carried out (a create stores its task), then the connection is closed
             without a response: the client cannot tell whether it worked ("ambiguous POST");
- `delay`    the answer comes `seconds` late (real time), e.g. longer than the client's timeout;
- `malformed_json`  HTTP 200 with a truncated JSON body;
- `html`     an HTML error page with HTTP `status` (default 502), as a proxy in front would send;
- `truncate` the normal response, but the connection closes after `keep` (a fraction) of the
             body although `Content-Length` announced all of it (a broken media download).

Faults act before authentication and validation, as a proxy or load balancer in front would.
The same fault can be written as keyword arguments (`Fault("status", status=503)`), as a dict
(control API: `POST /_fake/faults`) or as text (command line: `--fault status:status=503,count=2`).
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = [
    "DEFAULT_CODES",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "dropped_connection",
    "fault_usage",
    "html_error_page",
    "http_error",
    "malformed_json",
    "parse_fault",
    "slow_response",
    "truncated_body",
]

FaultKind = Literal["status", "drop", "delay", "malformed_json", "html", "truncate"]

DEFAULT_CODES = {429: 1302, 500: 5000, 502: 5000, 503: 5001, 504: 5002}
"""The business code a `status` fault sends when none is given."""


@dataclass(frozen=True)
class Fault:
    """One kind of misbehaviour and the requests it applies to (see the module docstring)."""

    kind: FaultKind
    match: str = "*"
    count: int = 1
    status: int | None = None
    code: int | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    keep: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {self.kind!r}{_did_you_mean(self.kind)}")
        if self.count < 0:
            raise ValueError(f"count must be 0 (always) or more (got {self.count})")
        if not 0 <= self.keep < 1:
            raise ValueError(f"keep must be a fraction in [0, 1) (got {self.keep})")

    @property
    def http_status(self) -> int:
        """The HTTP status this fault answers with (`status` and `html` faults)."""
        return self.status or (502 if self.kind == "html" else 503)

    @property
    def business_code(self) -> int:
        """The envelope code of a `status` fault."""
        return self.code or DEFAULT_CODES.get(self.http_status, 5000)

    def matches(self, operation_id: str | None, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.match == "*" or self.match == operation_id:
            return True
        wanted_method, _, glob = self.match.partition(" ")
        return bool(glob) and wanted_method.upper() == method and fnmatch.fnmatchcase(path, glob)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Fault:
        """Build a fault from plain values (JSON or parsed text), converting each to its type.

        Raises:
            ValueError: an unknown field or a value of the wrong type.
        """
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(
                f"unknown fault field(s) {', '.join(unknown)}; fields: {', '.join(known)}"
            )
        values = {name: _convert(name, value) for name, value in data.items()}
        if not values.get("kind"):
            raise ValueError("a fault needs a kind")
        return cls(**values)


_CONVERTERS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "kind": (str, "text"),
    "match": (str, "text"),
    "count": (int, "an integer"),
    "status": (int, "an integer"),
    "code": (int, "an integer"),
    "retry_after": (int, "an integer"),
    "seconds": (float, "a number"),
    "keep": (float, "a number"),
}


def _convert(name: str, value: Any) -> Any:
    convert, wanted = _CONVERTERS[name]
    if isinstance(value, bool):  # JSON true is not the integer 1 here
        raise ValueError(f"{name} must be {wanted} (got {value!r})")
    try:
        return convert(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {wanted} (got {value!r})") from None


def _did_you_mean(kind: str) -> str:
    close = difflib.get_close_matches(kind, get_args(FaultKind), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def fault_usage() -> str:
    """One line listing the valid faults and the text form, for error messages and help."""
    fields = ", ".join(f.name for f in dataclasses.fields(Fault) if f.name != "kind")
    return (
        f"valid faults: {', '.join(get_args(FaultKind))}, written KIND[:field=value,...] "
        f"with fields {fields} (e.g. status:status=503,count=2)"
    )


def parse_fault(text: str) -> Fault:
    """Parse the command-line form `KIND[:field=value,...]`, e.g. `status:status=429,count=3`.

    Raises:
        ValueError: the text is not a valid fault; the message says what is wrong with it and
            lists the valid faults.
    """
    kind, _, rest = text.partition(":")
    fields: dict[str, Any] = {"kind": kind.strip()}
    try:
        for item in filter(None, (part.strip() for part in rest.split(","))):
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"expected field=value, got {item!r}")
            fields[name.strip()] = value.strip()
        return Fault.from_mapping(fields)
    except ValueError as exc:
        reason = str(exc).rstrip(".")
        end = "" if reason.endswith("?") else "."
        raise ValueError(f"bad fault {text!r}: {reason}{end} {fault_usage()}") from None


class FaultPlan:
    """The faults waiting to fire, in the order they were added; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[tuple[Fault, list[int]]] = []
        self.fired: list[Fault] = []

    def add(self, *faults: Fault) -> None:
        """Queue faults; each fires for its next `count` matching requests."""
        with self._lock:
            self._faults.extend((fault, [fault.count]) for fault in faults)

    def clear(self) -> None:
        """Drop every pending fault (and the record of fired ones)."""
        with self._lock:
            self._faults.clear()
            self.fired.clear()

    def pending(self) -> list[Fault]:
        """The faults that can still fire."""
        with self._lock:
            return [fault for fault, _ in self._faults]

    def take(self, operation_id: str | None, method: str, path: str) -> Fault | None:
        """The first pending fault for this request, using up one of its count."""
        with self._lock:
            for index, (fault, left) in enumerate(self._faults):
                if not fault.matches(operation_id, method, path):
                    continue
                if fault.count:
                    left[0] -= 1
                    if left[0] == 0:
                        del self._faults[index]
                self.fired.append(fault)
                return fault
            return None


def http_error(
    status: int = 503,
    code: int | None = None,
    *,
    retry_after: int | None = None,
    match: str = "*",
    count: int = 1,
) -> Fault:
    """An error envelope: 429 (1302/1303), 500 (5000), 503 (5001), 504 (5002) or any other."""
    return Fault("status", match, count, status=status, code=code, retry_after=retry_after)


def dropped_connection(match: str = "*", count: int = 1) -> Fault:
    """Carry the request out, then close the connection without answering."""
    return Fault("drop", match, count)


def slow_response(seconds: float, match: str = "*", count: int = 1) -> Fault:
    """Answer `seconds` (real time) late."""
    return Fault("delay", match, count, seconds=seconds)


def malformed_json(match: str = "*", count: int = 1) -> Fault:
    """Answer HTTP 200 with a body that is not valid JSON."""
    return Fault("malformed_json", match, count)


def html_error_page(status: int = 502, match: str = "*", count: int = 1) -> Fault:
    """Answer with an HTML error page, as a reverse proxy does."""
    return Fault("html", match, count, status=status)


def truncated_body(keep: float = 0.5, match: str = "GET /media/*", count: int = 1) -> Fault:
    """Send only `keep` of the body, then close the connection (media downloads by default)."""
    return Fault("truncate", match, count, keep=keep)

"""The client's frozen configuration and the NOT_GIVEN sentinel.

`NOT_GIVEN` means "use the client's setting"; `None` is a real value where it is allowed
(`timeout=None` on a wait: no deadline). The per-request timeout is always finite, and the base
URL is checked when the client is built, not when the first request fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import urlsplit

from ._auth import BACKENDS, BASE_URL_VARIABLES
from ._errors import ConfigurationError
from ._polling import PollPolicy
from ._retries import RetryPolicy

__all__ = [
    "NOT_GIVEN",
    "Config",
    "NotGiven",
    "check_base_url",
    "deadline_problem",
    "given",
    "retries_problem",
    "seconds_problem",
]


class NotGiven:
    """The type of `NOT_GIVEN`: an argument the caller left out (distinct from None)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


def given(value: Any, default: Any) -> Any:
    """`value`, or `default` when the caller passed NOT_GIVEN."""
    return default if isinstance(value, NotGiven) else value


_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def _base_url_problem(url: str, backend: str) -> str | None:
    """What is wrong with a base URL, with the fix; None when it looks right."""
    if "://" not in url:
        host = url.split("/", 1)[0].split(":", 1)[0]
        scheme = "http" if host in _LOOPBACK else "https"
        return f"it has no scheme: use '{scheme}://{url}'"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"the scheme must be http or https (got '{parts.scheme}')"
    if not parts.hostname:
        return "it has no host"
    if parts.username is not None or parts.password is not None:
        return "it must not carry a user name or password (the key has its own setting)"
    if parts.query or parts.fragment:
        return "it must not have a query string or a fragment"
    try:
        parts.port  # noqa: B018 -- reading it is what validates it
    except ValueError:
        return "its port is not a number from 0 to 65535"
    path = parts.path.rstrip("/")
    if path.endswith("/v1") or "/v1/" in path:
        root = f"{parts.scheme}://{parts.netloc}{path[: path.find('/v1')]}"
        return f"give the API root without /v1 (the client adds /v1/...): '{root}'"
    default = urlsplit(BACKENDS.get(backend, ""))
    if parts.hostname == default.hostname and path != default.path.rstrip("/"):
        where = f"under {default.path}" if default.path else "at its root"
        return f"{default.hostname} serves the API {where}: use '{BACKENDS[backend]}'"
    return None


def check_base_url(url: str, backend: str) -> None:
    """Check a base URL when the client is built, so a typo fails at once and says why.

    Args:
        url: the base URL (from `base_url=` or the backend's environment variable).
        backend: "haoee" or "kling", for the variable named in the message and the known host.

    Raises:
        ConfigurationError: no scheme or not http(s), no host, credentials, a query string or
            fragment, a bad port, a `/v1` path, or the known host without its API path (haoee
            serves Kling under `/kling`). The message names the variable to set.
    """
    problem = _base_url_problem(url, backend)
    if problem is not None:
        variable = BASE_URL_VARIABLES.get(backend, "the base URL")
        shown = f"'{url}'" if "@" not in url else "(not shown: it holds credentials)"
        raise ConfigurationError(
            f"bad base URL {shown}: {problem}. Set {variable} or pass base_url=..."
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def seconds_problem(value: Any) -> str | None:
    """The rule a number of seconds (a request timeout, a poll interval) breaks, or None when
    it is a finite number above 0. One rule for constructor arguments, environment variables
    and command-line options alike: each caller names its own source and the value."""
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
        return "must be a finite number of seconds above 0"
    return None


def deadline_problem(value: Any) -> str | None:
    """The rule a wait deadline breaks: seconds as for `seconds_problem`, or None for none."""
    if value is None or isinstance(value, NotGiven):
        return None
    problem = seconds_problem(value)
    return None if problem is None else problem + ", or None for no deadline"


def retries_problem(value: Any) -> str | None:
    """The rule a number of retries breaks, or None when it is a whole number >= 0."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return "must be a whole number >= 0"
    return None


@dataclass(frozen=True)
class Config:
    """Settings of one client (copied, never changed, by `with_options`).

    Attributes:
        base_url: the API root, e.g. `https://maas.haoee.com/kling`.
        backend: "haoee" or "kling".
        timeout: per-request timeout in seconds (finite, > 0).
        retry: request retry policy (`max_retries` and backoff).
        wait_timeout: default overall deadline of a wait, seconds, or None for none.
        poll_policy: a fixed polling schedule for every kind, or None for the per-kind default.
        model_name_header: a `ModelName` sent on every call instead of the derived one.
    """

    base_url: str
    backend: str
    timeout: float
    retry: RetryPolicy
    wait_timeout: float | NotGiven | None
    poll_policy: PollPolicy | None
    model_name_header: str | None

    def __post_init__(self) -> None:
        check_base_url(self.base_url, self.backend)
        problem = seconds_problem(self.timeout)
        if problem is not None:
            raise ConfigurationError(
                f"timeout {problem} (got {self.timeout!r}); the per-request timeout cannot be "
                f"disabled, use wait_timeout for waits"
            )
        problem = retries_problem(self.retry.max_retries)
        if problem is not None:
            raise ConfigurationError(f"max_retries {problem} (got {self.retry.max_retries!r})")
        problem = deadline_problem(self.wait_timeout)
        if problem is not None:
            raise ConfigurationError(f"wait_timeout {problem} (got {self.wait_timeout!r})")

    def copy(
        self,
        *,
        timeout: Any = NOT_GIVEN,
        max_retries: Any = NOT_GIVEN,
        wait_timeout: Any = NOT_GIVEN,
    ) -> Config:
        """A copy with the given settings changed (NOT_GIVEN keeps the current one)."""
        retry = (
            self.retry
            if isinstance(max_retries, NotGiven)
            else replace(self.retry, max_retries=max_retries)
        )
        return replace(
            self,
            timeout=given(timeout, self.timeout),
            retry=retry,
            wait_timeout=given(wait_timeout, self.wait_timeout),
        )

"""The client's frozen configuration, the NOT_GIVEN sentinel and the checks of numbers.

`NOT_GIVEN` means "use the client's setting"; `None` is a real value where it is allowed
(`timeout=None` on a wait: no deadline). The per-request timeout is always finite, and the base
URL is checked when the client is built, not when the first request fails.

Every number a caller passes (timeouts, retries, poll schedules, concurrency, intervals) goes
through `check_seconds` or `check_count`: NaN, infinity, a negative value, a bool or a string
is refused with an error naming the parameter and the rule (`ConfigurationError` for a client
setting, `InvalidRequestError` for a call's argument), never read as "no deadline".
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import urlsplit

from ._errors import ConfigurationError, InvalidRequestError, KlingError
from .check._validation import Problem
from .http._auth import BACKENDS, BASE_URL_VARIABLES, unsendable
from .plans._polling import PollPolicy
from .plans._retries import RetryPolicy

__all__ = [
    "NOT_GIVEN",
    "Config",
    "NotGiven",
    "check_base_url",
    "check_count",
    "check_header",
    "check_poll_policy",
    "check_seconds",
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


def _refuse(error: type[KlingError], name: str, rule: str, value: Any) -> KlingError:
    if error is InvalidRequestError:
        return InvalidRequestError([Problem(name, "range", f"{name}: {rule} (got {value!r})")])
    return error(f"{name} must be {rule} (got {value!r})")


def _seconds_rule(value: Any, *, zero: bool = False, none: str | None = None) -> str | None:
    """The rule `value` breaks as a number of seconds, or None when it keeps it."""
    if value is None and none is not None:
        return None
    if (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and (value > 0 or (zero and value == 0))
    ):
        return None
    return f"a finite number of seconds {'>= 0' if zero else '> 0'}" + (
        f", or None for {none}" if none is not None else ""
    )


def _count_rule(value: Any, *, minimum: int) -> str | None:
    """The rule `value` breaks as a whole number, or None when it keeps it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return f"a whole number >= {minimum}"
    return None


def check_seconds(
    name: str,
    value: Any,
    *,
    zero: bool = False,
    none: str | None = None,
    error: type[KlingError] = ConfigurationError,
) -> float | None:
    """A duration a caller passed, checked.

    Args:
        name: the parameter, as the caller wrote it (`timeout`, `wait_timeout`).
        value: what was passed.
        zero: whether 0 is allowed (else the number must be > 0).
        none: what None means where it is allowed ("no deadline"), or None when it is not.
        error: `ConfigurationError` for a client setting, `InvalidRequestError` for a call's.

    Returns:
        The value as a float (None when None is allowed and given).

    Raises:
        KlingError: `error`, naming the parameter and the rule, for NaN, infinity, a negative
            (or zero) number, a bool or anything that is not a number.
    """
    rule = _seconds_rule(value, zero=zero, none=none)
    if rule is not None:
        raise _refuse(error, name, rule, value)
    return None if value is None else float(value)


def check_count(
    name: str, value: Any, *, minimum: int, error: type[KlingError] = ConfigurationError
) -> int:
    """A whole number a caller passed (`max_retries`, `concurrency`), checked.

    Raises:
        KlingError: `error`, naming the parameter and the rule, for a bool, a float (NaN
            included), anything not an integer, or an integer below `minimum`.
    """
    rule = _count_rule(value, minimum=minimum)
    if rule is not None:
        raise _refuse(error, name, rule, value)
    return int(value)


# The same rules for settings given as text (`_settings`), whose errors name their own source
# (the environment variable or the command-line option).


def seconds_problem(value: Any, *, zero: bool = False) -> str | None:
    """What a request timeout, poll interval or pause breaks ("must be ..."), or None.

    Args:
        value: the number read from text.
        zero: whether 0 is allowed (a pause), else the number must be > 0.
    """
    rule = _seconds_rule(value, zero=zero)
    return None if rule is None else f"must be {rule}"


def deadline_problem(value: Any) -> str | None:
    """What a wait deadline breaks ("must be ..."), or None (None itself: no deadline)."""
    if isinstance(value, NotGiven):
        return None
    rule = _seconds_rule(value, none="no deadline")
    return None if rule is None else f"must be {rule}"


def retries_problem(value: Any) -> str | None:
    """What a number of retries breaks ("must be ..."), or None."""
    rule = _count_rule(value, minimum=0)
    return None if rule is None else f"must be {rule}"


def check_header(
    name: str, value: Any, *, error: type[KlingError] = ConfigurationError
) -> str | None:
    """A header value a caller passed (`model_name_header`): None or printable ASCII with no
    spaces; a CR/LF or non-ASCII character would fail in the HTTP library after a create was
    counted as "maybe sent".

    Raises:
        KlingError: `error`, naming the parameter and the first character that cannot be sent.
    """
    if value is None:
        return None
    problem = unsendable(value) if isinstance(value, str) else "no string"
    if problem is not None or not value:
        raise _refuse(error, name, "printable ASCII without spaces", value)
    return str(value)


def check_poll_policy(policy: PollPolicy) -> None:
    """Check a caller's polling schedule: finite, non-negative numbers; growth >= 1.

    Raises:
        ConfigurationError: naming the field (`poll_policy.interval`) and the rule.
    """
    for field in ("first", "interval", "jitter", "grow_after", "cap"):
        check_seconds(f"poll_policy.{field}", getattr(policy, field), zero=True)
    growth = policy.growth
    if isinstance(growth, bool) or not isinstance(growth, int | float):
        raise _refuse(ConfigurationError, "poll_policy.growth", "a finite number >= 1", growth)
    if not (math.isfinite(growth) and growth >= 1):
        raise _refuse(ConfigurationError, "poll_policy.growth", "a finite number >= 1", growth)


_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
_log = logging.getLogger("haoee_kling")
_warned: set[str] = set()


def is_loopback(host: str | None) -> bool:
    """Whether a URL's host is this machine (`localhost`, 127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _warn_plain_http(url: str) -> None:
    """Log once per URL that a plain-http base URL to another machine sends the key in clear."""
    parts = urlsplit(url)
    if parts.scheme != "http" or is_loopback(parts.hostname) or url in _warned:
        return
    _warned.add(url)
    _log.warning(
        "base URL %s is plain http to another machine: the API key travels unencrypted and "
        "answers can be changed on the way; use https",
        url,
    )


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

    A plain `http://` URL to a host that is not loopback is accepted (a gateway on a private
    network) with a warning logged once: the key would travel unencrypted.

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
    _warn_plain_http(url)


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
        try:
            check_seconds("timeout", self.timeout)
        except ConfigurationError as error:
            raise ConfigurationError(
                f"{error.message}; the per-request timeout cannot be disabled, use "
                f"wait_timeout for waits"
            ) from None
        check_count("max_retries", self.retry.max_retries, minimum=0)
        check_seconds("concurrency_wait", self.retry.concurrency_wait, zero=True)
        if not isinstance(self.wait_timeout, NotGiven):
            check_seconds("wait_timeout", self.wait_timeout, none="no deadline")
        if self.poll_policy is not None:
            check_poll_policy(self.poll_policy)
        check_header("model_name_header", self.model_name_header)

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

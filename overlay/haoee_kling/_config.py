"""The client's frozen configuration and the NOT_GIVEN sentinel.

`NOT_GIVEN` means "use the client's setting"; `None` is a real value where it is allowed
(`timeout=None` on a wait: no deadline). The per-request timeout is always finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Final

from ._errors import ConfigurationError
from ._polling import PollPolicy
from ._retries import RetryPolicy

__all__ = ["NOT_GIVEN", "Config", "NotGiven", "given"]


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
    wait_timeout: float | None
    poll_policy: PollPolicy | None
    model_name_header: str | None

    def __post_init__(self) -> None:
        if (
            not isinstance(self.timeout, int | float)
            or not math.isfinite(self.timeout)
            or self.timeout <= 0
        ):
            raise ConfigurationError(
                f"timeout must be a finite number of seconds > 0 (got {self.timeout!r}); "
                f"the per-request timeout cannot be disabled, use wait_timeout for waits"
            )
        if self.retry.max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0 (got {self.retry.max_retries})")
        if self.wait_timeout is not None and self.wait_timeout <= 0:
            raise ConfigurationError(f"wait_timeout must be > 0 or None (got {self.wait_timeout})")

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

"""How many tasks a batch keeps in flight: additive increase, multiplicative decrease.

The account's concurrency (5-10 tasks on Kling's packs, code 1303 beyond it) is not something
a client can ask for, and other programs may share it. So the batch starts at the caller's
`--concurrency` and learns: a 1303 means "fewer than you think", and the limit drops to at most
what was in flight when it came (and by `DECREASE` at least); each accepted create raises it by
about one per limit's worth of creates, back up to the ceiling. After a 1303 no create is sent
until the server's Retry-After has passed or one of our tasks has finished and freed a slot. A
1303 is never a job's failure: the job simply waits for its turn again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..plans._retries import server_pause

__all__ = ["DECREASE", "Limiter"]

DECREASE = 0.7
# When the server sends no Retry-After: 1, 2, 4 ... seconds, at most 30.
_BASE_HOLD, _MAX_HOLD = 1.0, 30.0


@dataclass
class Limiter:
    """The in-flight limit of one batch run (pure: time is passed in).

    Attributes:
        ceiling: the most tasks in flight the caller allows.
        limit: the current limit (fractional: additive increase moves it in steps below 1).
        hold_until: no create before this monotonic time (after a 1303).
        busy: 1303s in a row without an accepted create (for the hold's backoff).
        refusals: 1303s seen in this run.
    """

    ceiling: int
    limit: float = 0.0
    hold_until: float = 0.0
    busy: int = 0
    refusals: int = 0

    def __post_init__(self) -> None:
        if self.ceiling < 1:
            raise ValueError(f"concurrency must be at least 1 (got {self.ceiling})")
        self.limit = self.limit or float(self.ceiling)

    @property
    def current(self) -> int:
        """The whole number of tasks that may be in flight now."""
        return max(1, math.floor(self.limit))

    def allows(self, in_flight: int, now: float) -> bool:
        """Whether one more create may be sent now."""
        return in_flight < self.current and now >= self.hold_until

    def refused(self, in_flight: int, now: float, retry_after: float | None) -> None:
        """A create was refused for concurrency (1303): shrink the limit and hold creates."""
        self.limit = max(1.0, min(float(in_flight), self.limit * DECREASE))
        # A server's hint counts within PAUSE_FLOOR (`Retry-After: 0` is no reason to resend at
        # once); the exponent is bounded so a day of refusals never overflows.
        hold = (
            server_pause(retry_after)
            if retry_after is not None
            else _BASE_HOLD * 2.0 ** min(self.busy, 16)
        )
        self.hold_until = now + min(hold, _MAX_HOLD)
        self.busy += 1
        self.refusals += 1

    def accepted(self) -> None:
        """A create was accepted: grow by 1/limit (about +1 per limit's worth of creates)."""
        self.limit = min(float(self.ceiling), self.limit + 1.0 / self.current)
        self.busy = 0

    def released(self) -> None:
        """One of our tasks finished: a slot is free now, so a hold need not run out."""
        self.hold_until = 0.0

    def pause(self, now: float) -> float:
        """Seconds until the hold ends (0 when there is none)."""
        return max(0.0, self.hold_until - now)

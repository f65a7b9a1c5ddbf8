"""The batch's in-flight limit: multiplicative decrease on 1303, additive recovery, holds."""

from __future__ import annotations

import pytest

from haoee_kling.batch._limit import DECREASE, Limiter
from haoee_kling.plans._retries import PAUSE_FLOOR


def test_it_starts_at_the_ceiling_and_allows_up_to_it() -> None:
    limiter = Limiter(5)
    assert limiter.current == 5
    assert limiter.allows(4, now=0.0)
    assert not limiter.allows(5, now=0.0)


def test_a_1303_lowers_the_limit_to_at_most_what_was_in_flight_and_holds_creates() -> None:
    limiter = Limiter(5)
    limiter.refused(in_flight=2, now=10.0, retry_after=1.0)
    assert limiter.current == 2
    assert limiter.refusals == 1
    assert not limiter.allows(1, now=10.5)  # held: the server said come back in 1 s
    assert limiter.allows(1, now=11.0)
    assert limiter.pause(10.25) == pytest.approx(0.75)
    assert limiter.pause(12.0) == 0.0


def test_the_decrease_is_multiplicative_when_more_was_in_flight() -> None:
    limiter = Limiter(10)
    limiter.refused(in_flight=10, now=0.0, retry_after=None)
    assert limiter.limit == pytest.approx(10 * DECREASE)
    assert limiter.current == 7


def test_the_limit_never_drops_below_one() -> None:
    limiter = Limiter(3)
    for _ in range(5):
        limiter.refused(in_flight=0, now=0.0, retry_after=0.0)
    assert limiter.current == 1
    assert limiter.allows(0, now=PAUSE_FLOOR)


def test_a_zero_retry_after_still_holds_creates_for_the_pause_floor() -> None:
    # Regression: `Retry-After: 0` on a 1303 made the batch resend every 0.05 s.
    limiter = Limiter(2)
    limiter.refused(in_flight=2, now=0.0, retry_after=0.0)
    assert not limiter.allows(0, now=PAUSE_FLOOR - 0.01)
    assert limiter.pause(0.0) == PAUSE_FLOOR


def test_a_day_of_refusals_without_retry_after_never_overflows() -> None:
    # Regression: the hold was 1.0 * 2**busy, an OverflowError after 1024 refusals in a row.
    limiter = Limiter(2)
    for _ in range(3000):
        limiter.refused(in_flight=1, now=0.0, retry_after=None)
    assert limiter.pause(0.0) <= 30.0


def test_without_retry_after_the_hold_backs_off_and_is_capped() -> None:
    limiter = Limiter(2)
    holds = []
    for _ in range(8):
        limiter.refused(in_flight=1, now=100.0, retry_after=None)
        holds.append(limiter.hold_until - 100.0)
    assert holds[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(holds) == 30.0


def test_accepted_creates_recover_about_one_per_limits_worth_and_stop_at_the_ceiling() -> None:
    limiter = Limiter(4)
    limiter.refused(in_flight=2, now=0.0, retry_after=0.0)
    assert limiter.current == 2
    limiter.accepted()
    limiter.accepted()
    assert limiter.current == 3
    assert limiter.busy == 0
    for _ in range(20):
        limiter.accepted()
    assert limiter.current == 4
    assert limiter.limit == 4.0


def test_a_finished_task_ends_a_hold_at_once() -> None:
    limiter = Limiter(3)
    limiter.refused(in_flight=2, now=0.0, retry_after=30.0)
    assert not limiter.allows(1, now=1.0)
    limiter.released()
    assert limiter.allows(1, now=1.0)


def test_a_ceiling_below_one_is_refused_with_the_number() -> None:
    with pytest.raises(ValueError, match=r"concurrency must be at least 1 \(got 0\)"):
        Limiter(0)

"""The polling schedule on the fake gateway's own duration mix, against a fixed 10 s poller."""

from __future__ import annotations

import random

import pytest

from haoee_kling.testing import KINDS
from tests.unit.test_polling import assert_beats_fixed_poller

pytestmark = pytest.mark.unmeasured(
    "tests/unit/test_polling.py and test_waiting.py measure the polling it repeats"
)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fewer_requests_and_lower_p95_lag_than_a_fixed_10_second_poller(kind: str) -> None:
    rng = random.Random(11)
    durations = [sum(KINDS[kind].profile.sample(rng)) for _ in range(3000)]
    assert_beats_fixed_poller(kind, durations, rng)

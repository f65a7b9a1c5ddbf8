"""The frozen config and the NOT_GIVEN sentinel."""

from __future__ import annotations

import pytest

from haoee_kling import NOT_GIVEN, ConfigurationError, NotGiven
from haoee_kling._config import Config, given
from haoee_kling._retries import RetryPolicy


def test_not_given_is_a_falsy_singleton_distinct_from_none() -> None:
    assert NotGiven() is NOT_GIVEN
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert given(NOT_GIVEN, 5) == 5
    assert given(None, 5) is None


def test_copy_changes_only_what_is_given_and_keeps_the_original() -> None:
    config = Config("https://x", "haoee", 60.0, RetryPolicy(), 900.0, None, None)
    copy = config.copy(max_retries=0, wait_timeout=None)
    assert (copy.timeout, copy.retry.max_retries, copy.wait_timeout) == (60.0, 0, None)
    assert config.retry.max_retries == 2
    with pytest.raises(ConfigurationError):
        config.copy(timeout=0)

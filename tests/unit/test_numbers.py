"""Every number a caller passes is checked: NaN, infinity, negatives, bools and strings are
refused with an error naming the parameter and the rule (regression: a NaN wait timeout, on the
call or the client, was taken as "no deadline"; a NaN webhook tolerance accepted any timestamp)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from haoee_kling import (
    AsyncKling,
    CallbackReceiver,
    ConfigurationError,
    InvalidRequestError,
    Kling,
    PollPolicy,
    Webhooks,
)
from tests.unit.conftest import run

TASK_ID = "842250903629086785"
KEY = "hk-numbers-0123456789"
BAD_SECONDS = [math.nan, math.inf, -math.inf, -1.0, 0, True, "10"]


# 0 is a valid concurrency_wait ("never wait for a slot") and max_retries.
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        (setting, value)
        for setting in ("timeout", "wait_timeout", "concurrency_wait", "max_retries")
        for value in BAD_SECONDS
        if not (value == 0 and setting in ("concurrency_wait", "max_retries"))
    ],
    ids=repr,
)
def test_a_client_setting_that_is_not_a_sane_number_is_refused_by_name(
    setting: str, value: Any
) -> None:
    with pytest.raises(ConfigurationError, match=rf"^{setting} must be a (finite|whole) number"):
        Kling(api_key=KEY, **{setting: value})


def test_a_fractional_max_retries_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"max_retries must be a whole number >= 0"):
        Kling(api_key=KEY, max_retries=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "policy",
    [
        PollPolicy(interval=math.nan),
        PollPolicy(first=-1.0),
        PollPolicy(cap=math.inf),
        PollPolicy(growth=0.5),
        PollPolicy(growth=math.nan),
    ],
    ids=repr,
)
def test_a_poll_policy_with_a_bad_number_is_refused_naming_the_field(policy: PollPolicy) -> None:
    with pytest.raises(ConfigurationError, match=r"^poll_policy\.\w+ must be a finite number"):
        Kling(api_key=KEY, poll_policy=policy)


def test_with_options_checks_the_numbers_too() -> None:
    with pytest.raises(ConfigurationError, match="wait_timeout"):
        Kling(api_key=KEY).with_options(wait_timeout=math.nan)


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
async def test_a_waits_timeout_that_is_not_a_sane_number_is_refused_before_any_request(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, value: Any
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.text2video.wait(TASK_ID, timeout=value))
    assert caught.value.problems[0].field == "timeout"
    assert "or None for no deadline" in caught.value.problems[0].message
    with pytest.raises(InvalidRequestError, match="timeout"):
        await run(kling.tasks.wait_many([("text2video", TASK_ID)], timeout=value))
    assert not raw_router.calls


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"concurrency": math.nan}, "concurrency"),
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 2.5}, "concurrency"),
        ({"poll_interval": math.nan}, "poll_interval"),
        ({"poll_interval": -5.0}, "poll_interval"),
    ],
    ids=repr,
)
def test_a_batch_with_a_bad_number_is_refused_before_any_file_is_touched(
    tmp_path: Path, options: dict[str, Any], field: str
) -> None:
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text('{"kind": "text2video", "prompt": "a fox"}\n')
    with pytest.raises(InvalidRequestError) as caught:
        Kling(api_key=KEY).batch.run(jobs, out=tmp_path / "out", **options)
    assert caught.value.problems[0].field == field
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.jsonl"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 0])
def test_a_webhook_tolerance_that_would_accept_any_timestamp_is_refused(value: float) -> None:
    with pytest.raises(ConfigurationError, match="tolerance must be a finite number"):
        Webhooks("whsec_" + "A" * 32, tolerance=value)


@pytest.mark.parametrize("name", ["safety_interval", "tick"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
def test_a_receivers_intervals_are_checked(name: str, value: float) -> None:
    with pytest.raises(ConfigurationError, match=f"{name} must be a finite number"):
        CallbackReceiver(**{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("header", ["kling-v2\r\nX-Injected: 1", "kling v2", "kling-vé", ""])
async def test_a_model_name_header_that_cannot_be_sent_is_refused_before_any_request(
    flavor: str, raw_router: respx.MockRouter, header: str
) -> None:
    # Regression: a CR/LF failed inside the HTTP library, and a create then counted as "maybe
    # sent" and went looking for a task that was never created.
    with pytest.raises(ConfigurationError, match="model_name_header must be printable ASCII"):
        Kling(api_key=KEY, model_name_header=header)
    cls = Kling if flavor == "sync" else AsyncKling
    client = cls(api_key=KEY, transport=httpx.MockTransport(raw_router.handler))
    with pytest.raises(InvalidRequestError) as caught:
        await run(client.text2video.create(prompt="a fox", model_name_header=header))
    assert caught.value.problems[0].field == "model_name_header"
    assert not raw_router.calls

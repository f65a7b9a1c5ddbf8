"""`kling.webhooks`: Standard-Webhooks verification of Kling's callbacks, and reading them."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from haoee_kling import (
    ConfigurationError,
    InvalidWebhookSignatureError,
    Kling,
    KlingError,
    UnexpectedResponseError,
    Webhooks,
)
from haoee_kling.callbacks._webhooks import ENV_SECRET, webhook_rules

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk="
TASK = {
    "task_id": "842250903629086785",
    "task_status": "succeed",
    "task_info": {"external_task_id": "order-1"},
    "task_result": {"videos": [{"id": "v1", "url": "https://cdn.example/v.mp4", "duration": "5"}]},
    "created_at": 1764048000000,
    "updated_at": 1764048150000,
}
BODY = json.dumps(TASK).encode()


def sign(
    body: bytes = BODY,
    *,
    secret: str = SECRET,
    webhook_id: str = "msg_1",
    at: float | None = None,
) -> dict[str, str]:
    """The three Standard-Webhooks headers of a callback, signed with `secret` at `at`."""
    stamp = datetime.fromtimestamp(int(time.time() if at is None else at), tz=UTC)
    signature = Webhook(secret).sign(webhook_id, stamp, body.decode())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signature,
    }


@pytest.fixture(autouse=True)
def _no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SECRET, raising=False)


def reason_of(webhooks: Webhooks, body: bytes, headers: dict[str, str], **kw: Any) -> str:
    with pytest.raises(InvalidWebhookSignatureError) as caught:
        webhooks.verify(body, headers, **kw)
    assert SECRET not in str(caught.value)
    assert SECRET.removeprefix("whsec_") not in str(caught.value)
    return caught.value.reason


def test_a_valid_callback_verifies_and_unwraps_to_a_typed_task() -> None:
    webhooks = Webhooks(SECRET)
    task = webhooks.unwrap(BODY, sign())
    assert task.task_id == "842250903629086785"
    assert str(task.task_status) == "succeed"
    assert task.task_result is not None


def test_a_tampered_body_is_rejected() -> None:
    headers = sign()
    tampered = BODY.replace(b"succeed", b"failed!")
    assert reason_of(Webhooks(SECRET), tampered, headers) == "mismatch"


def test_a_callback_signed_with_another_secret_is_rejected() -> None:
    assert reason_of(Webhooks(SECRET), BODY, sign(secret=OTHER)) == "mismatch"


@pytest.mark.parametrize(
    ("offset", "reason"), [(-301 - 60, "stale"), (-3600, "stale"), (361, "future")]
)
def test_timestamps_outside_five_minutes_are_rejected(offset: float, reason: str) -> None:
    headers = sign(at=time.time() + offset)
    assert reason_of(Webhooks(SECRET), BODY, headers) == reason


def test_timestamps_inside_five_minutes_pass() -> None:
    Webhooks(SECRET).verify(BODY, sign(at=time.time() - 290, webhook_id="a"))
    Webhooks(SECRET).verify(BODY, sign(at=time.time() + 290, webhook_id="b"))
    assert webhook_rules()["tolerance"] == 300


def test_during_a_key_rotation_any_of_several_signatures_passes() -> None:
    good = sign()
    old = sign(secret=OTHER)["webhook-signature"]
    for order in (f"{old} {good['webhook-signature']}", f"{good['webhook-signature']} {old}"):
        webhooks = Webhooks(SECRET)
        webhooks.verify(BODY, {**good, "webhook-signature": order})
    unknown_version = f"v2,{old.partition(',')[2]}  {good['webhook-signature']}"
    Webhooks(SECRET).verify(BODY, {**good, "webhook-signature": unknown_version})


def test_rotation_with_no_matching_signature_is_rejected() -> None:
    headers = sign(secret=OTHER)
    other = sign(secret=OTHER, webhook_id="x")["webhook-signature"]
    both = f"{headers['webhook-signature']} {other}"
    assert reason_of(Webhooks(SECRET), BODY, {**headers, "webhook-signature": both}) == "mismatch"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_rejected_when_a_secret_is_configured(missing: str) -> None:
    headers = {k: v for k, v in sign().items() if k != missing}
    assert reason_of(Webhooks(SECRET), BODY, headers) == "missing"


def test_a_replayed_webhook_id_is_rejected_the_second_time() -> None:
    webhooks = Webhooks(SECRET)
    headers = sign()
    webhooks.verify(BODY, headers)
    with pytest.raises(InvalidWebhookSignatureError) as caught:
        webhooks.verify(BODY, headers)
    assert caught.value.reason == "replayed"
    assert caught.value.webhook_id == "msg_1"
    assert isinstance(caught.value, KlingError)


def test_unsigned_callbacks_are_rejected_when_a_secret_is_configured() -> None:
    assert reason_of(Webhooks(SECRET), BODY, {"content-type": "application/json"}) == "missing"


def test_unsigned_callbacks_are_accepted_with_a_warning_when_no_secret_is_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    webhooks = Webhooks()
    with caplog.at_level(logging.WARNING, logger="haoee_kling"):
        task = webhooks.unwrap(BODY, {})
        webhooks.unwrap(BODY.replace(b"order-1", b"order-2"), {})
    assert task.task_id == TASK["task_id"]
    warnings = [r.getMessage() for r in caplog.records if "webhook secret" in r.getMessage()]
    assert len(warnings) == 1  # once per Webhooks object
    assert "unsigned callbacks accepted" in warnings[0]
    assert ENV_SECRET in warnings[0]


def test_signed_callbacks_without_a_secret_are_accepted_and_the_warning_says_unverified(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="haoee_kling"):
        Webhooks().verify(BODY, sign(secret=OTHER))
    assert any("not verified" in r.getMessage() for r in caplog.records)


def test_the_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SECRET, SECRET)
    webhooks = Webhooks()
    assert reason_of(webhooks, BODY, {}) == "missing"
    webhooks.verify(BODY, sign())
    assert reason_of(Webhooks(), BODY, sign(secret=OTHER, webhook_id="m2")) == "mismatch"


def test_a_secret_argument_wins_over_the_object_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_SECRET, OTHER)
    Webhooks(OTHER).verify(BODY, sign(), secret=SECRET)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("webhook-timestamp", "yesterday"),
        # Regression: 400 digits overflowed the float it was compared with (OverflowError).
        ("webhook-timestamp", "1" * 400),
        ("webhook-timestamp", "1_700_000_000"),
        ("webhook-signature", "garbage"),
        ("webhook-signature", "v1,not base64!"),
    ],
)
def test_malformed_headers_are_rejected(header: str, value: str) -> None:
    assert reason_of(Webhooks(SECRET), BODY, {**sign(), header: value}) == "malformed"


def test_header_names_match_case_insensitively_and_the_body_may_be_text() -> None:
    headers = {k.title(): v for k, v in sign().items()}
    Webhooks(SECRET).verify(BODY.decode(), headers)


def test_a_body_that_is_not_utf8_cannot_match() -> None:
    headers = sign()
    assert reason_of(Webhooks(SECRET), b"\xff\xfe" + BODY, headers) == "mismatch"


def test_a_bad_secret_is_a_configuration_error_that_does_not_show_it() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Webhooks("whsec_").verify(BODY, sign())
    assert "whsec_ base64" in str(caught.value)


def test_the_secret_never_appears_in_reprs() -> None:
    assert SECRET not in repr(Webhooks(SECRET))
    assert repr(Webhooks(SECRET)) == "Webhooks(secret=given)"
    with Kling(api_key="k") as kling:
        assert "KLING_WEBHOOK_SECRET" in repr(kling.webhooks)
        verified = kling.webhooks.read(BODY, sign(), secret=SECRET)
    assert SECRET not in repr(verified)
    assert verified.webhook_id == "msg_1"
    assert verified.signed


def test_bodies_are_read_tolerantly_like_polled_tasks() -> None:
    odd = {**TASK, "task_status": "SUCCEED", "brand_new_field": 1, "created_at": "1764048000000"}
    body = json.dumps(odd).encode()
    verified = Webhooks(SECRET).read(body, sign(body))
    assert verified.task["task_status"] == "succeed"
    assert verified.task["brand_new_field"] == 1
    assert verified.task["created_at"] == 1764048000000


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"task_id": "1"}', b"[" * 200_000 + b"]" * 200_000]
)
def test_a_body_that_is_not_a_task_is_an_unexpected_response(body: bytes) -> None:
    with pytest.raises(UnexpectedResponseError):
        Webhooks(SECRET).unwrap(body, sign(body))


def test_a_custom_tolerance_applies() -> None:
    webhooks = Webhooks(SECRET, tolerance=10)
    assert reason_of(webhooks, BODY, sign(at=time.time() - 60)) == "stale"
    assert webhooks.tolerance == 10


def test_remembered_ids_are_bounded_and_forgotten_after_twice_the_tolerance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import haoee_kling.callbacks._webhooks as module

    monkeypatch.setattr(module, "_REMEMBER", 2)
    webhooks = Webhooks(SECRET)
    for name in ("a", "b", "c"):
        webhooks.verify(BODY, sign(webhook_id=name))
    webhooks.verify(BODY, sign(webhook_id="a"))  # forgotten: the memory holds two ids
    later = time.time() + 2 * webhooks.tolerance + 1
    monkeypatch.setattr(time, "time", lambda: later)
    webhooks._remember("d")
    assert list(webhooks._seen) == ["d"]

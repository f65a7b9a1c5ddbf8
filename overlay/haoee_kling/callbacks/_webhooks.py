"""`kling.webhooks`: verify and read the callbacks Kling posts to a create's `callback_url`.

    task = kling.webhooks.unwrap(request_body, request_headers)   # a verified, typed Task

Callbacks are signed the Standard-Webhooks way when the account has a webhook secret (`whsec_`
plus a base64 key; the spec's `webhooks.task-callback`): `webhook-id`, `webhook-timestamp` and
one or more space-separated `v1,<base64 HMAC-SHA256>` values in `webhook-signature` (several
during a key rotation: any match passes). The HMAC itself is the maintained `standardwebhooks`
package's; this module adds what it leaves to the caller: a reason per failure, replay
detection by `webhook-id`, the secret from the environment, and the tolerant reading of the
body (the same rules as a polled task, `read._reader`).

Without a secret (argument, `Webhooks(secret=...)` or `KLING_WEBHOOK_SECRET`) a callback cannot
be verified: it is accepted and a warning is logged, once per `Webhooks` object, saying so.
With a secret, an unsigned callback is rejected. Verification is pure CPU, so one object serves
`Kling` and `AsyncKling` alike. The secret never appears in a repr, a log line or an error.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._config import check_seconds
from .._errors import ConfigurationError, InvalidWebhookSignatureError, UnexpectedResponseError
from .._spec import load_spec
from ..kinds._kind_plans import to_task
from ..read._reader import read_one

if TYPE_CHECKING:
    from haoee_kling_api.models import Task

__all__ = ["ENV_SECRET", "Verified", "Webhooks", "webhook_rules"]

ENV_SECRET = "KLING_WEBHOOK_SECRET"
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# webhook-ids remembered for replay detection; older ones fail the timestamp check anyway.
_REMEMBER = 100_000
_TIMESTAMP = re.compile(r"-?[0-9]{1,15}")
_log = logging.getLogger("haoee_kling")


def webhook_rules() -> Mapping[str, Any]:
    """The spec's `x-kling-webhook` (tolerance in seconds, secret prefix, signature version)."""
    post = load_spec()["webhooks"]["task-callback"]["post"]
    rules: Mapping[str, Any] = post["x-kling-webhook"]
    return rules


class Verified:
    """A callback that passed verification (or was accepted unsigned), read tolerantly.

    Attributes:
        task: the task object as JSON that fits the generated `Task` (unknown fields kept).
        webhook_id: its `webhook-id`, or None when it carried none.
        signed: whether a signature was checked.
    """

    __slots__ = ("signed", "task", "webhook_id")

    def __init__(self, task: dict[str, Any], webhook_id: str | None, signed: bool) -> None:
        self.task = task
        self.webhook_id = webhook_id
        self.signed = signed

    def __repr__(self) -> str:
        return (
            f"Verified(task_id={self.task.get('task_id')!r}, "
            f"task_status={self.task.get('task_status')!r}, webhook_id={self.webhook_id!r})"
        )


def _lower(headers: Any) -> dict[str, str]:
    items: Any = headers.items() if hasattr(headers, "items") else headers
    return {str(k).lower(): str(v) for k, v in items}


def _text(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidWebhookSignatureError(
            "the callback body is not UTF-8 text, so no signature can match it", reason="mismatch"
        ) from None


class Webhooks:
    """Verify and read Kling's task callbacks (`kling.webhooks`).

    Args:
        secret: the `whsec_...` secret; when None, `KLING_WEBHOOK_SECRET` is read at each call.
        tolerance: how far a `webhook-timestamp` may be from now, seconds (default: the spec's
            `x-kling-webhook.tolerance`, 300).
    """

    def __init__(self, secret: str | None = None, *, tolerance: float | None = None) -> None:
        self._secret = secret
        # A NaN tolerance would accept every timestamp (no comparison with NaN is true).
        self._tolerance = check_seconds("tolerance", tolerance, none="the spec's 300 s")
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._warned = False

    def __repr__(self) -> str:
        state = "given" if self._secret else f"from ${ENV_SECRET}"
        return f"Webhooks(secret={state})"

    @property
    def tolerance(self) -> float:
        """Seconds a callback's timestamp may differ from now."""
        if self._tolerance is not None:
            return self._tolerance
        return float(webhook_rules()["tolerance"])

    def _secret_for(self, secret: str | None) -> str | None:
        return secret or self._secret or os.environ.get(ENV_SECRET) or None

    def verify(
        self, body: bytes | str, headers: Mapping[str, str] | Any, secret: str | None = None
    ) -> None:
        """Check a callback's signature, timestamp and `webhook-id`.

        Args:
            body: the request body exactly as received (bytes, or the decoded text).
            headers: the request headers (any mapping; names are matched case-insensitively).
            secret: the `whsec_...` secret (default: the object's, then `KLING_WEBHOOK_SECRET`).

        Raises:
            InvalidWebhookSignatureError: the signature is missing (while a secret is
                configured), malformed or matches none; the timestamp is stale or in the future;
                or this `webhook-id` was seen before (`reason` says which).
            ConfigurationError: the secret is not a `whsec_` base64 key.
        """
        self._check(body, headers, secret)

    def unwrap(
        self, body: bytes | str, headers: Mapping[str, str] | Any, secret: str | None = None
    ) -> Task:
        """Verify a callback (see `verify`) and read its body as a `Task`.

        Returns:
            The task the callback carries, read by the same tolerant rules as a polled task.

        Raises:
            InvalidWebhookSignatureError: see `verify`.
            UnexpectedResponseError: the body is not a task object (not JSON, no `task_id` or
                `task_status`).
        """
        return to_task(self.read(body, headers, secret).task)

    def read(
        self, body: bytes | str, headers: Mapping[str, str] | Any, secret: str | None = None
    ) -> Verified:
        """Like `unwrap`, but the task as JSON with its `webhook-id` (what a receiver needs)."""
        webhook_id, signed = self._check(body, headers, secret)
        try:
            data = json.loads(body)
        except (ValueError, TypeError, RecursionError) as error:  # nested past the stack too
            raise UnexpectedResponseError(
                f"the callback body is not JSON ({error})", status_code=200, request_id=None
            ) from None
        task = read_one("Task", data, what="a task callback", query=True)
        return Verified(task, webhook_id, signed)

    def _check(
        self, body: bytes | str, headers: Mapping[str, str] | Any, secret: str | None
    ) -> tuple[str | None, bool]:
        given = _lower(headers)
        webhook_id = given.get("webhook-id") or None
        key = self._secret_for(secret)
        if key is None:
            self._warn_unverified(bool(given.get("webhook-signature")))
            self._remember(webhook_id)
            return webhook_id, False
        missing = [name for name in _HEADERS if not given.get(name)]
        if missing:
            raise InvalidWebhookSignatureError(
                f"the callback has no {', '.join(missing)} header, and a webhook secret is "
                f"configured: unsigned callbacks are rejected",
                reason="missing",
                webhook_id=webhook_id,
            )
        self._check_timestamp(given["webhook-timestamp"], webhook_id)
        self._check_signature(key, _text(body), given, webhook_id)
        self._remember(webhook_id)
        return webhook_id, True

    def _check_timestamp(self, value: str, webhook_id: str | None) -> None:
        # At most 15 digits: a longer number would overflow the float it is compared with.
        if not _TIMESTAMP.fullmatch(value.strip()):
            raise InvalidWebhookSignatureError(
                f"webhook-timestamp {value[:20]!r} is not Unix seconds",
                reason="malformed",
                webhook_id=webhook_id,
            )
        skew = int(value.strip()) - time.time()
        if skew < -self.tolerance:
            raise InvalidWebhookSignatureError(
                f"the callback was signed {-skew:.0f} s ago, more than the {self.tolerance:.0f} s "
                f"tolerance (a stale or replayed message)",
                reason="stale",
                webhook_id=webhook_id,
            )
        if skew > self.tolerance:
            raise InvalidWebhookSignatureError(
                f"the callback's timestamp is {skew:.0f} s in the future, more than the "
                f"{self.tolerance:.0f} s tolerance (check the clocks)",
                reason="future",
                webhook_id=webhook_id,
            )

    def _check_signature(
        self, key: str, text: str, given: Mapping[str, str], webhook_id: str | None
    ) -> None:
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        try:
            webhook = Webhook(key)
        except Exception as error:  # binascii.Error, EmptyWebhookSecretError, RuntimeError
            raise ConfigurationError(
                f"the webhook secret is not a whsec_ base64 key ({type(error).__name__}); "
                f"copy it again from the Kling console"
            ) from None
        signatures = [s for s in given["webhook-signature"].split(" ") if s]
        if not all(_well_formed(s) for s in signatures):
            raise InvalidWebhookSignatureError(
                "webhook-signature is not a space-separated list of 'v1,<base64>' values",
                reason="malformed",
                webhook_id=webhook_id,
            )
        try:
            webhook.verify(
                text, {**given, "webhook-signature": " ".join(signatures)}, json_parse=False
            )
        except WebhookVerificationError as error:
            stale = "too old" in str(error) or "too new" in str(error)
            raise InvalidWebhookSignatureError(
                "the callback's timestamp is outside the tolerance"
                if stale
                else "no signature of the callback matches the webhook secret (a tampered body "
                "or another secret)",
                reason="stale" if stale else "mismatch",
                webhook_id=webhook_id,
            ) from None

    def _remember(self, webhook_id: str | None) -> None:
        if webhook_id is None:
            return
        now = time.time()
        with self._lock:
            if webhook_id in self._seen:
                raise InvalidWebhookSignatureError(
                    f"webhook-id {webhook_id[:64]!r} was received before (a duplicate delivery "
                    f"or a replay); drop it",
                    reason="replayed",
                    webhook_id=webhook_id,
                )
            self._seen[webhook_id] = now
            horizon = now - 2 * self.tolerance
            while self._seen and (
                len(self._seen) > _REMEMBER or next(iter(self._seen.values())) < horizon
            ):
                self._seen.popitem(last=False)

    def _warn_unverified(self, signed: bool) -> None:
        if self._warned:
            return
        self._warned = True
        what = "signed callbacks are not verified" if signed else "unsigned callbacks accepted"
        _log.warning(
            "webhooks: %s: no webhook secret is configured (set %s or pass secret= to verify "
            "callbacks and reject unsigned ones)",
            what,
            ENV_SECRET,
        )


def _well_formed(signature: str) -> bool:
    version, comma, value = signature.partition(",")
    if not comma or not version.startswith("v"):
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True

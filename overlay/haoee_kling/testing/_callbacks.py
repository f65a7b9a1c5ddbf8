"""Callbacks from the fake: signed POSTs to a create's `callback_url` at every status change.

When a create carries `callback_url`, the fake plans one callback per status the task goes
through (`submitted`, `processing`, then `succeed` or `failed`), each due when the task's
timeline reaches it. The body is the task as a get answers it at that moment (the spec's
`webhooks.task-callback`); with a secret (`GatewayConfig.webhook_secret`, a `whsec_` key) it is
signed the Standard-Webhooks way, timestamped with the real wall clock (receivers check it
against theirs), and `webhook-id` is the same for every delivery of one message.

Nothing runs in the background on a `FakeClock`: callbacks go out when the clock is moved
(`gateway.advance`, `gateway.finish`) or `gateway.callbacks.pump()` is called. On a
`RealClock` a daemon thread pumps every 20 ms until `close()`. Faults (`CallbackFaults`): drop,
duplicate, delay, reorder and bad signatures, drawn per message from the gateway's seed.
Callbacks go only to loopback addresses unless `allow_remote` is set: a test never calls out.
"""

from __future__ import annotations

import ipaddress
import json
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from ._clock import FakeClock
from ._render import render_task

if TYPE_CHECKING:
    from ._gateway import FakeGateway
    from ._store import Task

__all__ = [
    "FAKE_WEBHOOK_SECRET",
    "CallbackDispatcher",
    "CallbackFaults",
    "Delivery",
    "is_loopback",
]

FAKE_WEBHOOK_SECRET = "whsec_aGFvZWUta2xpbmcgZmFrZSBnYXRld2F5IHNlY3JldA=="
"""The webhook secret a default fake gateway signs its callbacks with."""

_OTHER_SECRET = "whsec_bm90IHRoZSBzZWNyZXQgYW55Ym9keSBjb25maWd1cmVk"
_PUMP_EVERY = 0.02


@dataclass(frozen=True)
class CallbackFaults:
    """How the fake misbehaves when it calls back (shares are 0..1, drawn per message).

    Attributes:
        drop: share of callbacks never sent.
        duplicate: share sent twice (same `webhook-id`, a receiver must drop the second).
        delay: seconds (of the gateway's clock) every callback is held back.
        reorder: hold each task's earlier callbacks until its terminal one is due, then send
            them newest first (the terminal state arrives before `processing`).
        bad_signature: share signed with another secret (a receiver must reject them).
    """

    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    reorder: bool = False
    bad_signature: float = 0.0


@dataclass(frozen=True)
class Delivery:
    """One callback the fake sent, or meant to send.

    Attributes:
        task_id: the task.
        status: the status the callback reports.
        webhook_id: its `webhook-id`.
        url: where it went.
        outcome: `sent`, `dropped`, `refused` (not a loopback address) or `error`.
        status_code: the receiver's HTTP status, when it answered.
        signed_badly: it carried a wrong signature on purpose.
    """

    task_id: str
    status: str
    webhook_id: str
    url: str
    outcome: str
    status_code: int | None = None
    signed_badly: bool = False


@dataclass(eq=False)
class _Due:
    changed: float
    task_id: str
    status: str


def is_loopback(url: str) -> bool:
    """Whether a URL's host is this machine (`localhost`, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CallbackDispatcher:
    """Plans, signs and sends one gateway's callbacks (`gateway.callbacks`).

    Args:
        gateway: the gateway whose tasks call back.
        transport: an httpx transport to send through instead of the network (tests).
        allow_remote: also post to non-loopback addresses.
    """

    def __init__(
        self,
        gateway: FakeGateway,
        *,
        transport: httpx.BaseTransport | None = None,
        allow_remote: bool = False,
    ) -> None:
        self._gateway = gateway
        self.transport = transport
        self.allow_remote = allow_remote
        self.faults = CallbackFaults()
        self.deliveries: list[Delivery] = []
        self._due: list[_Due] = []
        self._tasks: dict[str, tuple[Task, str]] = {}
        self._lock = threading.Lock()
        self._sending = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Forget planned callbacks, deliveries and faults."""
        with self._lock:
            self._due.clear()
            self._tasks.clear()
            self.deliveries.clear()
            self.faults = CallbackFaults()

    def track(self, task: Task, base: str) -> None:
        """Plan the callbacks of a task just created with a `callback_url`."""
        timeline = task.timeline
        changes = [("submitted", timeline.created), (timeline.outcome, timeline.finished)]
        if timeline.started < timeline.finished:
            changes.insert(1, ("processing", timeline.started))
        with self._lock:
            self._tasks[task.task_id] = (task, base)
            self._due.extend(_Due(at, task.task_id, s) for s, at in changes)
        if not isinstance(self._gateway.clock, FakeClock):
            self._start()

    def pending(self) -> int:
        """How many planned callbacks have not gone out yet."""
        with self._lock:
            return len(self._due)

    def pump(self) -> list[Delivery]:
        """Send every callback that is due by the gateway's clock; returns what was done."""
        with self._sending:  # one pump at a time, so deliveries keep their order
            batch = self._take(self._gateway.clock.now())
            done = [self._send(item) for item in batch]
        return [d for group in done for d in group]

    def _take(self, now: float) -> list[_Due]:
        with self._lock:
            due = [d for d in self._due if d.changed + self.faults.delay <= now]
            if self.faults.reorder:
                terminal = {d.task_id for d in due if d.status in ("succeed", "failed")}
                due = [d for d in due if d.task_id in terminal]
            taken = {id(item) for item in due}
            self._due = [item for item in self._due if id(item) not in taken]
        return sorted(due, key=lambda item: item.changed, reverse=self.faults.reorder)

    def _draw(self, item: _Due, what: str, share: float) -> bool:
        if share <= 0:
            return False
        rng = random.Random(f"{self._gateway.config.seed}:{item.task_id}:{item.status}:{what}")
        return rng.random() < share

    def _send(self, item: _Due) -> list[Delivery]:
        task, base = self._tasks[item.task_id]
        data = render_task(task, item.changed, base)
        variety = self._gateway.variety
        if variety is not None:
            data = variety.task(data)
        body = json.dumps(data, separators=(",", ":"))
        webhook_id = f"msg_{item.task_id}_{item.status}"
        url = str(task.body["callback_url"])
        faults = self.faults
        if self._draw(item, "drop", faults.drop):
            return [self._record(Delivery(item.task_id, item.status, webhook_id, url, "dropped"))]
        if not (self.allow_remote or is_loopback(url)):
            return [self._record(Delivery(item.task_id, item.status, webhook_id, url, "refused"))]
        bad = self._draw(item, "bad_signature", faults.bad_signature)
        headers = self._headers(webhook_id, body, bad)
        if variety is not None:
            headers = variety.headers(headers)
        times = 2 if self._draw(item, "duplicate", faults.duplicate) else 1
        sent = []
        with httpx.Client(transport=self.transport, timeout=5.0) as client:
            for _ in range(times):
                try:
                    response = client.post(url, content=body, headers=headers)
                except httpx.HTTPError:
                    outcome = Delivery(item.task_id, item.status, webhook_id, url, "error")
                else:
                    outcome = Delivery(
                        item.task_id,
                        item.status,
                        webhook_id,
                        url,
                        "sent",
                        response.status_code,
                        bad,
                    )
                sent.append(self._record(outcome))
        return sent

    def _headers(self, webhook_id: str, body: str, bad: bool) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        secret = self._gateway.config.webhook_secret
        if secret is None:
            return headers  # the legacy, unsigned form
        from standardwebhooks.webhooks import Webhook

        stamp = datetime.fromtimestamp(int(time.time()), tz=UTC)
        signature = Webhook(_OTHER_SECRET if bad else secret).sign(webhook_id, stamp, body)
        headers.update(
            {
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(stamp.timestamp())),
                "webhook-signature": signature,
            }
        )
        return headers

    def _record(self, delivery: Delivery) -> Delivery:
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    # ------------------------------------------------------------------ real clocks
    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="fake-callbacks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(_PUMP_EVERY):
            self.pump()

    def close(self) -> None:
        """Stop the background pump of a real clock (if one runs)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(5)
        self._stop.clear()

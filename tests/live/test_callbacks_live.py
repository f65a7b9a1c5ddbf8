"""Billed live check: does haoee forward Kling's task callbacks, and are they signed?

Creates the cheapest task (text-to-audio, 3 s) with a `callback_url` that must reach a
`CallbackReceiver` this test serves, and records what arrived. Needs, on top of HAOEE_API_KEY
and KLING_LIVE_BILLED=1:

    KLING_LIVE_CALLBACK_URL   a public URL that forwards to the receiver (a tunnel or proxy)
    KLING_LIVE_CALLBACK_PORT  the local port it forwards to (default 8765)
    KLING_LIVE_CALLBACK_HOST  the local address to listen on (default 127.0.0.1)
    KLING_WEBHOOK_SECRET      optional: the account's whsec_ secret, to check signatures

The wait runs `via=receiver` with polling as the safety net, so the test passes whether or not
a callback arrives; what arrived (statuses, signed or not, rejected) is printed in the
"observed" summary and kept as a JUnit property: that is the finding.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.live import gateway

pytestmark = [pytest.mark.live, pytest.mark.billed]

NO_URL = (
    "KLING_LIVE_CALLBACK_URL is not set: the callback check needs a public URL that forwards "
    "to this machine's KLING_LIVE_CALLBACK_PORT (default 8765)"
)


def test_whether_a_callback_arrives_through_haoee(
    target: gateway.Target, budget: gateway.Budget, observe: Callable[[str], None]
) -> None:
    url = os.environ.get("KLING_LIVE_CALLBACK_URL")
    if not url:
        pytest.skip(NO_URL)
    from haoee_kling import CallbackReceiver, Kling

    from .test_billed import CHEAPEST

    kind, _, body, _ = CHEAPEST[0]
    arrived: list[dict[str, Any]] = []
    receiver = CallbackReceiver(url=url, on_task=arrived.append, safety_interval=15.0)
    host = os.environ.get("KLING_LIVE_CALLBACK_HOST", "127.0.0.1")
    port = int(os.environ.get("KLING_LIVE_CALLBACK_PORT", "8765"))
    external = f"haoee-kling-live-cb-{uuid.uuid4().hex[:12]}"
    budget.take()
    started = time.monotonic()
    with (
        receiver.serve(host=host, port=port),
        Kling(
            api_key=target.key,
            base_url=target.base_url,
            max_retries=0,
            wait_timeout=float(os.environ.get("KLING_LIVE_WAIT_S", "900")),
        ) as kling,
    ):
        done = getattr(kling, kind).create_and_wait(external_task_id=external, via=receiver, **body)
        # A terminal callback may trail the poll that saw the end: give it a moment.
        grace = time.monotonic() + 30
        while not receiver.finished([done.task_id]) and time.monotonic() < grace:
            time.sleep(0.5)
    statuses = [t.get("task_status") for t in arrived if t.get("task_id") == done.task_id]
    observe(
        f"callbacks through haoee for {kind} task {done.task_id}: "
        f"{statuses or 'none arrived'}; duplicates {receiver.duplicates}, rejected "
        f"{receiver.rejected} (signatures "
        f"{'checked' if os.environ.get('KLING_WEBHOOK_SECRET') else 'not checked: no secret'}); "
        f"{time.monotonic() - started:.0f} s"
    )
    assert str(done.task_status) == "succeed"

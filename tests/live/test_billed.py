"""Billed live checks: create the cheapest tasks, wait for each to finish, check every answer.

Only with KLING_LIVE_BILLED=1 on top of HAOEE_API_KEY, and never more than KLING_LIVE_MAX_TASKS
creates per run (default 1; the cases are ordered cheapest first). These go through the overlay
client `haoee_kling.Kling` (created with ``max_retries=0``, so a create is never repeated) and
wait at most KLING_LIVE_WAIT_S (default 900) seconds; KLING_LIVE_POLL_S replaces the client's
poll schedule (default: the client's own, per task kind).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.live import gateway
from tests.live.spec_check import assert_conforms

pytestmark = [pytest.mark.live, pytest.mark.billed]

PROMPT = "A paper boat drifting on a calm pond, soft morning light"
# (task kind, path, body, result list): the cheapest settings each kind allows, cheapest first.
CHEAPEST: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    (
        "text_to_audio",
        "/v1/audio/text-to-audio",
        {"prompt": "Rain on a tin roof", "duration": 3},
        "audios",
    ),
    (
        "text2video",
        "/v1/videos/text2video",
        {"model_name": "kling-v1", "prompt": PROMPT, "mode": "std", "duration": "5"},
        "videos",
    ),
)


@pytest.mark.parametrize(
    ("kind", "path", "body", "results"), CHEAPEST, ids=[kind for kind, *_ in CHEAPEST]
)
def test_create_wait_and_check_the_result(
    kind: str,
    path: str,
    body: dict[str, Any],
    results: str,
    target: gateway.Target,
    budget: gateway.Budget,
    observe: Callable[[str], None],
) -> None:
    """One cheapest task through the overlay client: created, waited for, every answer checked.

    The client's own httpx connection keeps every response it received; each one — the create,
    every poll, the final task — is then judged against the spec.
    """
    from haoee_kling import Kling, PollPolicy

    seen: list[httpx.Response] = []

    def keep(response: httpx.Response) -> None:
        response.read()
        seen.append(response)

    interval = os.environ.get("KLING_LIVE_POLL_S")
    policy = (
        None
        if interval is None
        else PollPolicy(first=float(interval), interval=float(interval), jitter=0.0)
    )
    wait_s = float(os.environ.get("KLING_LIVE_WAIT_S", "900"))
    budget.take()
    external = f"haoee-kling-live-{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    with (
        httpx.Client(event_hooks={"response": [keep]}) as http,
        Kling(
            api_key=target.key,
            base_url=target.base_url,
            http_client=http,
            poll_policy=policy,
            wait_timeout=wait_s,
            max_retries=0,
        ) as kling,
    ):
        namespace = getattr(kling, kind)
        created = namespace.create(external_task_id=external, on_submitted=None, **body)
        observe(f"created {kind} task {created.task_id} ({external})")
        done = namespace.wait(created.task_id)
    observe(
        f"task {created.task_id} ended {done.task_status} after {len(seen) - 1} poll(s), "
        f"{time.monotonic() - started:.0f} s"
    )
    for response in seen:
        assert_conforms(response)
    final = seen[-1].json()["data"]
    assert final["task_result"][results], f"no {results} in the result of {created.task_id}"
    assert (final.get("task_info") or {}).get("external_task_id") in {external, None}


def test_q1_empty_balance_error(
    target: gateway.Target, budget: gateway.Budget, observe: Callable[[str], None]
) -> None:
    """What a create answers on an account with no balance (needs HAOEE_EMPTY_BALANCE_KEY)."""
    key = os.environ.get("HAOEE_EMPTY_BALANCE_KEY")
    if not key:
        pytest.skip("set HAOEE_EMPTY_BALANCE_KEY to a key whose account has no balance")
    budget.take()  # should the account have balance after all, this creates a paid task
    _, path, body, _ = CHEAPEST[0]
    with target.client(key=key) as empty:
        answer = empty.post(path, json=body, headers=target.headers(path, body))
    observe(f"empty balance: HTTP {answer.status_code} {answer.text[:300]!r}")
    assert_conforms(answer)
    assert answer.status_code >= 400

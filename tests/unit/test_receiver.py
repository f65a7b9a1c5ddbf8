"""`CallbackReceiver`: the ASGI app, its state, listening for pushes and serving."""

from __future__ import annotations

import json
import socket
import warnings
from typing import Any

import httpx
import pytest

from haoee_kling import (
    CallbackReceiver,
    ConfigurationError,
    FakeClock,
)
from haoee_kling.callbacks._receiver import MAX_CALLBACK_BYTES, _is_newer, _need
from haoee_kling.callbacks._webhooks import ENV_SECRET
from haoee_kling.plans._engine import Listen
from tests.unit.test_webhooks import OTHER, SECRET, sign

TASK_ID = "842250903629086785"


def task(status: str, task_id: str = TASK_ID, updated: int = 1) -> dict[str, Any]:
    return {"task_id": task_id, "task_status": status, "created_at": 0, "updated_at": updated}


def post(
    receiver: CallbackReceiver, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST one callback to the receiver's ASGI app in-process (Starlette's TestClient)."""
    with warnings.catch_warnings():
        # Starlette asks for httpx2 in its test client; httpx is what the project is built on.
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with TestClient(receiver) as client:
        response: httpx.Response = client.post("/kling/cb", content=raw, headers=headers or {})
    return response


@pytest.fixture(autouse=True)
def _no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SECRET, raising=False)


# ---------------------------------------------------------------------- the ASGI app
def test_a_signed_callback_is_received_once_and_duplicates_are_dropped() -> None:
    seen: list[dict[str, Any]] = []
    receiver = CallbackReceiver(SECRET, on_task=seen.append)
    body = json.dumps(task("succeed")).encode()
    headers = sign(body)
    first = post(receiver, body, headers)
    again = post(receiver, body, headers)
    assert (first.status_code, first.json()) == (200, {"received": True, "duplicate": False})
    assert (again.status_code, again.json()) == (200, {"received": True, "duplicate": True})
    assert [t["task_status"] for t in seen] == ["succeed"]
    assert receiver.latest(TASK_ID) == seen[0]
    assert (receiver.received, receiver.duplicates, receiver.rejected) == (1, 1, 0)
    assert "received=1" in repr(receiver)


def test_an_older_state_after_the_terminal_one_changes_nothing() -> None:
    seen: list[str] = []
    receiver = CallbackReceiver(SECRET, on_task=lambda t: seen.append(t["task_status"]))
    for status, webhook_id in (("succeed", "b"), ("processing", "a"), ("submitted", "c")):
        body = json.dumps(task(status)).encode()
        assert post(receiver, body, sign(body, webhook_id=webhook_id)).status_code == 200
    assert seen == ["succeed"]
    assert receiver.finished([TASK_ID])[TASK_ID]["task_status"] == "succeed"


def test_a_bad_signature_is_rejected_with_401_and_nothing_is_kept() -> None:
    receiver = CallbackReceiver(SECRET)
    body = json.dumps(task("succeed")).encode()
    answer = post(receiver, body, sign(body, secret=OTHER))
    assert answer.status_code == 401
    assert answer.json()["received"] is False
    assert "no signature" in answer.json()["error"]
    assert SECRET not in answer.text
    assert receiver.latest(TASK_ID) is None
    assert receiver.rejected == 1


def test_a_body_over_the_cap_is_refused_with_413_unread() -> None:
    # Regression: any body was read whole into memory, however large.
    receiver = CallbackReceiver(SECRET)
    body = json.dumps({**task("succeed"), "pad": "x" * MAX_CALLBACK_BYTES}).encode()
    answer = post(receiver, body, sign(body))
    assert answer.status_code == 413
    assert (receiver.received, receiver.rejected) == (0, 1)
    small = json.dumps(task("succeed")).encode()
    assert post(receiver, small, sign(small)).status_code == 200


def test_a_body_that_is_not_a_task_is_rejected_with_400() -> None:
    receiver = CallbackReceiver(SECRET)
    answer = post(receiver, b"<html>", sign(b"<html>"))
    assert answer.status_code == 400
    assert answer.json()["received"] is False


def test_a_broken_secret_is_a_500_that_does_not_show_it() -> None:
    receiver = CallbackReceiver("whsec_")
    body = json.dumps(task("succeed")).encode()
    answer = post(receiver, body, sign(body))
    assert answer.status_code == 500
    assert "whsec_ base64" in answer.json()["error"]


def test_unsigned_callbacks_without_a_secret_are_accepted_and_repeats_dropped() -> None:
    receiver = CallbackReceiver()
    assert post(receiver, task("processing")).json()["duplicate"] is False
    assert post(receiver, task("processing")).json()["duplicate"] is True
    assert post(receiver, task("succeed", updated=2)).json()["duplicate"] is False
    assert receiver.received == 2


async def test_an_async_on_task_is_awaited() -> None:
    seen: list[str] = []

    async def on_task(item: dict[str, Any]) -> None:
        seen.append(item["task_id"])

    receiver = CallbackReceiver(on_task=on_task)
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver.test") as client:
        answer = await client.post("/", json=task("succeed"))
        wrong = await client.get("/")
    assert answer.status_code == 200
    assert wrong.status_code == 405
    assert seen == [TASK_ID]


def test_a_missing_extra_names_the_install_command() -> None:
    with pytest.raises(ImportError, match=r"pip install 'haoee-kling\[receiver\]'"):
        _need("no_such_module_for_kling")


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="tick must be a finite number of seconds > 0"):
        CallbackReceiver(tick=0)


@pytest.mark.parametrize(
    ("new", "old", "newer"),
    [
        (task("processing"), None, True),
        (task("succeed"), task("processing"), True),
        (task("processing"), task("succeed"), False),
        (task("failed"), task("succeed"), False),
        (task("submitted"), task("processing"), False),
        (task("queued_somewhere", updated=5), task("processing", updated=4), True),
        (task("queued_somewhere", updated=3), task("processing", updated=4), False),
        (task("processing", updated=9), task("processing", updated=1), False),
    ],
)
def test_which_state_is_newer(new: dict[str, Any], old: dict[str, Any] | None, newer: bool) -> None:
    assert _is_newer(new, old) is newer


def test_serve_runs_it_on_loopback_until_the_block_ends() -> None:
    receiver = CallbackReceiver(SECRET)
    body = json.dumps(task("succeed")).encode()
    with receiver.serve() as served:
        assert served.local_url.startswith("http://127.0.0.1:")
        answer = httpx.post(served.local_url + "cb", content=body, headers=sign(body))
        port = int(served.local_url.rsplit(":", 1)[1].strip("/"))
    assert answer.json() == {"received": True, "duplicate": False}
    with socket.create_server(("127.0.0.1", 0)) as busy:
        taken = busy.getsockname()[1]
        with pytest.raises(OSError, match="in use"), receiver.serve(port=taken):
            pass  # pragma: no cover - never entered
    assert port > 0


# ---------------------------------------------------------------------- listening
def test_listen_returns_as_soon_as_every_task_has_finished() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=0.5)
    arrivals = {3.0: task("processing"), 7.0: task("succeed")}

    class Delivering(FakeClock):
        def sleep(self, seconds: float) -> None:
            clock.sleep(seconds)
            for at in [a for a in arrivals if a <= clock.monotonic()]:
                receiver.deliver(arrivals.pop(at))

    news = receiver.listen(Listen(receiver, (TASK_ID,), 60.0, Delivering()))
    assert news[TASK_ID]["task_status"] == "succeed"
    assert clock.monotonic() == 7.0


def test_listen_gives_up_after_its_seconds_with_what_it_has() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0)
    receiver.deliver(task("succeed", task_id="a"))
    news = receiver.listen(Listen(receiver, ("a", "b"), 2.5, clock))
    assert set(news) == {"a"}
    assert clock.sleeps == [1.0, 1.0, 0.5]


async def test_alisten_suspends_through_the_clock() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0)
    assert await receiver.alisten(Listen(receiver, ("a",), 2.0, clock)) == {}
    receiver.deliver(task("failed", task_id="a"))
    news = await receiver.alisten(Listen(receiver, ("a",), 2.0, clock))
    assert news["a"]["task_status"] == "failed"
    assert clock.monotonic() == 2.0


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import haoee_kling.callbacks._receiver as module

    monkeypatch.setattr(module, "_KEEP", 2)
    receiver = CallbackReceiver()
    for name in ("a", "b", "c"):
        receiver.deliver(task("succeed", task_id=name))
    assert receiver.latest("a") is None
    assert receiver.latest("c") is not None

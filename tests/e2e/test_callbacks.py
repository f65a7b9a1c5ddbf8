"""Callbacks end to end: the fake posts signed callbacks, a receiver on loopback finishes waits.

The client runs in-process against the fake on a linked fake clock; the receiver is served by
uvicorn on a loopback port, and the fake posts to it over a real socket whenever the client's
sleeps move the clock past a status change.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from haoee_kling import AsyncKling, CallbackReceiver, Kling
from haoee_kling.cli import cli
from haoee_kling.testing import (
    FAKE_WEBHOOK_SECRET,
    CallbackFaults,
    FakeGateway,
    RealClock,
    serve_in_thread,
)
from haoee_kling.testing._callbacks import is_loopback
from tests.e2e.conftest import make_client
from tests.unit.test_webhooks import sign

FLAVORS = ["sync", "async"]


@pytest.fixture
def gateway(variety: int | None) -> FakeGateway:
    return FakeGateway(variety=variety)


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    """A receiver with the fake's secret, served on loopback; `url` set to where it listens."""
    seen: list[dict[str, Any]] = []
    receiver = CallbackReceiver(FAKE_WEBHOOK_SECRET, on_task=seen.append)
    receiver.seen = seen  # type: ignore[attr-defined]
    with receiver.serve() as served:
        receiver.url = served.local_url + "kling/callback"
        yield receiver


def statuses(receiver: CallbackReceiver) -> list[tuple[str, str]]:
    return [(t["task_id"], t["task_status"]) for t in receiver.seen]  # type: ignore[attr-defined]


def run_client(flavor: str, gateway: FakeGateway, job: Any, **options: Any) -> Any:
    """Run `job(kling)` (awaited for the async client) with a client bound to the fake."""
    kling = make_client(flavor, gateway, **options)
    if isinstance(kling, Kling):
        with kling:
            return job(kling)

    async def main(client: AsyncKling) -> Any:
        async with client:
            return await job(client)

    return asyncio.run(main(kling))


@pytest.mark.parametrize("flavor", FLAVORS)
def test_create_and_wait_finishes_on_the_push(
    flavor: str, gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    done = run_client(
        flavor,
        gateway,
        lambda kling: kling.text2video.create_and_wait(prompt="a fox", via=receiver),
    )
    assert str(done.task_status) == "succeed"
    [stored] = gateway.tasks()
    assert stored.body["callback_url"] == receiver.url
    lag = gateway.clock.now() - stored.timeline.finished
    assert 0 <= lag <= receiver.tick + 1e-6
    assert [s for _, s in statuses(receiver)] == ["submitted", "processing", "succeed"]
    assert {d.status_code for d in gateway.callbacks.deliveries} == {200}


@pytest.mark.parametrize("flavor", FLAVORS)
def test_duplicated_and_reordered_callbacks_give_one_result_per_task(
    flavor: str, gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    gateway.callbacks.faults = CallbackFaults(duplicate=1.0, reorder=True)

    def job(kling: Any) -> Any:
        if isinstance(kling, Kling):
            created = [
                kling.text2video.create(prompt=f"fox {n}", callback_url=str(receiver.url))
                for n in range(4)
            ]
            return kling.tasks.wait_many([("text2video", t.task_id) for t in created], via=receiver)

        async def create_all() -> Any:
            created = [
                await kling.text2video.create(prompt=f"fox {n}", callback_url=str(receiver.url))
                for n in range(4)
            ]
            return await kling.tasks.wait_many(
                [("text2video", t.task_id) for t in created], via=receiver
            )

        return create_all()

    results = run_client(flavor, gateway, job)
    ids = {t.task_id for t in gateway.tasks()}
    assert set(results) == ids
    assert {str(t.task_status) for t in results.values()} == {"succeed"}
    # Each task's newest state arrived first; the older ones and every duplicate were dropped.
    assert sorted(statuses(receiver)) == sorted((i, "succeed") for i in ids)
    sent = [d for d in gateway.callbacks.deliveries if d.outcome == "sent"]
    assert len(sent) == 2 * 3 * len(ids)
    assert receiver.duplicates == len(sent) - len(ids)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_dropped_callback_still_finishes_by_polling_within_the_deadline(
    flavor: str, gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    gateway.callbacks.faults = CallbackFaults(drop=1.0)
    done = run_client(
        flavor,
        gateway,
        lambda kling: kling.text2video.create_and_wait(prompt="a fox", via=receiver, timeout=900),
    )
    assert str(done.task_status) == "succeed"
    assert statuses(receiver) == []
    [stored] = gateway.tasks()
    lag = gateway.clock.now() - stored.timeline.finished
    assert 0 <= lag <= receiver.safety_interval + 1.0
    assert {d.outcome for d in gateway.callbacks.deliveries} == {"dropped"}


@pytest.mark.parametrize("flavor", FLAVORS)
def test_badly_signed_callbacks_are_rejected_and_the_wait_still_ends(
    flavor: str, gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    gateway.callbacks.faults = CallbackFaults(bad_signature=1.0)
    done = run_client(
        flavor,
        gateway,
        lambda kling: kling.text2video.create_and_wait(prompt="a fox", via=receiver),
    )
    assert str(done.task_status) == "succeed"
    assert statuses(receiver) == []
    assert receiver.rejected == len(gateway.callbacks.deliveries) == 3
    assert {d.status_code for d in gateway.callbacks.deliveries} == {401}
    assert all(d.signed_badly for d in gateway.callbacks.deliveries)


def test_a_failed_task_is_raised_from_its_push(
    gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    from haoee_kling import TaskFailedError

    with pytest.raises(TaskFailedError) as caught:
        run_client(
            "sync",
            gateway,
            lambda kling: kling.text2video.create_and_wait(
                prompt="a fox [fake:fail]", via=receiver
            ),
        )
    [stored] = gateway.tasks()
    assert caught.value.task_id == stored.task_id
    assert gateway.clock.now() - stored.timeline.finished <= receiver.tick + 1e-6


def test_delayed_callbacks_arrive_late_and_still_finish_the_wait(
    gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    gateway.callbacks.faults = CallbackFaults(delay=20.0)
    done = run_client(
        "sync",
        gateway,
        lambda kling: kling.text2video.wait(
            kling.text2video.create(prompt="a fox", callback_url=str(receiver.url)).task_id,
            via=receiver,
        ),
    )
    assert str(done.task_status) == "succeed"
    [stored] = gateway.tasks()
    lag = gateway.clock.now() - stored.timeline.finished
    assert 20.0 <= lag <= 20.0 + receiver.tick + 1e-6


def test_wait_by_kind_name_takes_a_receiver_too(
    gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    def job(kling: Kling) -> Any:
        task = kling.text2video.create(prompt="a fox", callback_url=str(receiver.url))
        return kling.tasks.wait("text2video", task.task_id, via=receiver)

    assert str(run_client("sync", gateway, job).task_status) == "succeed"


def test_iter_status_sees_each_change_as_its_callback_arrives(
    gateway: FakeGateway, receiver: CallbackReceiver
) -> None:
    def job(kling: Kling) -> Any:
        task = kling.text2video.create(prompt="a fox", callback_url=str(receiver.url))
        return [
            (str(t.task_status), gateway.clock.now())
            for t in kling.tasks.iter_status("text2video", task.task_id, via=receiver)
        ]

    seen = run_client("sync", gateway, job)
    assert [status for status, _ in seen][-1] == "succeed"
    [stored] = gateway.tasks()
    # Seen on the push, not at the next poll of a 60 s safety interval.
    assert seen[-1][1] - stored.timeline.finished <= receiver.tick + 1e-6


# ---------------------------------------------------------------------- the fake's side
def test_the_fake_posts_only_to_loopback_addresses(gateway: FakeGateway) -> None:
    def job(kling: Kling) -> Any:
        return kling.text2video.create(prompt="a fox", callback_url="https://example.com/cb")

    run_client("sync", gateway, job)
    gateway.finish(gateway.tasks()[0].task_id)
    assert {d.outcome for d in gateway.callbacks.deliveries} == {"refused"}
    assert gateway.callbacks.pending() == 0
    assert is_loopback("http://localhost:1/")
    assert is_loopback("http://[::1]:1/")
    assert not is_loopback("http://10.0.0.1/")
    assert not is_loopback("http://kling.test/")


def test_without_a_secret_the_fake_sends_the_legacy_unsigned_form() -> None:
    gateway = FakeGateway(webhook_secret=None)
    received: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200, json={"received": True})

    gateway.callbacks.transport = httpx.MockTransport(answer)
    run_client(
        "sync",
        gateway,
        lambda kling: kling.text2video.create(prompt="a fox", callback_url="http://127.0.0.1:9/"),
    )
    gateway.finish(gateway.tasks()[0].task_id)
    assert len(received) == 3
    assert all("webhook-signature" not in r.headers for r in received)
    assert json.loads(received[-1].content)["task_status"] == "succeed"


def test_a_receiver_that_cannot_be_reached_is_recorded_as_an_error(gateway: FakeGateway) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    gateway.callbacks.transport = httpx.MockTransport(refuse)
    run_client(
        "sync",
        gateway,
        lambda kling: kling.text2video.create(prompt="a fox", callback_url="http://127.0.0.1:9/"),
    )
    gateway.finish(gateway.tasks()[0].task_id)
    assert {d.outcome for d in gateway.callbacks.deliveries} == {"error"}
    gateway.reset()
    assert gateway.callbacks.deliveries == []


def test_on_a_real_clock_a_background_pump_sends_callbacks_on_time() -> None:
    gateway = FakeGateway(clock=RealClock(speed=2000.0))
    receiver = CallbackReceiver(FAKE_WEBHOOK_SECRET)
    server = serve_in_thread(gateway)
    try:
        with receiver.serve() as served:
            answer = httpx.post(
                f"{server.base_url}/v1/videos/text2video",
                json={"prompt": "a fox", "callback_url": served.local_url},
                headers=gateway.client_headers(),
            )
            task_id = answer.json()["data"]["task_id"]
            deadline = time.monotonic() + 10
            while not receiver.finished([task_id]) and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        server.stop()
    assert receiver.finished([task_id])[task_id]["task_status"] == "succeed"


# ---------------------------------------------------------------------- kling callbacks listen
def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def test_kling_callbacks_listen_prints_each_task_as_its_callback_arrives() -> None:
    port = _free_port()
    result: list[Any] = []
    command = ["callbacks", "listen", "--port", str(port), "--count", "2"]
    env = {"KLING_WEBHOOK_SECRET": FAKE_WEBHOOK_SECRET}
    thread = threading.Thread(
        target=lambda: result.append(CliRunner().invoke(cli, command, env=env)), daemon=True
    )
    thread.start()
    bodies = [
        json.dumps({"task_id": "7", "task_status": status, "updated_at": n}).encode()
        for n, status in enumerate(["processing", "processing", "succeed"])
    ]
    deadline = time.monotonic() + 10
    answers = []
    for n, body in enumerate(bodies):
        while True:
            try:
                answers.append(
                    httpx.post(
                        f"http://127.0.0.1:{port}/",
                        content=body,
                        headers=sign(body, secret=FAKE_WEBHOOK_SECRET, webhook_id=f"m{n}"),
                    )
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "kling callbacks listen did not start"
                time.sleep(0.05)
    thread.join(10)
    [outcome] = result
    assert outcome.exit_code == 0, outcome.output
    printed = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [t["task_status"] for t in printed] == ["processing", "succeed"]
    assert [a.json()["duplicate"] for a in answers] == [False, True, False]
    assert f"listening on http://127.0.0.1:{port}/" in outcome.stderr


def test_kling_callbacks_listen_on_a_busy_port_is_one_line_and_exit_3() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        outcome = CliRunner().invoke(cli, ["callbacks", "listen", "--port", str(port)])
    assert outcome.exit_code == 3
    assert "could not listen" in outcome.stderr


def test_kling_callbacks_listen_without_the_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    outcome = CliRunner().invoke(cli, ["callbacks", "listen", "--port", "0"])
    assert outcome.exit_code == 3
    assert "pip install 'haoee-kling[receiver]'" in outcome.stderr


def test_callback_faults_can_be_set_through_the_control_api(gateway: FakeGateway) -> None:
    with gateway.test_client() as client:
        root = gateway.base_url.removesuffix(gateway.config.prefix)
        answer = client.post(f"{root}/_fake/callbacks", json={"drop": 1.0, "reorder": True})
        assert answer.status_code == 200, answer.text
        assert answer.json()["faults"]["drop"] == 1.0
        assert gateway.callbacks.faults == CallbackFaults(drop=1.0, reorder=True)
        wrong = client.post(f"{root}/_fake/callbacks", json={"explode": True})
        assert wrong.status_code == 400
        assert "bad_signature" in wrong.json()["error"]
        created = client.post(
            "/v1/videos/text2video", json={"prompt": "a fox", "callback_url": "http://127.0.0.1:9/"}
        )
        gateway.finish(created.json()["data"]["task_id"])
        seen = client.get(f"{root}/_fake/callbacks").json()
    assert {d["outcome"] for d in seen["deliveries"]} == {"dropped"}


def test_create_and_wait_via_a_receiver_without_a_url_is_refused_before_the_network(
    gateway: FakeGateway,
) -> None:
    from haoee_kling import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="callback_url: is required with via=receiver"):
        run_client(
            "sync",
            gateway,
            lambda kling: kling.text2video.create_and_wait(prompt="a fox", via=CallbackReceiver()),
        )
    assert gateway.tasks() == []

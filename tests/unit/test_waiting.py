"""Waiting: every wait ends; transient poll failures are survived; many tasks, few requests."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import pytest
import respx

from haoee_kling import (
    AsyncKling,
    AuthenticationError,
    FakeClock,
    InvalidRequestError,
    Kling,
    ProgressEvent,
    TaskFailedError,
    WaitTimeoutError,
)
from tests.unit.conftest import (
    CANARY_KEY,
    collect,
    list_answer,
    response_example,
    run,
    task_answer,
)

GET = "/v1/videos/text2video/842250903629086785"
TASK_ID = "842250903629086785"


def answers(*statuses: str) -> list[httpx.Response]:
    return [httpx.Response(200, json=task_answer(s)) for s in statuses]


async def test_wait_polls_until_succeed_and_reports_progress(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(GET).mock(side_effect=answers("submitted", "processing", "succeed"))
    events: list[ProgressEvent] = []
    task = await run(kling.text2video.wait(TASK_ID, on_progress=events.append))
    assert task.task_status == "succeed"
    assert route.call_count == 3
    assert [e.status for e in events] == ["submitted", "processing", "succeed"]
    assert [e.polls for e in events] == [1, 2, 3]
    assert clock.sleeps[0] < 10  # a resumed wait polls at once, then every few seconds


async def test_a_failed_task_raises_with_its_message(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get(GET).mock(side_effect=answers("processing", "failed"))
    with pytest.raises(TaskFailedError) as caught:
        await run(kling.text2video.wait(TASK_ID))
    assert caught.value.task_id == TASK_ID
    assert caught.value.kind == "text2video"
    assert caught.value.task_status_msg == task_answer("failed")["data"]["task_status_msg"]


@pytest.mark.parametrize("last", ["succeed", "failed"])
async def test_an_answer_naming_another_id_keeps_the_id_the_caller_holds(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, last: str
) -> None:
    # Found by the simulator (seed 7000350, status=id-changes): a gateway that renumbers a task
    # made the result, or the TaskFailedError, carry its new id, and the created id was lost.
    renamed = [
        httpx.Response(200, json=task_answer(s, task_id="999")) for s in ("processing", last)
    ]
    raw_router.get(GET).mock(side_effect=renamed)
    got = await run(kling.tasks.get("text2video", TASK_ID))
    assert got.task_id == "999"  # a get keeps the answer's id: it may be asked by external id
    if last == "succeed":
        task = await run(kling.text2video.wait(TASK_ID))
        assert task.task_id == TASK_ID
    else:
        with pytest.raises(TaskFailedError) as caught:
            await run(kling.text2video.wait(TASK_ID))
        assert caught.value.task_id == TASK_ID


async def test_the_deadline_ends_the_wait_and_no_sleep_runs_past_it(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get(GET).respond(200, json=task_answer("processing"))
    with pytest.raises(WaitTimeoutError) as caught:
        await run(kling.text2video.wait(TASK_ID, timeout=100))
    assert (caught.value.task_id, caught.value.last_status) == (TASK_ID, "processing")
    assert clock.monotonic() == pytest.approx(100.0)


async def test_an_unknown_status_is_not_terminal_and_the_wait_still_ends(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    odd = task_answer("queued_for_gpu", brand_new_field={"x": 1})
    raw_router.get(GET).respond(200, json=odd)
    with pytest.raises(WaitTimeoutError) as caught:
        await run(kling.text2video.wait(TASK_ID, timeout=60))
    assert caught.value.last_status == "queued_for_gpu"
    task = await run(kling.text2video.get(TASK_ID))
    assert task.task_status == "queued_for_gpu"
    assert task.additional_properties["brand_new_field"] == {"x": 1}


async def test_transient_poll_failures_are_retried_inside_the_deadline(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.get(GET).mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            httpx.Response(502, text="<html>Bad Gateway</html>"),
            httpx.Response(500, json=response_example("InternalError", "internal")),
            httpx.Response(
                429,
                json=response_example("TooManyRequests", "concurrency"),
                headers={"Retry-After": "4"},
            ),
            httpx.Response(200, json=task_answer("succeed")),
        ]
    )
    events: list[ProgressEvent] = []
    task = await run(kling.text2video.wait(TASK_ID, on_progress=events.append))
    assert task.task_status == "succeed"
    assert events[-1].attempt == 4


async def test_an_auth_error_ends_the_wait_at_once_with_the_task_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.get(GET).respond(401, json=response_example("Unauthorized", "invalid"))
    with pytest.raises(AuthenticationError) as caught:
        await run(kling.text2video.wait(TASK_ID))
    assert caught.value.task_id == TASK_ID
    assert route.call_count == 1


async def test_a_retry_after_on_a_poll_sets_the_next_poll(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get(GET).mock(
        side_effect=[
            httpx.Response(200, json=task_answer("processing"), headers={"Retry-After": "2"}),
            httpx.Response(200, json=task_answer("succeed")),
        ]
    )
    await run(kling.text2video.wait(TASK_ID))
    assert clock.sleeps == [2.0]


async def test_create_and_wait_waits_for_the_kinds_first_poll_and_errors_carry_the_id(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post("/v1/videos/text2video").respond(200, json=task_answer())
    router.get(GET).respond(200, json=task_answer("failed"))
    with pytest.raises(TaskFailedError) as caught:
        await run(kling.text2video.create_and_wait(prompt="a fox", timeout=600))
    assert caught.value.task_id == TASK_ID
    assert clock.sleeps[0] == 40.0


async def test_wait_many_polls_list_pages_not_one_get_per_task(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    ids = [str(900 + n) for n in range(600)]
    rounds = iter([["processing"] * 600, ["succeed"] * 599 + ["failed"]])

    def page(request: httpx.Request) -> httpx.Response:
        number, size = int(request.url.params["pageNum"]), int(request.url.params["pageSize"])
        statuses = current[0]
        chunk = ids[(number - 1) * size : number * size]
        return httpx.Response(
            200, json=list_answer(*[task_answer(statuses[ids.index(i)], task_id=i) for i in chunk])
        )

    current = [next(rounds)]

    def advance(request: httpx.Request) -> httpx.Response:
        response = page(request)
        if request.url.params["pageNum"] == "2":
            current[0] = next(rounds, current[0])
        return response

    route = router.get("/v1/videos/text2video").mock(side_effect=advance)
    done = await run(kling.tasks.wait_many([("text2video", i) for i in ids], timeout=600))
    assert len(done) == 600
    assert done[ids[-1]].task_status == "failed"
    assert route.call_count == 2 * math.ceil(600 / 500)


async def test_wait_many_keeps_paging_for_older_unfinished_tasks(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    """The list is newest first over finished tasks too: when the newest 600 of 1,000 are done,
    the 400 still running sit on page 2, which a round must read instead of 400 gets."""
    ids = [str(5000 - n) for n in range(1000)]  # newest first, as the list answers
    rounds = iter([{"processing"}, {"newest-done"}, {"succeed"}])
    state = [next(rounds)]

    def status(index: int) -> str:
        if state[0] == {"newest-done"}:
            return "succeed" if index < 600 else "processing"
        return next(iter(state[0]))

    def page(request: httpx.Request) -> httpx.Response:
        number, size = int(request.url.params["pageNum"]), int(request.url.params["pageSize"])
        span = range((number - 1) * size, min(number * size, len(ids)))
        answer = list_answer(*[task_answer(status(i), task_id=ids[i]) for i in span])
        if number * size >= len(ids) or number == 2:
            state[0] = next(rounds, state[0])
        return httpx.Response(200, json=answer)

    listed = router.get("/v1/videos/text2video").mock(side_effect=page)
    single = router.get(GET).respond(200, json=task_answer("succeed"))
    done = await run(kling.tasks.wait_many([("text2video", i) for i in ids], timeout=3600))
    assert len(done) == 1000
    assert single.call_count == 0
    assert listed.call_count == 3 * 2  # three rounds, two pages each


async def test_wait_many_times_out_with_the_finished_tasks(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get("/v1/videos/text2video").respond(
        200,
        json=list_answer(
            task_answer("succeed", task_id="1"), task_answer("processing", task_id="2")
        ),
    )
    with pytest.raises(WaitTimeoutError) as caught:
        await run(kling.tasks.wait_many([("text2video", "1"), ("text2video", "2")], timeout=30))
    assert caught.value.task_id == "2"
    assert list(caught.value.results) == ["1"]  # type: ignore[attr-defined]


async def test_wait_many_reads_a_task_missing_from_the_pages_by_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get("/v1/videos/text2video").respond(200, json=list_answer())
    single = router.get(GET).respond(200, json=task_answer("succeed"))
    done = await run(kling.tasks.wait_many([("text2video", TASK_ID)]))
    assert done[TASK_ID].task_status == "succeed"
    assert single.call_count == 1


async def test_iter_status_yields_each_change_once_and_ends_at_a_terminal_state(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get(GET).mock(side_effect=answers("submitted", "submitted", "processing", "failed"))
    seen = await collect(kling.tasks.iter_status("text2video", TASK_ID))
    assert [t.task_status for t in seen] == ["submitted", "processing", "failed"]


async def test_tasks_get_and_wait_take_kind_names(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get(GET).respond(200, json=task_answer("succeed"))
    assert (await run(kling.tasks.get("text2video", TASK_ID))).task_status == "succeed"
    assert (await run(kling.tasks.wait("text2video", TASK_ID))).task_id == TASK_ID
    with pytest.raises(ValueError, match="unknown task kind"):
        await run(kling.tasks.get("text3video", TASK_ID))


async def test_cancelling_an_async_wait_propagates_cleanly(router: respx.MockRouter) -> None:
    router.get(GET).respond(200, json=task_answer("processing"))
    client = AsyncKling(api_key=CANARY_KEY, transport=httpx.MockTransport(router.handler))
    waiting = asyncio.ensure_future(client.text2video.wait(TASK_ID, timeout=None))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await client.close()


async def test_wait_many_rides_out_transient_list_and_get_failures(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.get("/v1/videos/text2video").mock(
        side_effect=[
            httpx.Response(502, text="<html>bad gateway</html>"),
            httpx.Response(200, json=list_answer(task_answer("succeed"))),
        ]
    )
    raw_router.get(GET).mock(side_effect=httpx.ConnectError("down"))
    done = await run(kling.tasks.wait_many([("text2video", TASK_ID)]))
    assert done[TASK_ID].task_status == "succeed"


async def test_wait_many_in_an_outage_sends_two_requests_a_round_not_one_per_task(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    # Found by the simulator (tests/sim, fault="outage"): a list page that could not connect
    # was followed by one get per task, each failing the same way, every round.
    ids = [str(900 + n) for n in range(50)]
    down = httpx.ConnectError("network unreachable")
    up = httpx.Response(200, json=list_answer(*[task_answer("succeed", i) for i in ids]))
    lists = raw_router.get("/v1/videos/text2video").mock(side_effect=[down, down, down, up])
    gets = raw_router.get(url__regex=r"/v1/videos/text2video/\d+").mock(side_effect=down)
    done = await run(kling.tasks.wait_many([("text2video", i) for i in ids], timeout=3600))
    assert len(done) == 50
    assert lists.call_count == 4
    assert gets.call_count == 3  # one a round while the list failed, not 50


async def test_wait_many_fits_each_request_to_its_deadline_and_starts_none_after_it(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, clock: FakeClock
) -> None:
    # Found by the simulator (tests/sim, fault="timeout"): list pages and by-id reads used the
    # full 60 s request timeout, so a round of slow answers ran minutes past the deadline.
    timeouts: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"]["read"])
        clock.advance(timeouts[-1])
        raise httpx.ReadTimeout("no answer", request=request)

    raw_router.get(url__regex=r"/v1/videos/text2video.*").mock(side_effect=slow)
    ids = [str(900 + n) for n in range(5)]
    with pytest.raises(WaitTimeoutError):
        await run(kling.tasks.wait_many([("text2video", i) for i in ids], timeout=45))
    assert timeouts[0] == 45  # the list page: what was left, not the client's 60 s
    assert max(timeouts) <= 45
    assert clock.monotonic() <= 45 + 1


async def test_wait_many_stops_on_an_auth_error(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get("/v1/videos/text2video").respond(
        401, json=response_example("Unauthorized", "invalid")
    )
    with pytest.raises(AuthenticationError):
        await run(kling.tasks.wait_many([("text2video", TASK_ID)]))


async def test_create_and_wait_reports_progress_at_once_not_at_the_first_poll(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post("/v1/videos/text2video").respond(200, json=task_answer("submitted"))
    router.get(GET).mock(side_effect=answers("processing", "succeed"))
    events: list[ProgressEvent] = []
    await run(kling.text2video.create_and_wait(prompt="a fox", on_progress=events.append))
    first = events[0]
    assert (first.status, first.elapsed, first.polls) == ("submitted", 0.0, 0)
    assert clock.sleeps[0] > 10  # the first poll itself still waits for the kind's schedule
    assert [e.status for e in events[1:]] == ["processing", "succeed"]


async def test_a_waits_default_deadline_comes_from_the_models_map_entry(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, clock: FakeClock
) -> None:
    from haoee_kling.check._capabilities import kind_capabilities

    v3 = kind_capabilities("text2video")["kling-v3"]
    raw_router.post("/v1/videos/text2video").respond(200, json=task_answer("submitted"))
    raw_router.get(GET).respond(200, json=task_answer("processing"))
    with pytest.raises(WaitTimeoutError):
        await run(
            kling.text2video.create_and_wait(
                prompt="a long fox", model_name="kling-v3", duration="15", mode="pro"
            )
        )
    assert clock.monotonic() == pytest.approx(v3.wait_seconds_long)
    assert v3.wait_seconds_long > 900


async def test_the_clients_wait_timeout_wins_over_the_models_default(
    flavor: str, raw_router: respx.MockRouter, clock: FakeClock
) -> None:
    raw_router.post("/v1/videos/text2video").respond(200, json=task_answer("submitted"))
    raw_router.get(GET).respond(200, json=task_answer("processing"))
    cls = Kling if flavor == "sync" else AsyncKling
    client = cls(
        api_key=CANARY_KEY,
        transport=httpx.MockTransport(raw_router.handler),
        clock=clock,
        wait_timeout=300,
    )
    with pytest.raises(WaitTimeoutError):
        await run(
            client.text2video.create_and_wait(prompt="fox", model_name="kling-v3", duration="15")
        )
    assert clock.monotonic() == pytest.approx(300)
    await run(client.close())


async def test_wait_many_adds_up_what_the_finished_tasks_cost(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    page = list_answer(
        task_answer("succeed", "1", final_unit_deduction="0.4"),
        task_answer("failed", "2", final_unit_deduction="0.1"),
        task_answer("succeed", "3"),
    )
    page["data"][2].pop("final_unit_deduction", None)  # not reported: left out of the sum
    raw_router.get("/v1/videos/text2video").respond(200, json=page)
    done = await run(kling.tasks.wait_many([("text2video", t) for t in ("1", "2", "3")]))
    assert str(done.cost.units) == "0.5"


@pytest.mark.parametrize("timeout", [-1, 0, float("nan"), float("inf"), "600"])
async def test_create_and_wait_refuses_a_deadline_it_cannot_wait_before_the_create(
    kling: Kling | AsyncKling, router: respx.MockRouter, timeout: Any
) -> None:
    create = router.post("/v1/videos/text2video").respond(200, json=task_answer())
    with pytest.raises(InvalidRequestError, match="timeout: must be a positive number") as caught:
        await run(kling.text2video.create_and_wait(prompt="a fox", timeout=timeout))
    assert create.call_count == 0
    assert caught.value.external_task_id is None  # nothing was sent: no id to look up

"""Safe submission: never bill twice, never lose a task (sync and async, one body each)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from haoee_kling import (
    APIConnectionError,
    APITimeoutError,
    AsyncKling,
    ConcurrencyLimitError,
    FakeClock,
    Kling,
    PolicyError,
    ServerError,
    SubmitProgress,
)
from haoee_kling.plans._submit import decide, may_have_created, never_sent, new_external_task_id
from tests.unit.conftest import list_answer, response_example, run, task_answer

CREATE = "/v1/videos/text2video"
LIST = "/v1/videos/text2video"


def sent_external_ids(route: respx.Route) -> list[str]:
    return [json.loads(call.request.content)["external_task_id"] for call in route.calls]


def created(request: httpx.Request) -> httpx.Response:
    external = json.loads(request.content)["external_task_id"]
    return httpx.Response(200, json=task_answer(task_info={"external_task_id": external}))


def test_generated_external_ids_are_unique_and_prefixed() -> None:
    ids = {new_external_task_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("hk-") and len(i) == 35 for i in ids)


async def test_every_create_carries_an_external_task_id_and_reports_the_task_at_once(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.post(CREATE).mock(side_effect=created)
    seen: list[str] = []
    task = await run(
        kling.text2video.create(prompt="a fox", on_submitted=lambda t: seen.append(t.task_id))
    )
    assert seen == [task.task_id]
    assert sent_external_ids(route)[0].startswith("hk-")
    await run(kling.text2video.create(prompt="a fox", external_task_id="order-7"))
    assert sent_external_ids(route)[1] == "order-7"


async def test_a_timeout_after_sending_is_resolved_by_lookup_without_a_second_post(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.post(CREATE).mock(side_effect=httpx.ReadTimeout("slow"))
    lookup = router.get(LIST, params={"pageNum": "1"}).mock(
        side_effect=lambda request: httpx.Response(
            200,
            json=list_answer(
                task_answer(
                    "processing",
                    task_id="77",
                    task_info={"external_task_id": sent_external_ids(route)[0]},
                )
            ),
        )
    )
    task = await run(kling.text2video.create(prompt="a fox"))
    assert task.task_id == "77"
    assert route.call_count == 1
    assert lookup.call_count == 1
    assert lookup.calls.last.request.url.params["pageSize"] == "500"


async def test_a_lookup_that_proves_absence_leads_to_exactly_one_resubmit(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.post(CREATE).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json=task_answer())]
    )
    router.get(LIST).respond(200, json=list_answer(task_answer("succeed", task_id="other")))
    task = await run(kling.text2video.create(prompt="a fox", external_task_id="order-9"))
    assert task.task_id == task_answer()["data"]["task_id"]
    assert sent_external_ids(route) == ["order-9", "order-9"]
    assert len(clock.sleeps) == 1


async def test_a_connect_error_is_resubmitted_without_a_lookup(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.post(CREATE).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json=task_answer())]
    )
    lookup = router.get(LIST)
    await run(kling.text2video.create(prompt="a fox"))
    assert route.call_count == 2
    assert not lookup.called


async def test_concurrency_limit_waits_and_retries_within_its_budget(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    busy = httpx.Response(429, json=response_example("TooManyRequests", "concurrency"))
    route = router.post(CREATE).mock(
        side_effect=[busy] * 5 + [httpx.Response(200, json=task_answer())]
    )
    await run(kling.text2video.create(prompt="a fox"))
    assert route.call_count == 6
    assert len(clock.sleeps) == 5
    assert clock.sleeps[0] >= 0.75


async def test_concurrency_limit_gives_up_when_the_budget_is_spent(
    flavor: str, raw_router: respx.MockRouter, clock: FakeClock
) -> None:
    busy = httpx.Response(
        429, json=response_example("TooManyRequests", "concurrency"), headers={"Retry-After": "40"}
    )
    raw_router.post(CREATE).mock(return_value=busy)
    cls = Kling if flavor == "sync" else AsyncKling
    client = cls(
        api_key="k-0123456789",
        transport=httpx.MockTransport(raw_router.handler),
        clock=clock,
        concurrency_wait=100.0,
    )
    with pytest.raises(ConcurrencyLimitError) as caught:
        await run(client.text2video.create(prompt="a fox", external_task_id="order-3"))
    assert caught.value.external_task_id == "order-3"
    assert clock.monotonic() <= 100.0


async def test_a_failed_lookup_raises_the_original_error_with_the_external_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.post(CREATE).mock(side_effect=httpx.ReadTimeout("slow"))
    router.get(LIST).mock(side_effect=httpx.ConnectError("down"))
    with pytest.raises(APITimeoutError) as caught:
        await run(kling.text2video.create(prompt="a fox", external_task_id="order-5"))
    assert caught.value.external_task_id == "order-5"
    assert caught.value.maybe_sent
    assert any("order-5" in note for note in caught.value.__notes__)


async def test_a_server_error_on_create_is_looked_up_before_anything_is_resent(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    failure = httpx.Response(500, json=response_example("InternalError", "internal"))
    route = router.post(CREATE).mock(return_value=failure)
    router.get(LIST).respond(200, json=list_answer())
    with pytest.raises(ServerError) as caught:
        await run(kling.text2video.create(prompt="a fox"))
    assert route.call_count == 3  # the first try and max_retries=2 resubmits, each proven absent
    assert caught.value.external_task_id is not None


async def test_a_policy_refusal_is_raised_at_once(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.post(CREATE).respond(400, json=response_example("BadRequest", "content-policy"))
    with pytest.raises(PolicyError):
        await run(kling.text2video.create(prompt="a fox"))
    assert route.call_count == 1


def test_a_rejected_resubmit_after_an_ambiguous_attempt_is_looked_up() -> None:
    from haoee_kling import BadRequestError

    error = BadRequestError("external_task_id already used", status_code=400, code=1201)
    assert decide(error, after_ambiguous=True) == "lookup"
    assert decide(error, after_ambiguous=False) == "raise"


def test_errors_that_are_not_the_servers_are_raised() -> None:
    from haoee_kling import InvalidRequestError

    assert decide(InvalidRequestError([]), after_ambiguous=True) == "raise"


async def test_a_lookup_that_cannot_prove_absence_raises_with_the_external_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.post(CREATE).mock(side_effect=httpx.ReadTimeout("slow"))
    newer = task_answer("processing", task_id="5", created_at=9_999_999_999_999)
    router.get(LIST).respond(200, json=list_answer(*[newer] * 500))
    with pytest.raises(APITimeoutError) as caught:
        await run(kling.text2video.create(prompt="a fox", external_task_id="order-11"))
    assert caught.value.external_task_id == "order-11"
    assert route.call_count == 1


async def test_a_create_answer_without_a_task_id_is_looked_up(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    broken = task_answer()
    del broken["data"]["task_id"]
    raw_router.post(CREATE).mock(
        side_effect=[httpx.Response(200, json=broken), httpx.Response(200, json=task_answer())]
    )
    raw_router.get(LIST).respond(200, json=list_answer())
    task = await run(kling.text2video.create(prompt="a fox"))
    assert task.task_id == task_answer()["data"]["task_id"]


async def test_a_retry_after_beyond_the_cap_is_not_waited_for(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    busy = httpx.Response(
        503, json=response_example("Unavailable", "maintenance"), headers={"Retry-After": "600"}
    )
    route = router.post(CREATE).mock(return_value=busy)
    with pytest.raises(ServerError) as caught:
        await run(kling.text2video.create(prompt="a fox"))
    assert caught.value.retry_after == 600
    assert route.call_count == 1
    assert clock.sleeps == []


def timeout_then_a_list_without_external_ids(router: respx.MockRouter) -> respx.Route:
    """The create times out after sending; the list shows tasks with no `task_info`."""
    silent = task_answer("processing", task_id="5")
    del silent["data"]["task_info"]
    router.get(LIST).respond(200, json=list_answer(silent))
    return router.post(CREATE).mock(side_effect=httpx.ReadTimeout("slow"))


async def test_a_list_without_external_ids_falls_back_on_a_get_by_external_id(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    route = timeout_then_a_list_without_external_ids(raw_router)
    by_external = raw_router.get(f"{CREATE}/order-21").respond(
        200, json=task_answer("processing", task_id="21")
    )
    task = await run(kling.text2video.create(prompt="a fox", external_task_id="order-21"))
    assert task.task_id == "21"
    assert route.call_count == 1
    assert by_external.call_count == 1


async def test_without_external_ids_in_the_list_absence_is_never_assumed(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    route = timeout_then_a_list_without_external_ids(raw_router)
    raw_router.get(f"{CREATE}/order-22").respond(404, json=response_example("NotFound", "task"))
    with pytest.raises(APITimeoutError) as caught:
        await run(kling.text2video.create(prompt="a fox", external_task_id="order-22"))
    assert caught.value.external_task_id == "order-22"
    assert route.call_count == 1


async def test_a_create_held_by_the_concurrency_limit_says_so_before_each_wait(
    kling: Kling | AsyncKling, router: respx.MockRouter, clock: FakeClock
) -> None:
    busy = httpx.Response(429, json=response_example("TooManyRequests", "concurrency"))
    router.post(CREATE).mock(side_effect=[busy, busy, httpx.Response(200, json=task_answer())])
    seen: list[SubmitProgress] = []
    await run(
        kling.text2video.create(prompt="a fox", external_task_id="fox-9", on_progress=seen.append)
    )
    assert [(e.attempt, e.external_task_id, e.kind) for e in seen] == [
        (1, "fox-9", "text2video"),
        (2, "fox-9", "text2video"),
    ]
    assert all("concurrency slot (code 1303)" in e.reason for e in seen)
    assert [e.retry_in for e in seen] == clock.sleeps


def test_only_a_request_that_never_left_counts_as_never_sent() -> None:
    from haoee_kling import InvalidRequestError
    from haoee_kling.check._validation import Problem

    assert never_sent(InvalidRequestError([Problem("prompt", "required", "prompt: required")]))
    assert never_sent(APIConnectionError("could not connect", maybe_sent=False))
    assert not never_sent(APIConnectionError("request failed", maybe_sent=True))
    assert not never_sent(ServerError("boom", status_code=502))


def test_only_a_create_that_may_have_arrived_may_have_made_its_task() -> None:
    from haoee_kling import BadRequestError, InvalidRequestError, UnexpectedResponseError
    from haoee_kling.check._validation import Problem

    invalid = InvalidRequestError([Problem("prompt", "required", "prompt: required")])
    assert not may_have_created(invalid)
    assert not may_have_created(APIConnectionError("could not connect", maybe_sent=False))
    assert not may_have_created(BadRequestError("refused", status_code=400))
    assert may_have_created(APIConnectionError("request failed", maybe_sent=True))
    assert may_have_created(ServerError("boom", status_code=502))
    assert may_have_created(UnexpectedResponseError("garbled", status_code=200))


async def test_a_create_refused_before_sending_names_no_external_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    create = router.post(CREATE).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as caught:
        await run(kling.text2video.create(prompt="a fox"))
    assert create.call_count >= 1
    assert caught.value.external_task_id is None
    assert "external_task_id" not in str(caught.value)

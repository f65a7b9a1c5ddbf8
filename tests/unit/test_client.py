"""The clients: construction, options, headers, every namespace, and sync/async parity."""

from __future__ import annotations

import inspect
import json

import httpx
import pytest
import respx

from haoee_kling import (
    NOT_GIVEN,
    AsyncKling,
    ConfigurationError,
    FakeClock,
    Kling,
    NotFoundError,
    UnexpectedResponseError,
)
from haoee_kling._spec import operations, resolve
from haoee_kling.http._sender import generated_module, kind_operations
from haoee_kling.kinds._kind_plans import namespaces
from tests.unit.conftest import (
    BASE,
    CANARY_KEY,
    example,
    response_example,
    run,
    task_answer,
)

TASK_ID = "842250903629086785"


def test_a_missing_key_fails_at_construction_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HAOEE_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="HAOEE_API_KEY"):
        Kling()
    with pytest.raises(ConfigurationError, match="HAOEE_API_KEY"):
        AsyncKling()


def test_environment_supplies_key_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAOEE_API_KEY", CANARY_KEY)
    monkeypatch.setenv("HAOEE_BASE_URL", "http://127.0.0.1:8765/kling/")
    with Kling() as kling:
        assert kling.config.base_url == "http://127.0.0.1:8765/kling"
        assert kling.config.timeout == 60.0
        # Not set: each wait takes its model's default deadline (900 s when none is known).
        assert kling.config.wait_timeout is NOT_GIVEN
        assert CANARY_KEY not in repr(kling)


@pytest.mark.parametrize("timeout", [None, 0, -1, float("inf"), float("nan")])
def test_the_per_request_timeout_must_be_finite(timeout: object) -> None:
    with pytest.raises(ConfigurationError, match="finite"):
        Kling(api_key=CANARY_KEY, timeout=timeout)  # type: ignore[arg-type]


def test_bad_retry_and_wait_settings_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="max_retries"):
        Kling(api_key=CANARY_KEY, max_retries=-1)
    with pytest.raises(ConfigurationError, match="wait_timeout"):
        Kling(api_key=CANARY_KEY, wait_timeout=0)


async def test_with_options_copies_a_frozen_config_and_shares_the_pool(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    router.get(f"/v1/videos/text2video/{TASK_ID}").respond(200, json=task_answer("succeed"))
    fast = kling.with_options(timeout=5.0, max_retries=0, wait_timeout=None)
    assert (fast.config.timeout, fast.config.retry.max_retries, fast.config.wait_timeout) == (
        5.0,
        0,
        None,
    )
    assert (kling.config.timeout, kling.config.retry.max_retries) == (60.0, 2)
    with pytest.raises(ConfigurationError):
        kling.with_options(timeout=None)  # type: ignore[arg-type]  # refused at run time too
    await run(fast.close())
    assert (await run(kling.text2video.get(TASK_ID))).task_status == "succeed"
    timeout = router.calls.last.request.extensions["timeout"]
    assert timeout["read"] == 60.0
    assert (await run(fast.text2video.get(TASK_ID))).task_id == TASK_ID
    assert router.calls.last.request.extensions["timeout"]["read"] == 5.0


async def test_model_name_header_is_derived_remembered_and_overridable(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    create = router.post("/v1/videos/text2video").respond(200, json=task_answer())
    get = router.get(f"/v1/videos/text2video/{TASK_ID}").respond(200, json=task_answer())
    await run(kling.text2video.create(prompt="a fox", model_name="kling-v2-5-turbo"))
    assert create.calls.last.request.headers["ModelName"] == "kling-video-v2-5-turbo"
    assert create.calls.last.request.headers["Authorization"] == f"Bearer {CANARY_KEY}"
    assert json.loads(create.calls.last.request.content)["model_name"] == "kling-v2-5-turbo"
    await run(kling.text2video.get(TASK_ID))
    assert get.calls.last.request.headers["ModelName"] == "kling-video-v2-5-turbo"
    await run(kling.text2video.get(TASK_ID, model_name_header="kling-video-v2-6"))
    assert get.calls.last.request.headers["ModelName"] == "kling-video-v2-6"
    await run(kling.text2video.get(TASK_ID, model_name_header=None))
    assert "ModelName" not in get.calls.last.request.headers


async def test_the_kling_backend_sends_a_jwt_and_no_model_name(flavor: str) -> None:
    router = respx.MockRouter(base_url="https://api-singapore.klingai.com")
    route = router.get(f"/v1/videos/text2video/{TASK_ID}").respond(200, json=task_answer())
    cls = Kling if flavor == "sync" else AsyncKling
    client = cls(
        backend="kling",
        access_key="ak-0123456789",
        secret_key="sk-" + "9" * 32,
        transport=httpx.MockTransport(router.handler),
        clock=FakeClock(),
    )
    await run(client.text2video.get(TASK_ID))
    headers = route.calls.last.request.headers
    assert headers["Authorization"].startswith("Bearer eyJ")
    assert "ModelName" not in headers
    await run(client.close())


async def test_list_returns_tasks_and_passes_paging(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    route = router.get("/v1/images/editing/expand").respond(200, json=example("TaskListImagesPage"))
    tasks = await run(kling.image_expand.list(page_num=2, page_size=50))
    assert tasks
    assert all(t.task_id for t in tasks)
    assert dict(route.calls.last.request.url.params) == {"pageNum": "2", "pageSize": "50"}


async def test_errors_expose_the_request_id(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    body = response_example("NotFound", "task")
    router.get(f"/v1/videos/text2video/{TASK_ID}").respond(404, json=body)
    with pytest.raises(NotFoundError) as caught:
        await run(kling.text2video.get(TASK_ID))
    assert caught.value.request_id == body["request_id"]
    assert body["request_id"] in str(caught.value)


async def test_identify_face_and_element_extras(
    kling: Kling | AsyncKling, router: respx.MockRouter
) -> None:
    face = operations()["identifyFace"].raw["responses"]["200"]["content"]["application/json"]
    router.post("/v1/videos/identify-face").respond(200, json=face["examples"]["one-face"]["value"])
    router.get("/v1/general/custom-elements").respond(200, json=example("CustomElementPage"))
    router.get("/v1/general/presets-elements").respond(200, json=example("PresetElementPage"))
    router.get("/v1/general/advanced-presets-elements").respond(
        200, json=example("TaskListElementsPage")
    )
    router.post("/v1/general/custom-elements").respond(200, json=example("CustomElementCreated"))
    result = await run(kling.identify_face.create(video_id="842250903629086790"))
    assert result.session_id
    assert await run(kling.elements.list_legacy())
    assert await run(kling.elements.list_presets())
    assert await run(kling.elements.list_advanced_presets())
    created = await run(
        kling.elements.create_legacy(
            element_name="Robot",
            element_description="A tin robot",
            element_frontal_image="https://cdn.example.org/f.png",
            element_refer_list=[{"image_url": "https://cdn.example.org/s.png"}],
        )
    )
    assert created.element_id


def test_every_task_kind_of_the_spec_has_a_namespace_with_create_get_list() -> None:
    kinds = kind_operations()
    assert set(namespaces().values()) == set(kinds)
    assert len(kinds) == 19  # 13 haoee lists, 6 official-only (x-haoee-listed: false)
    assert namespaces()["elements"] == "advanced_custom_element"
    for kind, ops in kinds.items():
        assert set(ops) == {"create", "get", "list"}, kind
        for op_id in ops.values():
            assert hasattr(generated_module(op_id), "asyncio_detailed")
    for cls in (Kling, AsyncKling):
        assert set(inspect.get_annotations(cls)) == {*namespaces(), *OTHER_SPACES, "webhooks"}
    with Kling(api_key=CANARY_KEY) as kling:
        for attribute in [*namespaces(), *OTHER_SPACES]:
            assert hasattr(kling, attribute)


# The namespaces besides the task kinds' (webhooks aside: one object for both clients).
OTHER_SPACES = ("tasks", "identify_face", "tts", "image_recognize", "account", "models", "batch")


def test_every_instant_operation_of_the_spec_has_a_namespace_with_a_typed_create() -> None:
    """Each `x-kling-instant` operation is `kling.<namespace>.create` on both clients, with the
    create's fields as typed keywords and its answer's model as the return type."""
    from haoee_kling.kinds._instant import INSTANT

    marked = {
        op.raw["x-kling-instant"]: op.operation_id
        for op in operations().values()
        if "." not in op.raw.get("x-kling-instant", ".")  # `<kind>.<method>`: the test below
    }
    assert marked == {plans.namespace: plans.operation_id for plans in INSTANT.values()}
    assert set(marked) == {"identify_face", "tts", "image_recognize"}
    sync, asyn = Kling(api_key=CANARY_KEY), AsyncKling(api_key=CANARY_KEY)
    for name, plans in INSTANT.items():
        for client in (sync, asyn):
            signature = inspect.signature(getattr(client, name).create)
            assert signature.return_annotation.strip("'") == plans.schema, name
            assert "Unpack[" in str(signature.parameters["fields"]), name
        assert inspect.iscoroutinefunction(getattr(asyn, name).create)
    sync.close()


def test_every_instant_method_of_a_kind_is_on_that_kinds_namespace_typed_from_the_spec() -> None:
    """`x-kling-instant: <kind>.<method>` (the custom-voice delete) adds that method to the
    kind's namespace on both clients: the body's required fields as its parameters, the model
    of the answer's `data` as its return type."""
    marked = {
        op.raw["x-kling-instant"]: op
        for op in operations().values()
        if "." in op.raw.get("x-kling-instant", "")
    }
    assert set(marked) == {"custom_voice.delete"}
    sync, asyn = Kling(api_key=CANARY_KEY), AsyncKling(api_key=CANARY_KEY)
    for name, op in marked.items():
        kind, method = name.split(".")
        attribute = next(a for a, k in namespaces().items() if k == kind)
        body = resolve(op.body_schema or {})
        data = op.raw["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        answer = resolve({"$ref": data})["properties"]["data"]["$ref"].rsplit("/", 1)[-1]
        for client in (sync, asyn):
            call = getattr(getattr(client, attribute), method)
            signature = inspect.signature(call)
            given = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
            assert [p.name for p in given] == list(body["required"]), name
            assert signature.return_annotation.strip("'") == answer, name
        assert inspect.iscoroutinefunction(getattr(getattr(asyn, attribute), method))
    sync.close()


def public_methods(obj: object) -> dict[str, inspect.Signature]:
    """Name -> parameters (return types differ: `Task` vs a coroutine of `Task`)."""
    return {
        name: inspect.signature(getattr(obj, name)).replace(
            return_annotation=inspect.Signature.empty
        )
        for name in dir(obj)
        if not name.startswith("_") and callable(getattr(obj, name))
    }


def test_sync_and_async_clients_have_the_same_names_and_signatures() -> None:
    sync, asyn = Kling(api_key=CANARY_KEY), AsyncKling(api_key=CANARY_KEY)
    assert public_methods(sync).keys() == public_methods(asyn).keys()
    for attribute in [*namespaces(), *OTHER_SPACES]:
        assert public_methods(getattr(sync, attribute)) == public_methods(
            getattr(asyn, attribute)
        ), attribute
    for name in ("create", "get", "list", "wait", "create_and_wait"):
        assert inspect.iscoroutinefunction(getattr(asyn.text2video, name))
    sync.close()


async def test_clients_close_their_own_pool_but_not_a_given_one() -> None:
    given = httpx.AsyncClient()
    async with AsyncKling(api_key=CANARY_KEY, http_client=given) as kling:
        assert kling.config.base_url == BASE
    assert not given.is_closed
    await given.aclose()
    async with AsyncKling(api_key=CANARY_KEY) as owned:
        pool = owned._http
    assert pool.is_closed


async def test_a_client_wide_model_name_header_wins_and_memory_is_bounded(
    flavor: str, router: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haoee_kling import _client_state

    monkeypatch.setattr(_client_state, "_MEMORY", 4)
    create = router.post("/v1/videos/text2video").respond(200, json=task_answer())
    cls = Kling if flavor == "sync" else AsyncKling
    client = cls(
        api_key=CANARY_KEY,
        transport=httpx.MockTransport(router.handler),
        model_name_header="my-sku",
    )
    for _ in range(3):
        await run(client.text2video.create(prompt="a fox"))
    assert create.calls.last.request.headers["ModelName"] == "my-sku"
    assert len(client._core.memory) <= 4
    await run(client.close())


async def test_a_task_missing_required_fields_is_an_unexpected_response(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    raw_router.get(f"/v1/videos/text2video/{TASK_ID}").respond(
        200, json={"code": 0, "message": "SUCCEED", "request_id": "r-9", "data": {"x": 1}}
    )
    with pytest.raises(UnexpectedResponseError) as caught:
        await run(kling.text2video.get(TASK_ID))
    assert caught.value.request_id == "r-9"

"""The fake's callbacks match the spec's `webhooks.task-callback`: body, headers and answers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from haoee_kling import CallbackReceiver, Webhooks
from haoee_kling._spec import load_spec
from haoee_kling.testing import FAIL_MARKER, FAKE_WEBHOOK_SECRET, FakeGateway

SPEC = load_spec()
POST = SPEC["webhooks"]["task-callback"]["post"]


def validator(pointer: str) -> jsonschema.Draft202012Validator:
    """A validator for the schema at a JSON pointer of the spec, its `$ref`s resolving there."""
    return jsonschema.Draft202012Validator({**SPEC, "$ref": pointer})


def schema_of(node: dict[str, Any]) -> dict[str, Any]:
    """A request body's or response's JSON schema, as a `$ref` into components if it is one."""
    schema: dict[str, Any] = node["content"]["application/json"]["schema"]
    return schema


def header_schemas() -> dict[str, dict[str, Any]]:
    found = {}
    for ref in POST["parameters"]:
        name = ref["$ref"].rsplit("/", 1)[1]
        param = SPEC["components"]["parameters"][name]
        assert param["in"] == "header"
        found[param["name"]] = param["schema"]
    return found


def callbacks_of(gateway: FakeGateway, *prompts: str) -> list[httpx.Request]:
    """Every callback the fake posts for tasks created with these prompts, run to the end."""
    received: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200, json={"received": True})

    gateway.callbacks.transport = httpx.MockTransport(answer)
    with gateway.test_client() as client:
        for prompt in prompts:
            created = client.post(
                "/v1/videos/text2video",
                json={"prompt": prompt, "callback_url": "http://127.0.0.1:9/cb"},
            )
            assert created.status_code == 200, created.text
            gateway.finish(created.json()["data"]["task_id"])
    return received


def test_every_callback_body_and_header_fits_the_spec() -> None:
    body_schema = validator(schema_of(POST["requestBody"])["$ref"])
    headers = header_schemas()
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    requests = callbacks_of(FakeGateway(), "a fox", f"a fox {FAIL_MARKER}")
    statuses = []
    for request in requests:
        body = json.loads(request.content)
        body_schema.validate(body)
        statuses.append(body["task_status"])
        for name, schema in headers.items():
            jsonschema.Draft202012Validator(schema).validate(request.headers[name])
        Webhooks(FAKE_WEBHOOK_SECRET).verify(request.content, request.headers)
    assert sorted(statuses) == sorted(
        ["submitted", "processing", "succeed", "submitted", "processing", "failed"]
    )


def test_the_query_required_status_is_in_every_callback() -> None:
    required = SPEC["components"]["schemas"]["Task"]["x-kling-query-required"]
    for request in callbacks_of(FakeGateway(), "a fox"):
        assert set(required) <= set(json.loads(request.content))


def test_the_spec_examples_of_the_callback_fit_its_schema() -> None:
    body_schema = validator(schema_of(POST["requestBody"])["$ref"])
    examples = POST["requestBody"]["content"]["application/json"]["examples"]
    assert examples
    for example in examples.values():
        body_schema.validate(example["value"])


@pytest.mark.parametrize("case", ["ok", "duplicate", "bad-signature", "not-a-task"])
def test_the_receivers_answers_fit_the_documented_responses(case: str) -> None:
    receiver = CallbackReceiver(FAKE_WEBHOOK_SECRET)
    [first, *_] = callbacks_of(FakeGateway(), "a fox")
    content, headers = first.content, dict(first.headers)
    if case == "bad-signature":
        content = content.replace(b"submitted", b"succeed")
    if case == "not-a-task":
        content = b"[]"
        headers = {**headers, **_signed(content)}
    transport = httpx.ASGITransport(app=receiver)

    async def send() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=transport, base_url="http://r.test") as client:
            answers = [await client.post("/cb", content=content, headers=headers)]
            if case == "duplicate":
                answers.append(await client.post("/cb", content=content, headers=headers))
            return answers

    import asyncio

    answer = asyncio.run(send())[-1]
    expected = {"ok": 200, "duplicate": 200, "bad-signature": 401, "not-a-task": 400}[case]
    assert answer.status_code == expected
    response = POST["responses"][str(expected)]
    validator(schema_of(response)["$ref"]).validate(answer.json())


def _signed(content: bytes) -> dict[str, str]:
    import time
    from datetime import UTC, datetime

    from standardwebhooks.webhooks import Webhook

    stamp = datetime.fromtimestamp(int(time.time()), tz=UTC)
    return {
        "webhook-id": "msg_not_a_task",
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": Webhook(FAKE_WEBHOOK_SECRET).sign(
            "msg_not_a_task", stamp, content.decode()
        ),
    }

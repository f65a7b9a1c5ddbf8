"""Schemathesis proves the fake gateway obeys the spec, in-process and deterministically.

Every operation goes through the examples, coverage and fuzzing phases (one pytest item per
operation), then the stateful phase follows the spec's create -> get links. All default checks
run, plus `envelope_matches_status`: `code == 0` exactly on 2xx and a `request_id` in every body.
No fault is injected here, so `not_a_server_error` also proves the fake never answers 5xx on its
own.

One kind of failure is dropped, by `spec_rules_schemathesis_cannot_see`: schemathesis builds
"valid" bodies from JSON Schema alone, but the spec also states cross-field rules in
`x-kling-rules` (e.g. image2video needs `image` or `image_tail`; the expand area is at most 3x),
and in `x-kling-models` (what each model can do: `kling-v1 takes duration 5 or 10`), which the
fake enforces as Kling does (400, code 1201), and in `x-kling-when-given` (a callback URL is an
http(s) URI unless it is "", which Kling takes as "none"). A `positive_data_acceptance` failure is
dropped only when the request passes JSON Schema and breaks one of those rules, or repeats an
`external_task_id` (unique per account, a state rule no schema can say), or carries the
fake's own `[fake:reject]` test marker (Hypothesis draws string constants from the code under
test, so it can send the marker, which refuses a create with code 1301 by design). For an
operation without a body (the account's costs) the rules apply to the query.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis import Case
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.openapi.checks import RejectedPositiveData

from haoee_kling._spec import load_spec, operation
from haoee_kling.check._validation import WHEN_GIVEN, validate_body, validate_parameters
from haoee_kling.testing import DEMO_KEY, FakeGateway
from haoee_kling.testing._handlers import REJECT_MARKER
from tests.contract.in_thread import in_thread_session
from tests.hypothesis_profiles import examples

GATEWAY = FakeGateway()
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", GATEWAY.app)
# One session for every case, answered in the test's thread (tests/contract/in_thread.py):
# schemathesis otherwise builds one per request, reads the environment for proxies each time,
# and runs the app in a thread of its own.
SESSION = in_thread_session(GATEWAY.app)
# Fixed volume, no example database, no randomness: every run sends the same requests.
SCHEMA.config.generation.update(max_examples=examples(50), database="none", deterministic=True)
# Stateful chains follow the spec's explicit create -> get links only. Inferred links would pair
# operations by response shape (every create answers a TaskEnvelope), e.g. a text-to-audio create
# with the image-to-video get: task ids are per kind in Kling, so such chains test nothing.
SCHEMA.config.phases.stateful.inference.algorithms = []

SETTINGS = hypothesis.settings(
    deadline=None,
    derandomize=True,
    database=None,
    # Bodies of 2,500-character prompts and base64 fields are large by design.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SCHEMA.auth()
class DemoKey:
    """The fake's demo key, as a bearer token (`ignored_auth` then probes without it)."""

    def get(self, case: Case[Any], ctx: Any) -> str:
        return DEMO_KEY

    def set(self, case: Case[Any], data: str, ctx: Any) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


# What each model can do, and limits that hold only for a text field that is not "" (decision
# 39): both are spec extensions the fake enforces and JSON Schema generation cannot see.
SPEC_ONLY_KEYWORDS = ("x-kling-models.", f"{WHEN_GIVEN}.")


@functools.cache
def rule_ids() -> frozenset[str]:
    """The id of every `x-kling-rules` entry anywhere in the spec."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for rule in node.get("x-kling-rules", ()):
                yield rule["id"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    return frozenset(walk(load_spec()))


@SCHEMA.hook("filter_failure")
def spec_rules_schemathesis_cannot_see(
    context: Any, failure: Failure, case: Case[Any], response: Response
) -> bool:
    """Keep every failure except a positive case refused for an x-kling-rule or for what its
    model cannot do (`x-kling-models`; module docstring)."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    message = str(response.json().get("message", ""))
    if response.json().get("code") == 1201 and "already exists" in message:
        return False
    if response.json().get("code") == 1301 and REJECT_MARKER in repr(case.body):
        return False
    operation_id = case.operation.definition.raw["operationId"]
    if operation(operation_id).body_schema is None:
        # A GET's rules (the account's period: end not before start) apply to its query.
        query = {name: str(value) for name, value in (case.query or {}).items()}
        problems = validate_parameters(operation_id, {"query": query})
    else:
        problems = validate_body(operation_id, case.body)
    return not problems or not all(
        problem.rule in rule_ids() or problem.rule.startswith(SPEC_ONLY_KEYWORDS)
        for problem in problems
    )


def envelope_matches_status(ctx: Any, response: Response, case: Case[Any]) -> None:
    """Kling's envelope: `code` 0 exactly on 2xx, and a `request_id` in every answer."""
    body = response.json()
    assert isinstance(body, dict), f"the body is not a JSON object: {body!r}"
    success = 200 <= response.status_code < 300
    assert (body.get("code") == 0) == success, (
        f"HTTP {response.status_code} with code {body.get('code')!r}"
    )
    request_id = body.get("request_id")
    assert isinstance(request_id, str), "no request_id in the body"
    assert request_id, "an empty request_id"


# Thousands of generated requests run the fake's same request path again and again: tracing each
# doubled these tests' CPU time. The fake's code is measured by tests/e2e (test_fake_*.py).
UNMEASURED = pytest.mark.unmeasured("tests/e2e/test_fake_*.py measure the fake's code")


@UNMEASURED
@SCHEMA.parametrize()
@SETTINGS
def test_operation_obeys_the_spec(case: Case[Any]) -> None:
    """Examples, coverage and fuzzing phases; every case starts from an empty gateway."""
    GATEWAY.reset()
    case.call_and_validate(session=SESSION, additional_checks=[envelope_matches_status])


class Workflow(SCHEMA.as_state_machine()):  # type: ignore[misc]
    """The stateful phase: chains of create -> get through the spec's links."""

    def setup(self) -> None:
        GATEWAY.reset()

    def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
        return {"session": SESSION}

    def validate_response(self, response: Response, case: Case[Any], **kwargs: Any) -> None:
        kwargs["additional_checks"] = [
            *kwargs.get("additional_checks", ()),
            envelope_matches_status,
        ]
        super().validate_response(response, case, **kwargs)


TestStatefulWorkflow = UNMEASURED(pytest.mark.slow(Workflow.TestCase))
TestStatefulWorkflow.settings = hypothesis.settings(
    SETTINGS, max_examples=examples(100), stateful_step_count=6
)


def test_a_voice_delete_that_finds_its_voice_obeys_the_spec() -> None:
    """Generated cases can only name voices that do not exist (404, checked above); this one
    deletes a voice the fake made, so the 200 answer is validated against the spec too, then
    repeats the delete, which the fake answers 404 1203 (the voice is gone)."""
    GATEWAY.reset()
    with GATEWAY.test_client() as client:
        made = client.post(
            "/v1/general/custom-voices",
            json={"voice_name": "Anna", "voice_url": "https://cdn.example.org/anna.mp3"},
        ).json()["data"]
        GATEWAY.finish(made["task_id"])
        task = client.get(f"/v1/general/custom-voices/{made['task_id']}").json()["data"]
    voice_id = task["task_result"]["voices"][0]["voice_id"]
    delete = SCHEMA["/v1/general/delete-voices"]["POST"]
    headers = GATEWAY.client_headers()
    first = delete.Case(body={"voice_id": voice_id}, headers=headers)
    answer = first.call_and_validate(additional_checks=[envelope_matches_status])
    assert (answer.status_code, answer.json()["data"]["task_status"]) == (200, "succeed")
    again = delete.Case(body={"voice_id": voice_id}, headers=headers)
    repeated = again.call_and_validate(additional_checks=[envelope_matches_status])
    assert (repeated.status_code, repeated.json()["code"]) == (404, 1203)

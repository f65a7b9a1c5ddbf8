"""How a conformance run judges answers and says drift as spec changes (no network: answers come
from an httpx MockTransport or are handed to the judge directly)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from haoee_kling._errors import APIConnectionError, AuthenticationError
from haoee_kling._logging import Secret
from haoee_kling._spec import load_spec
from haoee_kling.conformance import Judge
from haoee_kling.conformance._drift import json_path, overlay_document, suggest
from haoee_kling.conformance._plan import UNKNOWN_TASK_ID, free_probes
from haoee_kling.conformance._report import write_junit, write_overlay
from haoee_kling.conformance._run import Runner
from haoee_kling.http._auth import BearerAuth

SPEC = load_spec()
GET_TASK = SPEC["paths"]["/v1/videos/text2video/{task_id}"]["get"]
WHERE = ("/v1/videos/text2video/{task_id}", "get")
TASK = {"task_id": "1", "task_status": "succeed", "created_at": 1, "updated_at": 2}


def _judge(body: Any, status: int = 200, media: str = "application/json") -> list[Any]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Judge(SPEC).answer(GET_TASK, WHERE, status, media, content)


def _envelope(task: dict[str, Any]) -> dict[str, Any]:
    return {"code": 0, "message": "SUCCEED", "request_id": "r", "data": task}


def test_an_answer_as_the_spec_says_has_no_difference() -> None:
    assert _judge(_envelope(TASK)) == []


def test_an_undocumented_status_names_the_documented_ones() -> None:
    (found,) = _judge(b"<html>bad gateway</html>", status=502, media="text/html")
    assert (found.json_path, found.held) == ("$", "HTTP 502 (text/html)")
    assert "200, 400, 401" in found.rule
    assert found.spec_location == "#/paths/~1v1~1videos~1text2video~1{task_id}/get/responses"


def test_html_where_json_is_documented_is_named() -> None:
    (found,) = _judge(b"<html>oops</html>", media="text/html")
    assert (found.held, found.rule) == ("'text/html'", "media type application/json")


def test_a_body_that_is_not_json_is_named() -> None:
    (found,) = _judge(b'{"code": 0, "da')
    assert found.rule == "a JSON body"
    assert suggest(found, Judge(SPEC)) is None


def test_a_new_status_is_drift_with_an_enum_change_for_each_list() -> None:
    judge = Judge(SPEC)
    (found,) = judge.answer(
        GET_TASK, WHERE, 200, "application/json",
        json.dumps(_envelope(TASK | {"task_status": "queued"})).encode(),
    )  # fmt: skip
    assert (found.json_path, found.held) == ("$.data.task_status", "'queued'")
    assert found.rule.startswith("enum: one of 'submitted'")
    assert found.spec_location == "#/components/schemas/TaskStatus"
    change = suggest(found, judge)
    assert change is not None
    assert change.summary == "add 'queued' to the enum at #/components/schemas/TaskStatus"
    assert [(e.target, e.update) for e in change.edits] == [
        ("$.components.schemas.TaskStatus.enum", ["queued"]),
        ("$.components.schemas.TaskStatus['x-enum-varnames']", ["QUEUED"]),
    ]


def test_a_new_field_is_drift_declared_where_the_object_is() -> None:
    judge = Judge(SPEC)
    body = json.dumps(_envelope(TASK | {"priority": 3})).encode()
    (found,) = judge.answer(GET_TASK, WHERE, 200, "application/json", body)
    assert (found.json_path, found.rule) == ("$.data.priority", "no such field")
    change = suggest(found, judge)
    assert change is not None
    (edit,) = change.edits
    assert edit.target == "$.components.schemas.Task.properties"
    assert edit.update["priority"]["type"] == "integer"


def test_a_widened_type_keeps_the_old_one() -> None:
    judge = Judge(SPEC)
    body = json.dumps(_envelope(TASK | {"task_id": 7})).encode()
    (found,) = judge.answer(GET_TASK, WHERE, 200, "application/json", body)
    change = suggest(found, judge)
    assert change is not None
    assert change.edits[0].update == {"type": ["string", "integer"]}


def test_a_required_field_left_out_is_made_optional_by_a_remove() -> None:
    judge = Judge(SPEC)
    body = json.dumps(_envelope({"task_status": "succeed"})).encode()
    (found,) = judge.answer(GET_TASK, WHERE, 200, "application/json", body)
    assert (found.keyword, found.value) == ("required", "task_id")
    change = suggest(found, judge)
    assert change is not None
    (edit,) = change.edits
    assert edit.remove
    assert edit.target == "$.components.schemas.Task.required[?@ == 'task_id']"


def test_json_paths_quote_names_that_are_not_identifiers() -> None:
    assert json_path(["paths", "/v1/x", "get", "responses", "200", 0]) == (
        "$.paths['/v1/x'].get.responses['200'][0]"
    )
    assert json_path(["a", "it's"]) == "$.a['it\\'s']"


def test_the_overlay_has_one_action_per_distinct_change() -> None:
    judge = Judge(SPEC)
    body = json.dumps(_envelope(TASK | {"task_status": "queued"})).encode()
    (found,) = judge.answer(GET_TASK, WHERE, 200, "application/json", body)
    change = suggest(found, judge)
    assert change is not None
    doc = overlay_document([(change, "a"), (change, "b")], source="x", spec_version="2")
    assert doc["overlay"] == "1.0.0"
    assert len(doc["actions"]) == 2
    assert all(action["description"].endswith("(a)") for action in doc["actions"])


def test_no_probe_creates_a_task() -> None:
    probes = list(free_probes(SPEC, now_ms=0))
    posts = [p for p in probes if p.operation.method != "GET"]
    assert [(p.name, p.body) for p in posts] == [("body not JSON", b"{not json")]
    assert any(p.path.endswith(UNKNOWN_TASK_ID) for p in probes)


def _run(answer: Any) -> Any:
    """A run (no fuzzing) against a MockTransport answering through ``answer(request)``."""
    with httpx.Client(base_url="http://gw.test/kling", transport=httpx.MockTransport(answer)) as c:
        return Runner(c, SPEC, BearerAuth(Secret("k"))).run(examples=0)


def _kling(status: int, data: Any, code: int = 0) -> httpx.Response:
    body = {"code": code, "message": "m", "request_id": "r"}
    return httpx.Response(status, json=body if code else body | {"data": data})


def _gateway(request: httpx.Request, *, official: str = "served") -> httpx.Response:
    """Answers as the spec says; official-only paths per ``official``."""
    path, method = request.url.path, request.method
    if request.headers.get("authorization") != "Bearer k":
        return _kling(401, None, 1002)
    if official == "404" and any(p in path for p in ("/omni-image", "/generations")):
        return _kling(404, None, 1203)
    if method == "POST" or request.url.params.get("pageSize") == "0":
        return _kling(400, None, 1201)
    if path.endswith(UNKNOWN_TASK_ID):
        return _kling(404, None, 1203)
    if path.endswith("/account/costs"):
        return _kling(200, {"code": 0, "msg": "ok", "resource_pack_subscribe_infos": []})
    return _kling(200, [])


def test_a_gateway_as_the_spec_says_conforms() -> None:
    report = _run(_gateway)
    assert report.ok
    assert {r.outcome for r in report.results} == {"conforms"}


def test_official_only_operations_not_served_are_reported_not_failed() -> None:
    report = _run(lambda request: _gateway(request, official="404"))
    served = {r.operation: r.outcome for r in report.results}
    assert served["listOmniImage"] == "not served"
    assert report.ok


def test_a_documented_refusal_of_a_listed_operation_fails() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/image2video") and request.url.params.get("pageSize"):
            return _kling(429, None, 1302)
        return _gateway(request)

    report = _run(refuse)
    outcomes = {r.operation: r.outcome for r in report.results if r.name == "list"}
    assert outcomes["listImage2Video"] == "refused"
    assert not report.ok


def test_a_refused_key_stops_the_run_with_the_clients_error() -> None:
    with pytest.raises(AuthenticationError):
        _run(lambda request: _kling(401, None, 1002))


def test_an_unreachable_gateway_stops_the_run_saying_nothing_was_sent() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(APIConnectionError) as raised:
        _run(refuse)
    assert raised.value.maybe_sent is False


def test_a_success_where_an_error_is_documented_differs() -> None:
    def finds_everything(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(UNKNOWN_TASK_ID):
            return _kling(200, TASK)
        return _gateway(request)

    report = _run(finds_everything)
    unknown = [r for r in report.results if r.name == "unknown task id"]
    assert {r.outcome for r in unknown} == {"differs"}
    assert "HTTP 404 for unknown task id" in unknown[0].differences[0].rule


def test_a_difference_deep_in_a_result_is_named_where_it_is() -> None:
    video = {"id": "v", "url": 5, "duration": "5"}
    (found,) = _judge(_envelope(TASK | {"task_result": {"videos": [video]}}))
    assert found.json_path == "$.data.task_result.videos[0].url"
    assert found.spec_location == "#/components/schemas/VideoResult/properties/url"


def test_junit_skips_not_served_and_names_each_failure(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/v1/videos/image2video"):
            return httpx.Response(502, text="<html>bad gateway</html>")
        return _gateway(request, official="404")

    report = _run(answer)
    junit = tmp_path / "report.xml"
    write_junit(report, junit)
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(report.results))
    skipped = [c for c in suite.iter("testcase") if c.find("skipped") is not None]
    assert {c.get("classname") for c in skipped} >= {"listOmniImage", "listImageGeneration"}
    (failed,) = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    failure = failed.find("failure")
    assert failure is not None
    assert failed.get("classname") == "listImage2Video"
    assert failure.get("message", "").startswith("listImage2Video differs: $: held HTTP 502")


def test_without_drift_the_suggestion_file_says_so(tmp_path: Path) -> None:
    target = tmp_path / "changes.yaml"
    assert write_overlay(_run(_gateway), target) == 0
    assert target.read_text().startswith("# kling conformance: no spec change to suggest")


def test_a_get_answer_without_a_status_differs_and_no_change_excuses_it() -> None:
    judge = Judge(SPEC)
    body = json.dumps(_envelope({"task_id": "1"})).encode()
    (found,) = judge.answer(GET_TASK, WHERE, 200, "application/json", body)
    assert (found.json_path, found.held) == ("$.data", "no 'task_status'")
    assert found.rule == "x-kling-query-required: task_status (in a get or list answer)"
    assert suggest(found, judge) is None

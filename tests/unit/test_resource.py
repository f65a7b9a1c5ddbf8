"""The one seam to generated code: a public table and builders, and nobody else's client touched."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import httpx

from haoee_kling import Kling
from haoee_kling._spec import operations
from haoee_kling.http._sender import generated_module
from tests.unit.conftest import BASE, CANARY_KEY, task_answer

OVERLAY = Path(__file__).resolve().parents[2] / "overlay" / "haoee_kling"


def test_every_operation_of_the_spec_is_in_the_generated_table() -> None:
    from haoee_kling_api.api import OPERATIONS

    assert set(OPERATIONS) == set(operations())
    for operation_id, op in operations().items():
        module = generated_module(operation_id)
        assert callable(module.build_request)
        assert (module.BODY is None) == (op.body_schema is None), operation_id


def test_the_overlay_reaches_no_private_generated_name_and_inspects_nothing() -> None:
    # No scan of the generated package for its modules (the operation table names them); the
    # packaged spec is read with pkgutil.get_data, which scans nothing.
    forbidden = re.compile(
        r"_get_kwargs|pkgutil\.(iter_modules|walk_packages)|inspect\.signature|get_type_hints"
    )
    found = [
        f"{path.relative_to(OVERLAY)}:{n}"
        for path in sorted(OVERLAY.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if forbidden.search(line)
    ]
    assert found == []


def test_a_callers_http_client_is_used_as_it_is() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=task_answer("processing"))

    mine = httpx.Client(
        base_url="https://elsewhere.example.org", transport=httpx.MockTransport(answer)
    )
    with Kling(api_key=CANARY_KEY, http_client=mine) as kling:
        kling.text2video.get("842250903629086785")
    assert mine.base_url == httpx.URL("https://elsewhere.example.org")
    assert mine.auth is None  # the key travels with each request, not on the caller's client
    assert str(seen[0].url) == f"{BASE}/v1/videos/text2video/842250903629086785"
    assert seen[0].headers["Authorization"] == f"Bearer {CANARY_KEY}"
    assert not mine.is_closed  # the caller's to close
    mine.close()


def test_one_call_loads_only_the_models_it_needs() -> None:
    script = (
        "import sys, httpx\n"
        "from haoee_kling import Kling\n"
        "answer = {'code': 0, 'data': {'task_id': '1', 'task_status': 'succeed'}}\n"
        "transport = httpx.MockTransport(lambda r: httpx.Response(200, json=answer))\n"
        "with Kling(api_key='hk-resource-key', transport=transport) as kling:\n"
        "    kling.text2video.get('1')\n"
        "print(sorted(m for m in sys.modules if m.startswith('haoee_kling_api.models.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = ast.literal_eval(result.stdout)
    assert "haoee_kling_api.models.task" in loaded
    assert len(loaded) <= 12, loaded  # the task's own models, not all ~85

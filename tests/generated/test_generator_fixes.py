"""The custom templates in openapi/templates/ fix known openapi-python-client 0.29.1 problems.

Each test fails on output generated with the upstream templates (the reasons are the "why"
comments at the top of each template): unknown enum values raising ValueError, non-IANA status
codes and non-JSON error pages crashing _build_response, no default timeout, with_* mutating the
original client. The VALUE_n tests fail when the spec loses its x-enum-varnames.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import haoee_kling_api.api
import haoee_kling_api.models
from haoee_kling_api import client as client_module
from haoee_kling_api import errors
from haoee_kling_api.client import AuthenticatedClient, Client
from tests import openapi_doc

ROOT = Path(__file__).resolve().parents[2]
SPEC: Any = openapi_doc.load()
BASE_URL = "https://gateway.test/kling"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
KNOWN_STATUSES = {"submitted", "processing", "succeed", "failed"}


def enum_classes() -> list[type[enum.Enum]]:
    """Every enum class the generator wrote into haoee_kling_api.models."""
    found: dict[str, type[enum.Enum]] = {}
    for info in pkgutil.iter_modules(haoee_kling_api.models.__path__):
        module = importlib.import_module(f"haoee_kling_api.models.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__ == module.__name__
            ):
                found[value.__qualname__] = value
    return [found[name] for name in sorted(found)]


def task_status_enums() -> list[type[enum.Enum]]:
    return [c for c in enum_classes() if {m.value for m in c} >= KNOWN_STATUSES]


def task_read_operation() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(path, operation, example) of the first GET whose 200 example is a single task."""
    for path, method, operation in openapi_doc.operations(SPEC):
        if method != "get":
            continue
        for example in openapi_doc.json_examples(SPEC, operation, "200"):
            data = example.get("data") if isinstance(example, dict) else None
            if isinstance(data, dict) and "task_status" in data:
                return path, operation, example
    raise AssertionError("the spec has no GET operation with a single-task 200 example")


def endpoint_module(method: str, path: str) -> ModuleType:
    """The generated endpoint module whose request is ``method path``."""
    needle = f'"method": "{method}",\n        "url": "{path}"'
    for info in pkgutil.walk_packages(haoee_kling_api.api.__path__, "haoee_kling_api.api."):
        module = importlib.import_module(info.name)
        if not info.ispkg and needle in inspect.getsource(module):
            return module
    raise AssertionError(f"no generated endpoint module for {method.upper()} {path}")


def task_read_endpoint() -> tuple[ModuleType, dict[str, Any], dict[str, Any]]:
    path, operation, example = task_read_operation()
    return endpoint_module("get", path), operation, example


def call_detailed(module: ModuleType, transport: httpx.MockTransport, **client_args: Any) -> Any:
    """Call module.sync_detailed with placeholder strings for every required argument."""
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(module.sync_detailed).parameters.items():
        if name == "client" or parameter.default is not inspect.Parameter.empty:
            continue
        assert parameter.annotation in ("str", str), f"cannot fill {name}: {parameter.annotation}"
        kwargs[name] = "abc123"
    client = AuthenticatedClient(
        base_url=BASE_URL, token="test-key", httpx_args={"transport": transport}, **client_args
    )
    return module.sync_detailed(client=client, **kwargs)


# (a) Forward compatibility: unknown enum values pass through.


def test_the_spec_has_a_task_status_enum() -> None:
    assert task_status_enums(), "no generated enum carries submitted/processing/succeed/failed"


@pytest.mark.parametrize("cls", enum_classes(), ids=lambda c: c.__name__)
def test_unknown_enum_value_passes_through(cls: type[enum.Enum]) -> None:
    known = next(iter(cls))
    unknown: Any = 987654 if isinstance(known.value, int) else "queued-new-in-2027"
    member = cls(unknown)
    assert isinstance(member, cls)
    assert member.value == unknown
    assert str(member) == str(unknown)
    assert member not in list(cls)
    for known_member in cls:
        assert cls(known_member.value) is known_member


def test_new_task_status_parses_in_a_task_response() -> None:
    module, _, example = task_read_endpoint()
    body = json.loads(json.dumps(example))
    body["data"]["task_status"] = "queued"
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))

    response = call_detailed(module, transport)

    assert response.status_code == HTTPStatus.OK
    status = response.parsed.data.task_status
    assert status.value == "queued"
    assert str(status) == "queued"
    assert status == "queued"
    assert response.parsed.to_dict()["data"]["task_status"] == "queued"


def test_known_task_status_is_the_member() -> None:
    module, _, example = task_read_endpoint()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=example))

    response = call_detailed(module, transport)

    status = response.parsed.data.task_status
    assert status is type(status)(example["data"]["task_status"])
    assert status.name.isidentifier()


MINI_SPEC = """
openapi: 3.1.0
info: {title: mini, version: 1.0.0}
paths: {}
components:
  schemas:
    Level:
      type: integer
      enum: [1, 2, 3]
      x-enum-varnames: [LOW, MEDIUM, HIGH]
"""


@pytest.mark.slow
def test_int_enum_template_keeps_unknown_values(tmp_path: Path) -> None:
    """The spec has no integer enum yet, so generate one from a two-line spec to cover it."""
    spec = tmp_path / "mini.yaml"
    spec.write_text(MINI_SPEC, encoding="utf-8")
    out = tmp_path / "mini_client"
    bindir = Path(sys.executable).parent
    subprocess.run(
        [
            sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec),
            "--custom-template-path", str(ROOT / "openapi/templates"), "--output-path", str(out),
            "--meta", "none", "--overwrite", "--fail-on-warning",
        ],
        env={**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=True,
        capture_output=True,
    )  # fmt: skip
    loader = importlib.util.spec_from_file_location("mini_level", out / "models/level.py")
    assert loader is not None
    assert loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    level: Any = module.Level

    assert level(2) is level.MEDIUM
    assert level(7).value == 7
    assert str(level(7)) == "7"
    assert level(7) not in list(level)


# (b) Readable enum member names (x-enum-varnames), never VALUE_n.

VALUE_N = re.compile(r"^VALUE_\d+$")


@pytest.mark.parametrize("cls", enum_classes(), ids=lambda c: c.__name__)
def test_enum_member_names_are_readable(cls: type[enum.Enum]) -> None:
    positional = [name for name in cls.__members__ if VALUE_N.match(name)]
    assert not positional, f"{cls.__name__} has positional names {positional}: add x-enum-varnames"


def test_no_value_n_member_anywhere_in_generated() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "generated").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"\s+VALUE_\d+ = ", line)
    ]
    assert not offenders


def test_aspect_ratio_like_enums_have_named_members() -> None:
    ratio_enums = [c for c in enum_classes() if any(":" in str(m.value) for m in c)]
    assert ratio_enums, "expected at least one aspect-ratio enum (values like 16:9)"
    for cls in ratio_enums:
        for member in cls:
            assert member.name.isidentifier()
            assert not VALUE_N.match(member.name)


# (c) Undocumented, non-IANA status codes and non-JSON error pages are a normal response.


def cloudflare_520(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        520, headers={"content-type": "text/html"}, content=b"<html>origin error</html>"
    )


def test_status_520_returns_a_response() -> None:
    module, _, _ = task_read_endpoint()

    response = call_detailed(module, httpx.MockTransport(cloudflare_520))

    assert response.status_code == 520
    assert not isinstance(response.status_code, HTTPStatus)
    assert response.parsed is None
    assert response.content == b"<html>origin error</html>"


def test_status_520_with_raise_on_unexpected_status_is_catchable() -> None:
    module, operation, _ = task_read_endpoint()
    if "default" in operation["responses"] or "5XX" in operation["responses"]:
        pytest.skip("the operation documents a default/5XX response: 520 is not unexpected")

    with pytest.raises(errors.UnexpectedStatus) as caught:
        call_detailed(
            module,
            httpx.MockTransport(cloudflare_520),
            raise_on_unexpected_status=True,
        )

    assert caught.value.status_code == 520


def documented_error_statuses(operation: dict[str, Any]) -> list[int]:
    codes = [int(code) for code in operation["responses"] if code.isdigit()]
    return sorted(code for code in codes if code >= 400)


@pytest.mark.parametrize("status", [429, 503, 504])
def test_documented_error_status_with_an_html_body_returns_a_response(status: int) -> None:
    module, operation, _ = task_read_endpoint()
    assert status in documented_error_statuses(operation)
    page = b"<html><body>504 Gateway Time-out</body></html>"
    transport = httpx.MockTransport(
        lambda request: httpx.Response(status, headers={"content-type": "text/html"}, content=page)
    )

    response = call_detailed(module, transport)

    assert response.status_code == status
    assert response.parsed is None
    assert response.content == page


def test_documented_error_status_with_a_foreign_json_body_returns_a_response() -> None:
    module, _, _ = task_read_endpoint()
    transport = httpx.MockTransport(
        lambda request: httpx.Response(401, json={"error": {"message": "invalid key"}})
    )

    response = call_detailed(module, transport)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.parsed is None


def test_a_malformed_success_body_still_raises() -> None:
    module, _, _ = task_read_endpoint()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"<html>"))

    with pytest.raises(ValueError, match="Expecting value"):
        call_detailed(module, transport)


def test_known_status_codes_stay_http_status() -> None:
    module, _, example = task_read_endpoint()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=example))

    response = call_detailed(module, transport)

    assert response.status_code is HTTPStatus.OK


# (d) A finite default timeout; with_* never mutate the original client.


def assert_finite(timeout: httpx.Timeout) -> None:
    assert None not in (timeout.connect, timeout.read, timeout.write, timeout.pool)


@pytest.mark.parametrize(
    "client",
    [Client(base_url=BASE_URL), AuthenticatedClient(base_url=BASE_URL, token="k")],
    ids=["Client", "AuthenticatedClient"],
)
def test_default_timeout_is_finite(client: Client | AuthenticatedClient) -> None:
    assert vars(client_module).get("DEFAULT_TIMEOUT") == DEFAULT_TIMEOUT
    assert_finite(client.get_httpx_client().timeout)
    assert client.get_httpx_client().timeout == DEFAULT_TIMEOUT
    assert client.get_async_httpx_client().timeout == DEFAULT_TIMEOUT


def test_timeout_is_overridable() -> None:
    client = AuthenticatedClient(base_url=BASE_URL, token="k", timeout=httpx.Timeout(5.0))
    assert client.get_httpx_client().timeout == httpx.Timeout(5.0)
    unbounded = Client(base_url=BASE_URL, timeout=None)
    assert unbounded.get_httpx_client().timeout == httpx.Timeout(None)


async def test_with_timeout_leaves_the_original_alone() -> None:
    original = AuthenticatedClient(base_url=BASE_URL, token="k")
    sync_httpx = original.get_httpx_client()
    async_httpx = original.get_async_httpx_client()

    derived = original.with_timeout(httpx.Timeout(3.0))

    assert sync_httpx.timeout == DEFAULT_TIMEOUT
    assert async_httpx.timeout == DEFAULT_TIMEOUT
    assert original.get_httpx_client() is sync_httpx
    assert derived.get_httpx_client().timeout == httpx.Timeout(3.0)
    assert derived.get_async_httpx_client().timeout == httpx.Timeout(3.0)
    await async_httpx.aclose()
    await derived.get_async_httpx_client().aclose()


def test_with_headers_and_cookies_leave_the_original_alone() -> None:
    original = Client(base_url=BASE_URL, headers={"a": "1"})
    built = original.get_httpx_client()

    derived = original.with_headers({"b": "2"}).with_cookies({"c": "3"})

    assert "b" not in built.headers
    assert "c" not in built.cookies
    assert derived.get_httpx_client().headers["b"] == "2"
    assert derived.get_httpx_client().headers["a"] == "1"
    assert derived.get_httpx_client().cookies["c"] == "3"


def test_a_models_repr_shows_the_fields_that_are_set_not_unset_placeholders() -> None:
    from haoee_kling_api.models import Task

    task = Task.from_dict(
        {"task_id": "7", "task_status": "succeed", "task_result": {"videos": [{"url": "u"}]}}
    )
    text = repr(task)
    assert text.startswith("Task(task_id='7', task_status=")
    assert "VideoResult(url='u')" in text
    assert "Unset" not in text
    assert "created_at" not in text
    task["vendor"] = 1
    assert repr(task).endswith("additional_properties={'vendor': 1})")


def test_a_models_repr_hides_the_query_string_of_signed_urls() -> None:
    # Found by the simulator (tests/sim): a printed task showed its result URL's signature.
    from haoee_kling_api.models import Task

    url = "https://cdn.example/v.mp4?X-Amz-Credential=AK%2F1&X-Amz-Signature=5ec4e7"
    task = Task.from_dict(
        {"task_id": "7", "task_status": "succeed", "task_result": {"videos": [{"url": url}]}}
    )
    task["vendor"] = {"preview": url}
    text = repr(task)
    assert "5ec4e7" not in text
    assert "AK%2F1" not in text
    assert text.count("https://cdn.example/v.mp4?[REDACTED]") == 2
    assert url in str(task.to_dict())  # the value itself is untouched

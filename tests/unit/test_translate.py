"""One function reads every answer: Kling's envelope, or a clear error, never a crash."""

from __future__ import annotations

import json

import httpx
import pytest

from haoee_kling import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConcurrencyLimitError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from haoee_kling.http._translate import error_message, map_transport_error, translate_response
from tests.unit.conftest import response_example, task_answer

NOW = 1_764_000_000.0


def answer(status: int, body: object, **headers: str) -> tuple[int, dict[str, str], bytes]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return status, headers, content


def test_a_success_envelope_gives_its_data_and_request_id() -> None:
    reply = translate_response(*answer(200, task_answer("processing")), now=NOW)
    assert reply.data["task_status"] == "processing"
    assert reply.request_id == task_answer()["request_id"]
    assert reply.retry_after is None


def test_an_error_envelope_raises_by_code_with_request_id_and_retry_after() -> None:
    body = response_example("TooManyRequests", "concurrency")
    with pytest.raises(ConcurrencyLimitError) as caught:
        translate_response(*answer(429, body, **{"Retry-After": "3"}), now=NOW)
    assert caught.value.request_id == body["request_id"]
    assert caught.value.retry_after == 3.0
    assert caught.value.retryable
    assert isinstance(caught.value, RateLimitError)


def test_a_business_error_inside_http_200_is_still_an_error() -> None:
    with pytest.raises(NotFoundError) as caught:
        translate_response(*answer(200, response_example("NotFound", "task")), now=NOW)
    assert caught.value.status_code == 200
    assert caught.value.code == 1203


@pytest.mark.parametrize(
    ("status", "body", "error", "retryable", "says"),
    [
        # Answers at 2xx that are not a success envelope cannot be read.
        (200, b'{"code": 0, "data": {"task_id"', UnexpectedResponseError, False, "not JSON"),
        (200, b"", UnexpectedResponseError, False, "an empty body"),
        (200, {"code": "success", "data": {}}, UnexpectedResponseError, False, "envelope"),
        (200, ["not", "an", "object"], UnexpectedResponseError, False, "JSON list"),
        (200, b"<html><title>Log in</title></html>", UnexpectedResponseError, False, "Log in"),
        # Not Kling's envelope: the HTTP status decides, the message comes from the body.
        (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", ServerError, True, "502"),
        (520, b"cloudflare", ServerError, True, "cloudflare"),
        (503, b"", ServerError, True, "Service Unavailable"),
        (408, b"timeout", ServerError, True, "timeout"),
        (401, {"error": {"message": "invalid api key"}}, AuthenticationError, False, "invalid"),
        (403, {"message": "Forbidden"}, PermissionDeniedError, False, "Forbidden"),
        (404, {"detail": "Not Found"}, NotFoundError, False, "Not Found"),
        (429, b"slow down", RateLimitError, True, "slow down"),
        (422, {"detail": [{"msg": "field required"}]}, BadRequestError, False, "field required"),
        # A Kling code, even as a string or at an odd status, picks the class.
        (400, {"code": "1201", "message": "bad"}, BadRequestError, False, "bad"),
        (520, {"code": 5000, "message": "origin error"}, ServerError, True, "origin error"),
    ],
)
def test_every_answer_gets_a_class_by_its_code_else_its_http_status_never_a_crash(
    status: int, body: object, error: type[APIError], retryable: bool, says: str
) -> None:
    with pytest.raises(error) as caught:
        translate_response(*answer(status, body), now=NOW)
    assert type(caught.value) is error
    assert caught.value.status_code == status
    assert caught.value.retryable is retryable
    assert says in str(caught.value)
    assert f"HTTP {status}" in str(caught.value)


@pytest.mark.parametrize("status", [200, 502])
def test_json_nested_deeper_than_the_stack_is_an_unreadable_answer_not_a_crash(
    status: int,
) -> None:
    # Found by the simulator (tests/sim, body="nested"): json.loads raised RecursionError.
    nested = b'{"code":0,"data":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(APIError) as caught:
        translate_response(status, {}, nested, now=NOW)
    assert isinstance(caught.value, UnexpectedResponseError if status == 200 else ServerError)
    assert len(caught.value.body or "") <= 500


def test_a_numeric_string_code_zero_is_success() -> None:
    reply = translate_response(*answer(200, {"code": "0", "data": {"task_id": "1"}}), now=NOW)
    assert reply.data == {"task_id": "1"}


def test_a_redirect_names_where_it_pointed() -> None:
    with pytest.raises(UnexpectedResponseError) as caught:
        translate_response(302, {"location": "https://example.org/login"}, b"", now=NOW)
    assert "redirected to https://example.org/login" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "a", "error": {"message": "b"}}, "a"),
        ({"msg": "from msg"}, "from msg"),
        ({"error": {"message": "nested", "type": "invalid_request_error"}}, "nested"),
        ({"error": "plain"}, "plain"),
        ({"detail": [{"loc": ["body"], "msg": "first"}, {"msg": "second"}]}, "first"),
        ({"errors": [{"message": "listed"}]}, "listed"),
        ({"error_description": "oauth style"}, "oauth style"),
        ({"title": "problem+json"}, "problem+json"),
        ({"message": "", "msg": "   ", "detail": "skips empty ones"}, "skips empty ones"),
    ],
)
def test_the_message_comes_from_the_common_shapes(body: dict[str, object], message: str) -> None:
    assert error_message(body, json.dumps(body).encode(), 400) == message


def test_an_html_page_gives_its_visible_text_without_tags_scripts_or_styles() -> None:
    page = (
        b"<html><head><title>502 Bad Gateway</title><style>body{color:red}</style>"
        b"<script>var x = 1;</script></head><body><center><h1>502 Bad Gateway</h1></center>"
        b"<hr><center>nginx</center></body></html>"
    )
    text = error_message(None, page, 502)
    assert text == "502 Bad Gateway 502 Bad Gateway nginx"
    assert len(error_message(None, b"<p>" + b"word " * 400 + b"</p>", 502)) == 200


def test_the_body_excerpt_is_short_and_redacted() -> None:
    page = b"<html>Authorization: Bearer sk-live-abcdefghijkl " + b"x" * 5000
    with pytest.raises(ServerError) as caught:
        translate_response(502, {}, page, now=NOW)
    assert len(caught.value.body) <= 500
    assert "sk-live" not in caught.value.body
    assert "sk-live" not in str(caught.value)


@pytest.mark.parametrize(
    ("exc", "cls", "maybe_sent"),
    [
        (httpx.ConnectError("refused"), APIConnectionError, False),
        (httpx.ConnectTimeout("slow"), APITimeoutError, False),
        (httpx.PoolTimeout("busy"), APITimeoutError, False),
        (httpx.ReadTimeout("slow"), APITimeoutError, True),
        (httpx.WriteTimeout("slow"), APITimeoutError, True),
        (httpx.RemoteProtocolError("closed"), APIConnectionError, True),
        (httpx.ReadError("reset"), APIConnectionError, True),
        # The proxy refused the tunnel: nothing reached the gateway.
        (httpx.ProxyError("407 Proxy Authentication Required"), APIConnectionError, False),
    ],
)
def test_transport_failures_say_whether_the_request_may_have_been_sent(
    exc: Exception, cls: type[APIConnectionError], maybe_sent: bool
) -> None:
    error = map_transport_error(exc)
    assert type(error) is cls
    assert isinstance(error, APIConnectionError)
    assert error.maybe_sent is maybe_sent


def test_a_failure_through_a_proxy_names_it() -> None:
    proxy = ("HTTPS_PROXY", "http://[REDACTED]@proxy.example:3128")
    error = map_transport_error(httpx.ConnectError("refused"), proxy)
    assert error.message == (
        "could not connect: ConnectError: refused (through the proxy "
        "http://[REDACTED]@proxy.example:3128 from HTTPS_PROXY: check that it runs, or unset it)"
    )


def test_a_bad_url_is_a_configuration_error() -> None:
    assert isinstance(map_transport_error(httpx.UnsupportedProtocol("ftp")), ConfigurationError)

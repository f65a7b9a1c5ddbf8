"""One function reads every answer: Kling's envelope, or a clear error, never a crash."""

from __future__ import annotations

import json

import httpx
import pytest

from haoee_kling import (
    APIConnectionError,
    APITimeoutError,
    ConcurrencyLimitError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    UnexpectedResponseError,
)
from haoee_kling._translate import map_transport_error, translate_response
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
    ("status", "body", "retryable"),
    [
        (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", True),
        (200, b'{"code": 0, "data": {"task_id"', False),
        (200, b"", False),
        (200, {"code": "success", "data": {}}, False),
        (400, {"code": "1201", "message": "bad"}, False),
        (520, {"code": 5000, "message": "origin error"}, True),
        (520, b"cloudflare", True),
        (200, ["not", "an", "object"], False),
        (404, {"error": {"message": "no route", "type": "invalid_request_error"}}, False),
    ],
)
def test_anything_that_is_not_the_envelope_is_an_unexpected_response_not_a_crash(
    status: int, body: object, retryable: bool
) -> None:
    with pytest.raises(UnexpectedResponseError) as caught:
        translate_response(*answer(status, body), now=NOW)
    assert caught.value.status_code == status
    assert caught.value.retryable is retryable
    assert f"HTTP {status}" in str(caught.value)


def test_the_body_excerpt_is_short_and_redacted() -> None:
    page = b"<html>Authorization: Bearer sk-live-abcdefghijkl " + b"x" * 5000
    with pytest.raises(UnexpectedResponseError) as caught:
        translate_response(502, {}, page, now=NOW)
    assert len(caught.value.body) <= 500
    assert "sk-live" not in caught.value.body


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
    ],
)
def test_transport_failures_say_whether_the_request_may_have_been_sent(
    exc: Exception, cls: type[APIConnectionError], maybe_sent: bool
) -> None:
    error = map_transport_error(exc)
    assert type(error) is cls
    assert isinstance(error, APIConnectionError)
    assert error.maybe_sent is maybe_sent


def test_a_bad_url_is_a_configuration_error() -> None:
    assert isinstance(map_transport_error(httpx.UnsupportedProtocol("ftp")), ConfigurationError)

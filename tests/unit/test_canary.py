"""Canary keys: through successes, failures, retries and debug logging, no secret leaks."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
import respx

from haoee_kling import AsyncKling, FakeClock, Kling, KlingError
from haoee_kling._logging import configure_logging
from tests.unit.conftest import response_example, run, task_answer

HAOEE_CANARY = "hk-CANARY-7d1e9a0b5c3f2e4d"
AK, SK = "ak-CANARY-0a1b2c3d4e5f", "sk-CANARY-" + "f" * 32
TASK_ID = "842250903629086785"


@pytest.mark.parametrize("backend", ["haoee", "kling"])
async def test_no_key_or_jwt_appears_in_logs_reprs_or_errors(
    flavor: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    base = (
        "https://maas.haoee.com/kling"
        if backend == "haoee"
        else "https://api-singapore.klingai.com"
    )
    router = respx.MockRouter(base_url=base, assert_all_mocked=True)
    router.post("/v1/videos/text2video").mock(
        side_effect=[
            httpx.Response(429, json=response_example("TooManyRequests", "concurrency")),
            httpx.Response(200, json=task_answer()),
        ]
    )
    get = router.get(f"/v1/videos/text2video/{TASK_ID}")
    get.mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json=task_answer("failed")),
            httpx.Response(401, json=response_example("Unauthorized", "invalid")),
        ]
    )
    router.get("https://cdn.example.org/x.mp4").respond(403)
    cls = Kling if flavor == "sync" else AsyncKling
    options: dict[str, Any] = (
        {"api_key": HAOEE_CANARY}
        if backend == "haoee"
        else {"backend": "kling", "access_key": AK, "secret_key": SK}
    )
    configure_logging("debug")
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        client = cls(**options, transport=httpx.MockTransport(router.handler), clock=FakeClock())
        texts += [repr(client), repr(client.config), repr(client.text2video)]
        for action in (
            lambda: client.text2video.create_and_wait(prompt="a fox"),
            lambda: client.text2video.get(TASK_ID),
            lambda: client.download(["https://cdn.example.org/x.mp4?token=abc"], "/tmp"),
        ):
            with pytest.raises(KlingError) as caught:
                await run(action())
            texts += [
                str(caught.value),
                repr(caught.value),
                *getattr(caught.value, "__notes__", []),
            ]
        await run(client.close())
    texts += [record.getMessage() for record in caplog.records]
    sent = {
        call.request.headers.get("Authorization", "")
        for call in router.calls
        if call.request.url.host != "cdn.example.org"
    }
    jwts = {h.removeprefix("Bearer ") for h in sent if h.startswith("Bearer eyJ")}
    assert (backend == "kling") == bool(jwts)
    blob = "\n".join(texts)
    for secret in (HAOEE_CANARY, AK, SK, *jwts, "token=abc"):
        assert secret not in blob
    assert "request_id" in blob or "HTTP 401" in blob
    logger = logging.getLogger("haoee_kling")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)

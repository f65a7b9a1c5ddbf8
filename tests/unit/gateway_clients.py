"""Clients bound to the fake gateway in-process, on one shared fake clock (for tests/e2e).

The client's clock is linked to the gateway's: every sleep of the client (polling, backoff)
moves the gateway's time, so tasks progress exactly as far as the client waited.
"""

from __future__ import annotations

import warnings
from typing import Any

import httpx

from haoee_kling import AsyncKling, FakeClock, Kling
from haoee_kling.testing import FakeGateway


class LinkedClock(FakeClock):
    """The client's fake clock, moving the gateway's clock along with it."""

    def __init__(self, gateway: FakeGateway) -> None:
        super().__init__()
        self._gateway = gateway

    def wall(self) -> float:
        """The gateway's time, so created_at and our wall clock agree."""
        return self._gateway.clock.now()

    def sleep(self, seconds: float) -> None:
        """Record the sleep and move both clocks."""
        super().sleep(seconds)
        self._gateway.advance(max(0.0, seconds))


def make_client(flavor: str, gateway: FakeGateway, **options: Any) -> Kling | AsyncKling:
    """A client of the flavor bound to the gateway in-process (sync: Starlette's TestClient)."""
    clock = LinkedClock(gateway)
    if flavor == "async":
        return AsyncKling(
            api_key=gateway.key,
            base_url=gateway.base_url,
            clock=clock,
            transport=httpx.ASGITransport(app=gateway.app),
            **options,
        )
    with warnings.catch_warnings():
        # Starlette asks for httpx2 in its test client; httpx is what the client is built on.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        test_client = gateway.test_client(model_name=None)  # the client's own ModelName
    return Kling(
        api_key=gateway.key,
        base_url=gateway.base_url,
        clock=clock,
        http_client=test_client,
        transport=test_client._transport,
        **options,
    )

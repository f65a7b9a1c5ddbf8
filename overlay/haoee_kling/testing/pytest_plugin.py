"""pytest fixtures for testing code that talks to Kling through haoee, offline.

Load it from a `conftest.py` with `pytest_plugins = ["haoee_kling.testing.pytest_plugin"]`.

- `fake_gateway`: a fresh in-process `FakeGateway` on a `FakeClock` (advance it with
  `fake_gateway.advance(seconds)` or `fake_gateway.finish(task_id)`; inject faults with
  `fake_gateway.faults.add(...)`); reach it with `fake_gateway.async_client()` or
  `fake_gateway.test_client()`.
- `fake_kling`, `fake_async_kling`: a `Kling` / `AsyncKling` bound to `fake_gateway`
  in-process, on a `LinkedClock`: every sleep of the client moves the gateway's clock, so
  `create_and_wait` returns at once in wall time, with the task as far along as it waited.
- `fake_gateway_server`: the same gateway served by uvicorn on a free loopback port in a
  background thread (`.base_url`, `.gateway`), stopped when the test ends. Use it for code that
  opens its own connections, or for connection-level faults over a real socket. While it runs,
  clients built with the default clock are linked to the gateway's (`link_default_clock`), so
  code under test that makes its own `Kling(base_url=...)` and waits does not stall.

Override `fake_gateway_config` to change keys, prefix, seed, concurrency or durations.

The fake's own modules (Starlette, uvicorn: the `fake` extra) are imported when a fixture is
first used, so registering this plugin costs nothing in test sessions that do not use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .._client import AsyncKling, Kling
    from ._gateway import FakeGateway, GatewayConfig
    from ._server import RunningServer

__all__ = [
    "fake_async_kling",
    "fake_gateway",
    "fake_gateway_config",
    "fake_gateway_server",
    "fake_kling",
]


@pytest.fixture
def fake_gateway_config() -> GatewayConfig:
    """The configuration of `fake_gateway` (override this fixture to change it)."""
    from ._gateway import GatewayConfig

    return GatewayConfig()


@pytest.fixture
def fake_gateway(fake_gateway_config: GatewayConfig) -> FakeGateway:
    """A fresh fake gateway, in-process, on a fake clock."""
    from ._gateway import FakeGateway

    return FakeGateway(fake_gateway_config)


@pytest.fixture
def fake_gateway_server(fake_gateway: FakeGateway) -> Iterator[RunningServer]:
    """`fake_gateway` served on 127.0.0.1 (free port) until the test ends; default clocks are
    linked to its clock meanwhile (waits of clients the code under test builds take no time)."""
    from ._linked import link_default_clock
    from ._server import serve_in_thread

    server = serve_in_thread(fake_gateway)
    try:
        with link_default_clock(fake_gateway):
            yield server
    finally:
        server.stop()


@pytest.fixture
def fake_kling(fake_gateway: FakeGateway) -> Iterator[Kling]:
    """A `Kling` bound to `fake_gateway` in-process, on a clock linked to the gateway's."""
    from ._linked import linked_client

    with linked_client(fake_gateway, "sync") as client:
        yield client


@pytest.fixture
def fake_async_kling(fake_gateway: FakeGateway) -> AsyncKling:
    """An `AsyncKling` bound to `fake_gateway` in-process, on a clock linked to the gateway's.

    A plain fixture, so it serves pytest-asyncio and anyio alike. It is not closed after the
    test: its ASGI transport holds no connection or socket (closing it would need a loop).
    """
    from ._linked import linked_client

    return linked_client(fake_gateway, "async")

"""pytest fixtures for testing code that talks to Kling through haoee, offline.

Load it from a `conftest.py` with `pytest_plugins = ["haoee_kling.testing.pytest_plugin"]`.

- `fake_gateway`: a fresh in-process `FakeGateway` on a `FakeClock` (advance it with
  `fake_gateway.advance(seconds)` or `fake_gateway.finish(task_id)`; inject faults with
  `fake_gateway.faults.add(...)`); reach it with `fake_gateway.async_client()` or
  `fake_gateway.test_client()`.
- `fake_gateway_server`: the same gateway served by uvicorn on a free loopback port in a
  background thread (`.base_url`, `.gateway`), stopped when the test ends. Use it for code that
  opens its own connections, or for connection-level faults over a real socket.

Override `fake_gateway_config` to change keys, prefix, seed, concurrency or durations.

The fake's own modules (Starlette, uvicorn: the `fake` extra) are imported when a fixture is
first used, so registering this plugin costs nothing in test sessions that do not use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._gateway import FakeGateway, GatewayConfig
    from ._server import RunningServer

__all__ = ["fake_gateway", "fake_gateway_config", "fake_gateway_server"]


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
    """`fake_gateway` served on 127.0.0.1 (free port) until the test ends."""
    from ._server import serve_in_thread

    server = serve_in_thread(fake_gateway)
    try:
        yield server
    finally:
        server.stop()

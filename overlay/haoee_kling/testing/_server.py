"""Serving a fake gateway on a real socket with uvicorn (loopback by default).

`serve_in_thread` runs it in a background thread for tests (port 0 picks a free port) and
stops it cleanly; `python -m haoee_kling.testing` runs it in the foreground. Both use an h11
protocol that gives each request the `DROP_EXTENSION` of `_wire`, so the `drop` and
`truncate` faults really close the TCP connection instead of answering 500.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..callbacks._sockets import BackgroundServer, bind, prompt_server
from ._wire import DROP_EXTENSION

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from ._gateway import FakeGateway

__all__ = ["RunningServer", "bind", "make_server", "serve_in_thread"]

_DROP_WAIT = 2.0


class _DroppableH11(H11Protocol):
    """uvicorn's h11 protocol, plus a way for the app to close the connection on purpose."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        lost = self._lost = asyncio.Event()
        inner: ASGIApp = self.app

        async def drop() -> None:
            transport.close()  # flushes what was written, then FIN
            # Wait until uvicorn has seen the connection go, so it neither answers 500 nor
            # logs "returned without starting response".
            await asyncio.wait_for(lost.wait(), _DROP_WAIT)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            scope["extensions"] = {**(scope.get("extensions") or {}), DROP_EXTENSION: drop}
            await inner(scope, receive, send)

        self.app = app

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._lost.set()


def make_server(gateway: FakeGateway, *, log: bool = False, **options: Any) -> uvicorn.Server:
    """A uvicorn server for the gateway's app (h11, no websockets, no lifespan)."""
    config = uvicorn.Config(
        gateway.app,
        http=_DroppableH11,
        ws="none",
        lifespan="off",
        log_config=None if not log else uvicorn.config.LOGGING_CONFIG,
        log_level="info" if log else "critical",
        access_log=log,
        timeout_graceful_shutdown=1,
        **options,
    )
    return prompt_server(config)


@dataclass
class RunningServer:
    """A fake gateway served by uvicorn in a background thread.

    Attributes:
        gateway: the gateway being served (its clock and fault plan work as in-process).
        host: the address it listens on.
        port: the port it listens on.
    """

    gateway: FakeGateway
    host: str
    port: int
    _serving: BackgroundServer

    @property
    def origin(self) -> str:
        """`http://host:port`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL, prefix included (`http://127.0.0.1:PORT/kling`)."""
        return self.origin + self.gateway.config.prefix

    def stop(self) -> None:
        """Stop serving and wait for the thread to end (and the callbacks' pump, if any)."""
        self._serving.stop(timeout=10)
        self.gateway.callbacks.close()


def serve_in_thread(
    gateway: FakeGateway, host: str = "127.0.0.1", port: int = 0, *, timeout: float = 10.0
) -> RunningServer:
    """Start serving in a daemon thread and return once the server accepts connections.

    Raises:
        RuntimeError: the server did not start within `timeout` seconds.
    """
    serving = BackgroundServer(make_server(gateway), bind(host, port), "fake-haoee")
    if not serving.start(timeout):
        raise RuntimeError(f"the fake gateway did not start on {host}:{serving.port}")
    return RunningServer(gateway, host, serving.port, serving)

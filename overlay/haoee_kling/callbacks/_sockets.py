"""Listening sockets and background servers for what this package serves: the callback receiver
and the fake gateway.

Both run uvicorn in a thread. uvicorn notices a stop request on its next tick (every 0.1 s)
and then pauses another 0.1 s while connections close, so each stop took 0.17 s: seconds in
a test suite that starts a server per test. `PromptServer` wakes at once when asked to stop
and waits only while connections are still open.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn

__all__ = ["BackgroundServer", "bind", "prompt_server"]

_DRAIN_POLL = 0.005  # seconds between looks at the connections still open while stopping


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound TCP socket, inheritable so a child process may serve it (port 0: a free one).

    Raises:
        OSError: the address cannot be bound (in use, not this machine's).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then, and
    # without it every small response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def prompt_server(config: uvicorn.Config) -> uvicorn.Server:
    """A uvicorn server that stops as soon as `BackgroundServer.stop` (or a signal) asks."""
    server: uvicorn.Server = _prompt_server_class()(config)
    return server


@functools.cache
def _prompt_server_class() -> type[uvicorn.Server]:
    import uvicorn  # here: an optional dependency, which the receiver and the fake bring

    class PromptServer(uvicorn.Server):
        _woken: asyncio.Event | None = None
        _loop: asyncio.AbstractEventLoop | None = None

        def wake(self) -> None:
            """Make the serving loop look at `should_exit` now (from any thread)."""
            loop, woken = self._loop, self._woken
            if loop is not None and woken is not None:
                with contextlib.suppress(RuntimeError):  # the loop has already ended
                    loop.call_soon_threadsafe(woken.set)

        async def main_loop(self) -> None:
            self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
            ticks = 0
            while not await self.on_tick(ticks):  # the date header, limits, should_exit
                ticks = (ticks + 1) % 864_000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), 0.1)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            for listener in self.servers:
                listener.close()
            for sock in sockets or []:
                sock.close()
            state = self.server_state
            for connection in list(state.connections):
                connection.shutdown()  # idle keep-alive connections close at once
            loop = asyncio.get_running_loop()
            deadline = loop.time() + (self.config.timeout_graceful_shutdown or 0.0)
            while (state.connections or state.tasks) and not self.force_exit:
                if loop.time() >= deadline and self.config.timeout_graceful_shutdown:
                    break
                await asyncio.sleep(_DRAIN_POLL)
            for task in state.tasks:
                task.cancel(msg="the server stopped before the task ended")
            for listener in self.servers:
                await listener.wait_closed()
            if not self.force_exit:
                await self.lifespan.shutdown()

    return PromptServer


class BackgroundServer:
    """A uvicorn server on a bound socket, served in a daemon thread until `stop`."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket, name: str) -> None:
        self.server = server
        self.port = int(sock.getsockname()[1])

        def run() -> None:
            with sock:
                server.run(sockets=[sock])

        self._thread = threading.Thread(target=run, name=f"{name}-{self.port}", daemon=True)

    def start(self, timeout: float) -> bool:
        """Start serving; whether the server accepts connections within `timeout` seconds
        (when it does not, it is stopped)."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop(timeout)
                return False
            time.sleep(0.01)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to stop and wait up to `timeout` seconds for its thread to end."""
        self.server.should_exit = True
        wake = getattr(self.server, "wake", None)
        if wake is not None:
            wake()
        self._thread.join(timeout)

"""Clients whose time is the fake gateway's: a wait of minutes returns at once in wall time.

The fake computes a task's status from its clock, and a client waits by sleeping on its own
clock. A `LinkedClock` joins the two: every sleep of the client (polling, backoff) moves the
gateway's clock by as much, so a task is exactly as far along as the client waited, and
`create_and_wait` returns as soon as its polls are done, with no real time spent. The
fixtures `fake_kling`, `fake_async_kling` and `fake_gateway_server` use it.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, overload

import httpx

from .._clock import FakeClock, SystemClock

if TYPE_CHECKING:
    from .._client import AsyncKling, Kling
    from ._gateway import FakeGateway

__all__ = ["LinkedClock", "link_default_clock", "linked_client"]


class LinkedClock(FakeClock):
    """A client clock (for `Kling(clock=...)`) that moves the fake gateway's clock with it.

    Args:
        gateway: the fake whose clock every sleep advances.
    """

    def __init__(self, gateway: FakeGateway) -> None:
        super().__init__()
        self._gateway = gateway

    def wall(self) -> float:
        """The gateway's time, so the tasks' `created_at` and the client's wall clock agree."""
        return self._gateway.clock.now()

    def sleep(self, seconds: float) -> None:
        """Record the sleep and move both clocks (and send the callbacks that fall due)."""
        super().sleep(seconds)
        self._gateway.advance(max(0.0, seconds))

    def __repr__(self) -> str:
        return f"LinkedClock(now={self.monotonic():.3f})"


@overload
def linked_client(gateway: FakeGateway, flavour: Literal["sync"], **options: Any) -> Kling: ...
@overload
def linked_client(
    gateway: FakeGateway, flavour: Literal["async"], **options: Any
) -> AsyncKling: ...
def linked_client(gateway: FakeGateway, flavour: str, **options: Any) -> Kling | AsyncKling:
    """A client bound to the gateway in-process (no socket), on a `LinkedClock`.

    Args:
        gateway: the fake gateway.
        flavour: "sync" (`Kling`, through Starlette's TestClient) or "async" (`AsyncKling`,
            through httpx's ASGI transport).
        **options: more `Kling` arguments (`max_retries=`, `wait_timeout=`, ...).
    """
    from .._client import AsyncKling, Kling  # the client package loads only when asked for

    options.setdefault("clock", LinkedClock(gateway))
    if flavour == "async":
        return AsyncKling(
            api_key=gateway.key,
            base_url=gateway.base_url,
            transport=httpx.ASGITransport(app=gateway.app),
            **options,
        )
    with warnings.catch_warnings():
        # Starlette asks for httpx2 in its test client; httpx is what the client is built on.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        test_client = gateway.test_client()
    return Kling(
        api_key=gateway.key,
        base_url=gateway.base_url,
        http_client=test_client,
        transport=test_client._transport,
        **options,
    )


_LINKED = ("monotonic", "wall", "sleep", "asleep")


@contextlib.contextmanager
def link_default_clock(gateway: FakeGateway) -> Iterator[LinkedClock]:
    """Link every client built with the default clock (`SystemClock`) to the gateway, until
    the block ends: for code under test that makes its own `Kling()` and waits.

    It changes `SystemClock` for the whole process while it lasts, so it is for tests (each
    xdist worker is a process of its own).

    Yields:
        The `LinkedClock` every default clock now reads and sleeps on.
    """
    clock = LinkedClock(gateway)

    async def asleep(_self: SystemClock, seconds: float) -> None:
        await clock.asleep(seconds)

    saved = {name: SystemClock.__dict__[name] for name in _LINKED}
    replacements: dict[str, Any] = {
        "monotonic": lambda _self: clock.monotonic(),
        "wall": lambda _self: clock.wall(),
        "sleep": lambda _self, seconds: clock.sleep(seconds),
        "asleep": asleep,
    }
    for name, method in replacements.items():
        setattr(SystemClock, name, method)
    try:
        yield clock
    finally:
        for name, method in saved.items():
            setattr(SystemClock, name, method)

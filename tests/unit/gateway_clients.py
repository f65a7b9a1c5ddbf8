"""Clients bound to the fake gateway in-process, on one shared fake clock (for tests/e2e).

The shipped `haoee_kling.testing.linked_client` builds them: the client's clock is linked to
the gateway's, so every sleep of the client (polling, backoff) moves the gateway's time and
tasks progress exactly as far as the client waited.
"""

from __future__ import annotations

from typing import Any

from haoee_kling import AsyncKling, Kling
from haoee_kling.testing import FakeGateway, LinkedClock, linked_client

__all__ = ["LinkedClock", "make_client"]


def make_client(flavor: str, gateway: FakeGateway, **options: Any) -> Kling | AsyncKling:
    """A client of the flavor bound to the gateway in-process (sync: Starlette's TestClient)."""
    return linked_client(gateway, "async" if flavor == "async" else "sync", **options)

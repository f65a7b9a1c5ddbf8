"""Shared helpers for the end-to-end tests (the clients' ones live in tests/unit/gateway_clients).

`LinkedClock` is re-exported here because other e2e modules import it from this place.
"""

from __future__ import annotations

from tests.unit.gateway_clients import LinkedClock, make_client

__all__ = ["LinkedClock", "make_client"]

"""Shared helpers for the end-to-end tests (the clients' ones live in tests/unit/gateway_clients).

`LinkedClock` is re-exported here because other e2e modules import it from this place.

`variety`: the end-to-end suites of the client, the CLI, batch and callbacks build their fake
gateway with it, so each of their tests runs twice: against answers in the spec's one
spelling, and against answers in every spelling the client's reader accepts (`GatewayConfig.
variety`, seeded, so a failure replays).
"""

from __future__ import annotations

import pytest

from tests.unit.gateway_clients import LinkedClock, make_client

__all__ = ["VARIETY_SEED", "LinkedClock", "make_client", "variety"]

VARIETY_SEED = 7


@pytest.fixture(scope="module", params=[None, VARIETY_SEED], ids=["one-spelling", "variety"])
def variety(request: pytest.FixtureRequest) -> int | None:
    """The fake gateway's `variety`: None, then a seed."""
    seed: int | None = request.param
    return seed

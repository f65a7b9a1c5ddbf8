"""`x-kling-models` in the fake gateway: the client's cases, sent straight to the fake.

The same accepted and refused bodies as tests/unit/test_capabilities.py (built from the map):
the fake answers a refused one with HTTP 400, code 1201 and a message naming the model, and
creates the task for an accepted one, because it validates bodies with the client's own
`validate_body`.
"""

from __future__ import annotations

import pytest

from haoee_kling.testing import FakeGateway
from tests.e2e.fake_support import error_of, path_of
from tests.unit.capability_cases import CREATE_BY_KIND, Case, cases

pytestmark = pytest.mark.unmeasured(
    "tests/e2e/test_fake_api.py and tests/unit/test_capabilities.py measure the checks it "
    "repeats per model"
)

CASES = cases()
GATEWAY = FakeGateway(concurrency={})


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_the_fake_applies_the_capability_map(case: Case) -> None:
    GATEWAY.reset()
    async with GATEWAY.async_client() as client:
        response = await client.post(path_of(CREATE_BY_KIND[case.kind]), json=case.body)
    if case.refused_by is None:
        assert response.status_code == 200, response.text
        assert response.json()["data"]["task_id"]
        return
    assert error_of(response) == (400, 1201)
    assert response.json()["message"].startswith(f"{case.model} "), response.text

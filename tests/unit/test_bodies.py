"""What a call sends is checked first: paging limits come from the spec."""

from __future__ import annotations

import pytest
import respx

from haoee_kling import AsyncKling, InvalidRequestError, Kling
from tests.unit.conftest import run


@pytest.mark.parametrize(
    ("page_num", "page_size", "says"),
    [
        (1, 600, "page_size: must be at most 500 (got 600)"),
        (1, 0, "page_size: must be at least 1 (got 0)"),
        (0, 30, "page_num: must be at least 1 (got 0)"),
    ],
)
async def test_paging_out_of_the_specs_limits_is_refused_before_sending(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    page_num: int,
    page_size: int,
    says: str,
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.text2video.list(page_num=page_num, page_size=page_size))
    assert says in str(caught.value)
    with pytest.raises(InvalidRequestError):
        await run(kling.elements.list_presets(page_size=page_size, page_num=page_num))
    assert raw_router.calls.call_count == 0

"""What a client's namespaces share: the haoee `ModelName` header, derived from the spec."""

from __future__ import annotations

import pytest

from haoee_kling._client_state import model_name_header
from haoee_kling._spec import operation


@pytest.mark.parametrize(
    ("operation_id", "body", "expected"),
    [
        ("createText2Video", {"model_name": "kling-v2-6"}, "kling-v2-6"),
        ("createText2Video", {"model_name": "kling-v2-5-turbo"}, "kling-video-v2-5-turbo"),
        ("createText2Video", {}, "kling-v1"),
        ("createTextToAudio", {}, "kling-video-v2-6"),
        ("createText2Video", {"model_name": "kling-v9-future"}, "kling-v9-future"),
    ],
)
def test_model_name_header_follows_the_specs_x_haoee_mapping(
    operation_id: str, body: dict[str, str], expected: str
) -> None:
    assert model_name_header(operation(operation_id), body) == expected

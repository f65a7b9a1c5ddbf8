"""Request validation: spec limits and rules become messages naming field, rule and value."""

from __future__ import annotations

import math
from typing import Any

import pytest
import respx

from haoee_kling import AsyncKling, InvalidRequestError, Kling
from haoee_kling._spec import media_fields, operation, operations
from haoee_kling.check._validation import validate_body, validate_parameters
from tests.unit.conftest import run


def messages(operation_id: str, body: Any) -> list[str]:
    return [p.message for p in validate_body(operation_id, body)]


@pytest.mark.parametrize(
    ("operation_id", "body", "expected"),
    [
        (
            "createText2Video",
            {"prompt": "x" * 2501},
            "prompt: must be at most 2500 characters (got 2501)",
        ),
        ("createText2Video", {"prompt": ""}, "prompt: must not be empty"),
        (
            "createText2Video",
            {"prompt": "p", "callback_url": "ftp://example.org/hook"},
            "callback_url: must match the pattern ^https?:// (got 'ftp://example.org/hook')",
        ),
        (
            "createText2Video",
            {"prompt": "p", "callback_url": "https://exa mple.org/"},
            "callback_url: must be a valid uri (got 'https://exa mple.org/')",
        ),
        ("createText2Video", {"prompt": 5}, "prompt: must be a string (got an integer)"),
        (
            "createText2Video",
            {"prompt": "p", "cfg_scale": 1.5},
            "cfg_scale: must be at most 1 (got 1.5)",
        ),
        (
            "createText2Video",
            {"prompt": "p", "aspect_ratio": "4:3"},
            "aspect_ratio: must be one of '16:9', '9:16', '1:1' (got '4:3')",
        ),
        (
            "createImage2Video",
            {"image": "data:image/png;base64,AAAA"},
            "image: must be a URL or raw base64 without a 'data:...;base64,' prefix",
        ),
        ("createMultiImage2Image", {}, "subject_image_list: is required"),
        (
            "createMultiImage2Image",
            {"subject_image_list": []},
            "subject_image_list: must have at least 1 items (got 0)",
        ),
        (
            "identifyFace",
            {"video_id": "1", "video_url": "https://a/b.mp4"},
            "request body: give exactly one of video_id and video_url",
        ),
        ("createText2Video", {"prompt": "p", "model_name": "Kling V9"}, "model_name: is not valid"),
        (
            "createTextToAudio",
            {"prompt": "p", "duration": 3.25},
            "duration allows at most one decimal place",
        ),
        (
            "createImage2Video",
            {"prompt": "p"},
            "request body: give at least one of image or image_tail",
        ),
        (
            "createLipSync",
            {"input": {"video_id": "1", "mode": "text2video"}},
            "input.text, input.voice_id: is required when input.mode is 'text2video'",
        ),
        (
            "createLipSync",
            {"input": {"video_id": "1", "mode": "audio2video", "audio_type": "url"}},
            "input.audio_url: is required when input.audio_type is 'url'",
        ),
        (
            "createAdvancedCustomElement",
            {"element_name": "n", "element_description": "d", "reference_type": "video_refer"},
            "element_video_list: is required when reference_type is 'video_refer'",
        ),
        (  # `format: int64`: Kling's servers cannot read a larger number
            "createAdvancedLipSync",
            {"session_id": "s", "face_choose": [{"face_id": "f", "sound_start_time": 2**64}]},
            "face_choose[0].sound_start_time: must be at most 9223372036854775807, a 64-bit "
            "integer (got 18446744073709551616)",
        ),
    ],
)
def test_messages_name_the_field_and_the_rule(operation_id: str, body: Any, expected: str) -> None:
    assert any(m.startswith(expected) or expected in m for m in messages(operation_id, body)), (
        messages(operation_id, body)
    )


def test_a_new_model_name_is_allowed() -> None:
    # Kling adds models often: an unlisted name that looks like one is sent as given.
    assert validate_body("createText2Video", {"prompt": "p", "model_name": "kling-v9"}) == []


def test_rules_are_checked_only_on_well_typed_bodies() -> None:
    [problem] = validate_body("createText2Video", {"prompt": 5, "voice_list": [{"voice_id": "v"}]})
    assert problem.rule == "type"


def test_rule_problems_carry_the_rule_id_and_fields() -> None:
    [problem] = validate_body(
        "createText2Video",
        {"model_name": "kling-v3", "prompt": "p", "voice_list": [{"voice_id": "v"}]},
    )
    assert problem.rule == "voices-need-sound"
    assert problem.field == "voice_list, sound"


def test_operations_without_a_body_have_nothing_to_check() -> None:
    assert validate_body("getText2Video", None) == []


def test_every_request_example_is_valid() -> None:
    for op in operations().values():
        content = op.raw.get("requestBody", {}).get("content", {}).get("application/json", {})
        for name, example in content.get("examples", {}).items():
            assert validate_body(op.operation_id, example["value"]) == [], (op.operation_id, name)


def test_parameters_arrive_as_strings_and_are_checked_by_the_spec() -> None:
    problems = validate_parameters(
        "listText2Video",
        {"query": {"pageNum": "0", "pageSize": "many"}, "header": {"MODELNAME": "bad name"}},
    )
    assert [p.message for p in problems] == [
        "ModelName: must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]*$ (got 'bad name')",
        "pageNum: must be at least 1 (got 0)",
        "pageSize: must be an integer (got a string)",
    ]


@pytest.mark.parametrize("raw", [" 1", "+1", "1_0", "1.0"])
def test_only_plain_digits_are_an_integer(raw: str) -> None:
    [problem] = validate_parameters("listText2Video", {"query": {"pageNum": raw}})
    assert problem.rule == "type"


def test_required_path_parameters() -> None:
    [problem] = validate_parameters("getText2Video", {})
    assert problem.message == "task_id: is required"
    assert validate_parameters("getText2Video", {"path": {"task_id": "842250903629086785"}}) == []


def test_media_fields_are_found_through_refs_and_arrays() -> None:
    schema = operation("createOmniVideo").body_schema
    assert schema is not None
    found = {m.path: m.media for m in media_fields(schema)}
    assert set(found) == {"image_list[].image_url", "video_list[].video_url"}
    assert found["image_list[].image_url"]["formats"] == ["jpg", "jpeg", "png"]
    assert found["video_list[].video_url"]["transport"] == ["url"]


def test_a_get_without_a_body_applies_its_rules_to_the_query() -> None:
    """`x-kling-rules` on `getAccountCosts` (no body) read the query, once each parameter is
    valid on its own: a rule never masks a type error."""
    ok = {"query": {"start_time": "1000", "end_time": "1000"}}
    assert validate_parameters("getAccountCosts", ok) == []
    backwards = {"query": {"start_time": "2000", "end_time": "1000"}}
    [problem] = validate_parameters("getAccountCosts", backwards)
    assert (problem.rule, problem.field) == ("end-not-before-start", "start_time, end_time")
    [typed] = validate_parameters(
        "getAccountCosts", {"query": {"start_time": "x", "end_time": "1"}}
    )
    assert typed.rule == "type"
    [missing] = validate_parameters("getAccountCosts", {"query": {"start_time": "1"}})
    assert missing.message == "end_time: is required"


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf], ids=repr)
def test_nan_and_infinity_are_refused_by_field_before_the_schema(number: float) -> None:
    # Regression: NaN passed every schema limit and escaped later as a ValueError from the
    # JSON encoder.
    body = {
        "prompt": "a fox",
        "cfg_scale": number,
        "camera_control": {"type": "simple", "config": {"zoom": number}},
    }
    problems = validate_body("createText2Video", body)
    assert [(p.field, p.rule) for p in problems] == [
        ("cfg_scale", "finite"),
        ("camera_control.config.zoom", "finite"),
    ]
    assert problems[0].message.startswith(f"cfg_scale: must be a finite number (got {number!r}")


async def test_a_create_with_nan_is_an_invalid_request_and_sends_nothing(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.text2video.create(prompt="a fox", cfg_scale=math.nan))
    assert [p.field for p in caught.value.problems] == ["cfg_scale"]
    assert not raw_router.calls


def test_empty_optional_text_means_not_given() -> None:
    """Kling's own examples send `""` for an unused callback_url or external_task_id
    (openapi/README.md, decision 39): the URI rules of callback_url hold only when it is given."""
    body = {"prompt": "p", "callback_url": "", "external_task_id": ""}
    assert validate_body("createText2Video", body) == []


def test_a_query_number_outside_its_int64_format_is_refused_naming_the_parameter() -> None:
    beyond, end = str(2**63), str(2**63 - 1)
    query = {"start_time": beyond, "end_time": end}
    problems = validate_parameters("getAccountCosts", {"query": query})
    assert [(p.field, p.rule) for p in problems] == [("start_time", "format")]
    assert problems[0].message == (
        f"start_time: must be at most {2**63 - 1}, a 64-bit integer (got {beyond})"
    )
    query = {"start_time": "0", "end_time": end}
    assert validate_parameters("getAccountCosts", {"query": query}) == []

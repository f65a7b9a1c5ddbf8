"""The x-kling-rules evaluator: each predicate of the grammar, and rules as the spec writes them."""

from __future__ import annotations

from typing import Any

import pytest

from haoee_kling._spec import operation, operations
from haoee_kling.check._rules import check_rules, check_schema_rules, holds, lookup

BODY: dict[str, Any] = {
    "prompt": "p",
    "sound": "on",
    "input": {"images": ["a", "b"], "model_name": None},
    "image_list": [{"image_url": "a", "type": "first_frame"}, {"image_url": "b"}],
    "multi_prompt": [{"duration": "2"}, {"duration": "3"}],
    "duration": "5",
    "up": 0.5,
    "down": 0.5,
    "left": 0.2,
    "right": 0.0,
    "start": 1000,
    "end": 4000,
}


@pytest.mark.parametrize(
    ("predicate", "expected"),
    [
        ({"present": "prompt"}, True),
        ({"present": "input.images"}, True),
        ({"present": "input.model_name"}, False),  # null counts as absent
        ({"absent": "negative_prompt"}, True),
        ({"path": "sound", "equals": "on"}, True),
        ({"path": "mode", "equals": "std", "default": "std"}, True),
        ({"path": "sound", "in": ["off"]}, False),
        ({"all": [{"present": "prompt"}, {"absent": "prompt"}]}, False),
        ({"any": [{"present": "prompt"}, {"absent": "prompt"}]}, True),
        ({"not": {"present": "prompt"}}, False),
        ({"at_most_one_of": [["prompt"], ["sound"]]}, False),
        ({"at_most_one_of": [["prompt", "sound"], ["nothing"]]}, True),
        (
            {
                "contains": {
                    "path": "image_list",
                    "where": {"path": "type", "equals": "first_frame"},
                }
            },
            True,
        ),
        (
            {"contains": {"path": "image_list", "where": {"path": "type", "equals": "end_frame"}}},
            False,
        ),
        ({"count_at_most": {"paths": ["image_list", "input.images"], "limit": 4}}, True),
        ({"count_at_most": {"paths": ["image_list", "input.images"], "limit": 3}}, False),
        (
            {
                "sum_equals": {
                    "path": "multi_prompt",
                    "field": "duration",
                    "equals_path": "duration",
                }
            },
            True,
        ),
        (
            {
                "sum_equals": {
                    "path": "multi_prompt",
                    "field": "duration",
                    "equals_path": "x",
                    "default": "6",
                }
            },
            False,
        ),
        ({"max_decimals": {"path": "up", "places": 1}}, True),
        (
            {
                "product_of_sums_at_most": {
                    "sums": [["up", "down"], ["left", "right"]],
                    "offset": 1,
                    "limit": 3,
                }
            },
            True,
        ),
        (
            {
                "product_of_sums_at_most": {
                    "sums": [["up", "down"], ["left", "right"]],
                    "offset": 1,
                    "limit": 2.3,
                }
            },
            False,
        ),
        ({"min_difference": {"from": "start", "to": "end", "at_least": 3000}}, True),
        ({"min_difference": {"from": "start", "to": "end", "at_least": 3001}}, False),
        ({"nonzero_count_equals": {"paths": ["up", "down", "right"], "count": 2}}, True),
    ],
)
def test_each_predicate(predicate: dict[str, Any], expected: bool) -> None:
    assert holds(predicate, BODY) is expected


def test_decimals_are_counted_exactly() -> None:
    # 3.3 is not exactly representable as a float; the rule must still see one decimal.
    assert holds({"max_decimals": {"path": "d", "places": 1}}, {"d": 3.3})
    assert not holds({"max_decimals": {"path": "d", "places": 1}}, {"d": 3.25})


def test_an_unknown_predicate_is_a_spec_mistake() -> None:
    with pytest.raises(ValueError, match="unknown x-kling-rules predicate"):
        holds({"sometimes": "prompt"}, BODY)


def test_lookup_stops_at_missing_steps() -> None:
    assert lookup({"a": {"b": 1}}, "a.b") == 1
    assert repr(lookup({"a": 1}, "a.b")) == "MISSING"


def test_an_empty_string_is_not_given() -> None:
    """Kling's own examples send `"negative_prompt": ""` beside an `image` that refuses a
    negative prompt (openapi/README.md, decision 39): "" is absent to every rule."""
    assert not holds({"present": "negative_prompt"}, {"negative_prompt": ""})
    assert holds({"absent": "a.b"}, {"a": {"b": ""}})
    assert holds({"present": "n"}, {"n": 0})
    body = {"prompt": "p", "image": "https://cdn.example.org/dog.png", "negative_prompt": ""}
    assert check_rules(operation("createImageGeneration").rules, body) == []


def test_a_rule_applies_only_when_its_condition_holds() -> None:
    rules = [
        {
            "id": "r",
            "message": "sound needs prompt",
            "when": {"path": "sound", "equals": "on"},
            "then": {"present": "prompt"},
        }
    ]
    assert check_rules(rules, {"sound": "off"}) == []
    [violation] = check_rules(rules, {"sound": "on"})
    assert violation.rule_id == "r"
    assert violation.fields == ("sound", "prompt")


def test_for_each_names_the_failing_item() -> None:
    [rule] = operation("createAdvancedLipSync").rules
    body = {
        "face_choose": [
            {"sound_start_time": 0, "sound_end_time": 2000},
            {"sound_start_time": 0, "sound_end_time": 500},
        ]
    }
    [violation] = check_rules([rule], body)
    assert violation.fields == ("face_choose[1].sound_start_time", "face_choose[1].sound_end_time")


def test_schema_rules_apply_wherever_the_schema_occurs() -> None:
    schema = operation("createImage2Video").body_schema
    assert schema is not None
    body = {"image": "u", "camera_control": {"type": "simple", "config": {"zoom": 1, "pan": 2}}}
    [violation] = check_schema_rules(schema, body)
    assert violation.rule_id == "exactly-one-move"
    assert violation.fields[0].startswith("camera_control.config.")


def test_every_request_example_of_the_spec_keeps_every_rule() -> None:
    checked = 0
    for op in operations().values():
        content = op.raw.get("requestBody", {}).get("content", {}).get("application/json", {})
        for name, example in content.get("examples", {}).items():
            violations = check_rules(op.rules, example["value"])
            assert op.body_schema is not None
            violations += check_schema_rules(op.body_schema, example["value"])
            assert violations == [], (op.operation_id, name)
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize(
    ("operation_id", "body", "rule_id"),
    [
        ("createText2Video", {"multi_shot": True}, "multi-shot-needs-shot-type"),
        (
            "createText2Video",
            {"prompt": "p", "voice_list": [{"voice_id": "v"}]},
            "voices-need-sound",
        ),
        (
            "createImage2Video",
            {"image": "u", "image_tail": "t", "camera_control": {"type": "down_back"}},
            "one-frame-control",
        ),
        (
            "createImageExpand",
            {
                "up_expansion_ratio": 1,
                "down_expansion_ratio": 1,
                "left_expansion_ratio": 0.1,
                "right_expansion_ratio": 0,
            },
            "expanded-area-at-most-3x",
        ),
        (
            "createEffects",
            {"effect_scene": "hug_pro", "input": {"image": "u"}},
            "dual-scenes-take-two-images",
        ),
        (
            "createEffects",
            {"effect_scene": "fight", "input": {"images": ["a", "b"]}},
            "fight-needs-v1-6",
        ),
        (
            "createOmniVideo",
            {"prompt": "p", "video_list": [{"video_url": "v"}], "sound": "on"},
            "no-sound-with-video",
        ),
        (
            "createOmniVideo",
            {
                "prompt": "p",
                "aspect_ratio": "1:1",
                "image_list": [{"image_url": "a", "type": "end_frame"}],
            },
            "end-frame-needs-first-frame",
        ),
        ("createOmniVideo", {"prompt": "p"}, "aspect-ratio-required"),
        ("createTextToAudio", {"prompt": "p", "duration": 3.25}, "duration-one-decimal"),
    ],
)
def test_spec_rules_reject_what_kling_rejects(
    operation_id: str, body: dict[str, Any], rule_id: str
) -> None:
    op = operation(operation_id)
    assert op.body_schema is not None
    found = {
        v.rule_id for v in check_rules(op.rules, body) + check_schema_rules(op.body_schema, body)
    }
    assert rule_id in found

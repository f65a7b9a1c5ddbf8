"""`x-kling-models` in the client: what a model cannot do is refused before anything is sent.

Every constraint of the map has an accepted and a refused case (tests/unit/capability_cases.py,
built from the map). A refused body raises `InvalidRequestError` naming the model, with no
request on the wire; an accepted one is sent. The fake gateway runs the same cases
(tests/e2e/test_fake_capabilities.py).
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from haoee_kling import InvalidRequestError, Kling
from haoee_kling._client_state import model_name_header
from haoee_kling._spec import capability_map, operation
from haoee_kling.check._capabilities import check_capabilities, choices, kind_capabilities
from haoee_kling.check._validation import validate_body
from tests.unit.capability_cases import CREATE_BY_KIND, Case, base_body, cases, enum_at
from tests.unit.conftest import task_answer

CANARY_KEY = "canary-KEY-7f3e9a1c5b2d4e6f8a0b"
CASES = cases()


def client_and_log() -> tuple[Kling, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=task_answer("submitted"))

    kling = Kling(api_key=CANARY_KEY, transport=httpx.MockTransport(answer), max_retries=0)
    return kling, sent


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_client_applies_the_capability_map(case: Case) -> None:
    kling, sent = client_and_log()
    create = getattr(kling, case.kind).create
    with kling:
        if case.refused_by is None:
            create(**case.body)
            [request] = sent
            assert json.loads(request.content)["model_name" if case.kind != "effects" else "input"]
            return
        with pytest.raises(InvalidRequestError) as caught:
            create(**case.body)
    assert sent == [], "a refused request must not reach the network"
    rules = [p.rule for p in caught.value.problems]
    assert case.refused_by in rules, caught.value.problems
    message = next(p.message for p in caught.value.problems if p.rule == case.refused_by)
    assert message.startswith(f"{case.model} "), message


def test_every_model_of_the_map_has_accepted_and_refused_cases() -> None:
    # A constraint narrower than the request schema has a refused case; one equal to the
    # schema (effects' input.mode std/pro) is already JSON Schema's to refuse.
    for kind in capability_map()["kinds"]:
        fields = capability_map()["kinds"][kind]["fields"]
        for name, caps in kind_capabilities(kind).items():
            own = {
                c.id.removeprefix(f"{kind}-{name}-")
                for c in CASES
                if c.kind == kind and c.model == name
            }
            assert "base-accepted" in own, (kind, name)
            for what, allowed in (("mode", caps.modes), ("duration", caps.durations)):
                if allowed is None:
                    continue
                assert {f"{what}-accepted-{v}" for v in allowed} <= own, (kind, name)
                wider = set(enum_at(kind, fields[what])) - set(allowed)
                assert {f"{what}-refused-{v}" for v in wider} <= own, (kind, name, what)
            if caps.sound_modes is not None:
                assert any(c.startswith("sound-refused") for c in own) == (
                    set(caps.modes or ()) != set(caps.sound_modes)
                ), (kind, name)
            for feature, support in caps.features.items():
                mine = [c for c in own if c.startswith(f"{feature}-")]
                refusable = not support.supported or any(
                    (support.modes, support.durations, support.types, support.silent)
                )
                assert any("refused" in c for c in mine) == refusable, (kind, name, feature)
                assert support.supported == any(c == f"{feature}-accepted" for c in own), (
                    kind,
                    name,
                    feature,
                )


@pytest.mark.parametrize(
    ("operation_id", "body", "message"),
    [
        (
            "createText2Video",
            {"prompt": "p", "duration": "7"},
            "kling-v1 takes duration 5 or 10 (got 7)",
        ),
        (
            "createText2Video",
            {"prompt": "p", "model_name": "kling-v2-6", "sound": "on"},
            "kling-v2-6 has sound only in pro mode (got mode std)",
        ),
        (
            "createText2Video",
            {"prompt": "p", "model_name": "kling-v2-5-turbo", "sound": "on", "mode": "pro"},
            "kling-v2-5-turbo has no sound (got sound on)",
        ),
        (
            "createImage2Video",
            {"image": "https://x.org/a.png", "model_name": "kling-v1-6", "mode": "4k"},
            "kling-v1-6 takes mode std or pro (got 4k)",
        ),
        (
            "createImage2Video",
            {
                "image": "https://x.org/a.png",
                "image_tail": "https://x.org/b.png",
                "model_name": "kling-v1-6",
            },
            "kling-v1-6 has image_tail (start+end frame) only in pro mode (got mode std)",
        ),
        (
            "createText2Video",
            {"prompt": "p", "model_name": "kling-v2-1"},
            "kling-v2-1 does not do text2video "
            "(it does image2video, multi-image2image or image-generation)",
        ),
        (
            "createText2Video",
            {"prompt": "p", "model_name": "kolors-virtual-try-on-v1-5"},
            "kolors-virtual-try-on-v1-5 does not do text2video (it does virtual-try-on)",
        ),
        (
            "createImage2Video",
            {"image": "https://x.org/a.png", "model_name": "kling-image-o1"},
            "kling-image-o1 does not do image2video (it does omni-image)",
        ),
        (
            "createVirtualTryOn",
            {
                "human_image": "https://x.org/a.png",
                "cloth_image": "https://x.org/b.png",
                "model_name": "kling-v3-omni",
            },
            "kling-v3-omni does not do virtual-try-on (it does omni-video or omni-image)",
        ),
        (
            "createOmniImage",
            {"prompt": "p", "model_name": "kling-v3"},
            "kling-v3 does not do omni-image "
            "(it does text2video, image2video, image-generation or motion-control)",
        ),
        (
            "createOmniVideo",
            {"prompt": "p", "aspect_ratio": "1:1", "duration": "12"},
            "kling-video-o1 takes duration 3 to 10 (got 12)",
        ),
    ],
)
def test_messages_name_the_model_and_what_it_allows(
    operation_id: str, body: dict[str, object], message: str
) -> None:
    assert message in [p.message for p in validate_body(operation_id, body)]


def test_the_default_model_is_checked_when_model_name_is_absent() -> None:
    # createText2Video's x-kling-default-model is kling-v1, which takes 5 or 10 s.
    assert operation("createText2Video").default_model == "kling-v1"
    [problem] = validate_body("createText2Video", {"prompt": "p", "duration": "7"})
    assert (problem.field, problem.rule) == ("duration", "x-kling-models.duration")


def test_kling_video_o1_takes_5_or_10_for_text_and_first_frame_only() -> None:
    text = {"prompt": "p", "aspect_ratio": "1:1", "model_name": "kling-video-o1"}
    assert [p.rule for p in validate_body("createOmniVideo", text | {"duration": "7"})] == [
        "kling-video-o1-text-and-first-frame-5-or-10"
    ]
    assert validate_body("createOmniVideo", text | {"duration": "10"}) == []
    first = text | {"image_list": [{"image_url": "https://x.org/a.png", "type": "first_frame"}]}
    assert validate_body("createOmniVideo", first | {"duration": "7"}) != []
    reference = text | {"image_list": [{"image_url": "https://x.org/a.png"}]}
    assert validate_body("createOmniVideo", reference | {"duration": "7"}) == []


def test_an_unknown_model_passes_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="haoee_kling")
    body = {"prompt": "p", "model_name": "kling-v9-unlisted", "duration": "7"}
    assert check_capabilities("createText2Video", body) == []
    assert check_capabilities("createText2Video", body) == []
    warnings = [r for r in caplog.records if "kling-v9-unlisted" in r.getMessage()]
    assert len(warnings) == 1


def test_kinds_without_a_model_are_not_checked() -> None:
    assert check_capabilities("createTextToAudio", {"prompt": "rain", "duration": 5}) == []
    # effects: the model is optional and only for the legacy scenes
    body = {"effect_scene": "bullet_time_lite", "input": {"image": "https://x.org/a.png"}}
    assert check_capabilities("createEffects", body) == []


def test_the_map_names_the_modelname_header_the_client_sends() -> None:
    for kind in capability_map()["kinds"]:
        op = operation(CREATE_BY_KIND[kind])
        for name, caps in kind_capabilities(kind).items():
            assert caps.model_name_header == model_name_header(op, base_body(kind, name)), name


def test_every_entry_cites_a_source_and_has_a_deadline() -> None:
    for kind in capability_map()["kinds"]:
        for name, caps in kind_capabilities(kind).items():
            assert caps.sources, (kind, name)
            assert all(s.split()[0] in {"R", "M", "G", "D"} for s in caps.sources), caps.sources
            assert 0 < caps.wait_seconds <= caps.wait_seconds_long, (kind, name)


def test_the_map_lists_every_model_the_request_schemas_know() -> None:
    from haoee_kling.testing._specdata import model_fields

    for kind in capability_map()["kinds"]:
        [(_, known)] = model_fields(CREATE_BY_KIND[kind])
        assert set(kind_capabilities(kind)) == set(known), kind


def test_choices_reads_like_a_sentence() -> None:
    assert choices(["5", "10"]) == "5 or 10"
    assert choices(["std", "pro", "4k"]) == "std, pro or 4k"
    assert choices([str(n) for n in range(3, 16)]) == "3 to 15"
    assert choices(["pro"]) == "pro"


def test_wait_deadline_is_longer_for_long_and_4k_jobs() -> None:
    v3 = kind_capabilities("text2video")["kling-v3"]
    assert v3.wait_deadline("pro", "5") == v3.wait_seconds
    assert v3.wait_deadline("pro", "15") == v3.wait_seconds_long
    assert v3.wait_deadline("4k", "5") == v3.wait_seconds_long


def test_other_kinds_name_every_kind_of_the_map_that_serves_the_model() -> None:
    """An `other-kinds` refusal names where the model does work: exactly the kinds whose
    `models` list it, so a model added to a kind (or a new kind) cannot leave a message that
    sends people to the wrong place, and no kind refuses a model it lists."""
    kinds = capability_map()["kinds"]
    serving: dict[str, list[str]] = {}
    for kind, spec in kinds.items():
        for model in spec["models"]:
            serving.setdefault(model, []).append(kind)
    refusals = 0
    for kind, spec in kinds.items():
        for model, other in spec.get("other-kinds", {}).items():
            assert model not in spec["models"], (kind, model)
            assert other["kinds"] == serving[model], (kind, model)
            assert other["sources"], (kind, model)
            refusals += 1
    # The models issue 17 added (image models, try-on models, motion-control models) are refused
    # wherever they are not served; a map that lost them would pass the loop above vacuously.
    refused_models = {m for spec in kinds.values() for m in spec.get("other-kinds", {})}
    assert refused_models >= {
        "kling-image-o1",
        "kling-v3-omni",
        "kolors-virtual-try-on-v1",
        "kolors-virtual-try-on-v1-5",
        "kling-v2-6",
        "kling-v3",
    }
    assert refusals >= 35

"""Accepted and refused request bodies for every constraint of the spec's `x-kling-models`.

Built from the map itself, so a model or a constraint added to the spec gets its cases without
a test edit, and a constraint cannot drift from its test. Each case is a create body that breaks
at most one capability; a refused case names the rule it must be refused for
(`x-kling-models.<what>`). The client tests (tests/unit/test_capabilities.py) and the fake
gateway tests (tests/e2e/test_fake_capabilities.py) run the same cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from haoee_kling._spec import capability_map, operations, resolve
from haoee_kling.check._capabilities import Capabilities, FeatureSupport, kind_capabilities
from haoee_kling.testing._specdata import preset_elements

JSON = dict[str, Any]
IMAGE = "https://cdn.example.org/inputs/cat.png"
MASK = "https://cdn.example.org/inputs/mask.png"

CREATE_BY_KIND = {
    op.kind: op.operation_id
    for op in operations().values()
    if op.kind is not None and op.method == "POST"
}


@dataclass(frozen=True)
class Case:
    """One create request and what must happen to it.

    Attributes:
        id: a readable test id (`text2video-kling-v1-duration-refused-7`).
        kind: the task kind.
        model: the model the case is about.
        body: the create body (plain JSON).
        refused_by: `x-kling-models.<what>` when the body must be refused; None when accepted.
    """

    id: str
    kind: str
    model: str
    body: JSON
    refused_by: str | None


def base_body(kind: str, model: str) -> JSON:
    """A minimal valid body of a kind that names `model` and uses no optional feature."""
    if kind == "text2video":
        return {"model_name": model, "prompt": "A fox in the snow"}
    if kind == "image2video":
        return {"model_name": model, "image": IMAGE, "prompt": "The cat turns its head"}
    if kind == "multi_image2image":
        return {"model_name": model, "subject_image_list": [{"subject_image": IMAGE}]}
    if kind == "multi_image2video":
        return {"model_name": model, "image_list": [{"image": IMAGE}], "prompt": "p"}
    if kind == "effects":
        return {"effect_scene": "hug", "input": {"images": [IMAGE, IMAGE], "model_name": model}}
    if kind == "omni_video":
        # A reference image (not a first frame): every duration the model takes is open.
        return {
            "model_name": model,
            "prompt": "<<<image_1>>> at dusk",
            "image_list": [{"image_url": IMAGE}],
            "aspect_ratio": "16:9",
        }
    if kind in ("omni_image", "image_generation"):
        return {"model_name": model, "prompt": "A lighthouse at dawn"}
    if kind == "motion_control":
        return {
            "model_name": model,
            "image_url": IMAGE,
            "video_url": "https://cdn.example.org/inputs/dance.mp4",
            "character_orientation": "image",
            "mode": "std",
        }
    if kind == "virtual_try_on":
        return {"model_name": model, "human_image": IMAGE, "cloth_image": IMAGE}
    raise AssertionError(f"no base body for {kind}: add one for the new kind in the map")


def _element_id() -> int:
    return int(preset_elements()[0]["element_id"])


def _trigger(feature: str) -> JSON:
    """The body fields that use a feature (the map's `used` / `count`)."""
    triggers: dict[str, JSON] = {
        "camera_control": {
            "camera_control": {
                "type": "simple",
                "config": {
                    "horizontal": 0,
                    "vertical": 0,
                    "pan": 0,
                    "tilt": 0,
                    "roll": 0,
                    "zoom": 5,
                },
            }
        },
        "cfg_scale": {"cfg_scale": 0.5},
        "multi_shot": {"multi_shot": True, "shot_type": "intelligence"},
        "voices": {"voice_list": [{"voice_id": "voice-1"}], "sound": "on"},
        "elements": {"element_list": [{"element_id": _element_id()}]},
        "image_tail": {"image_tail": IMAGE},
        "motion_brush": {"static_mask": MASK},
    }
    return triggers[feature]


def _set(body: JSON, path: str | None, value: Any) -> JSON:
    if path is None:
        return body
    node = body
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return body


def enum_at(kind: str, path: str) -> list[str]:
    """The values JSON Schema allows at a body path (so a refused case passes the schema)."""
    node = resolve({"$ref": f"#/components/schemas/{_request_schema(kind)}"})
    for part in path.split("."):
        node = resolve(node["properties"][part])
    return [str(v) for v in node.get("enum", ())]


def _request_schema(kind: str) -> str:
    ref = operations()[CREATE_BY_KIND[kind]].body_schema or {}
    return str(ref["$ref"]).rsplit("/", 1)[-1]


def _fields(kind: str) -> dict[str, str]:
    fields: dict[str, str] = capability_map()["kinds"][kind]["fields"]
    return fields


def _with(kind: str, caps: Capabilities, extra: JSON, **choice: str | None) -> JSON:
    body = base_body(kind, caps.name) | extra
    for name, value in choice.items():
        if value is not None:
            _set(body, _fields(kind).get(name), value)
    return body


def _first(values: tuple[str, ...] | None) -> str | None:
    return values[0] if values else None


def _feature_cases(
    kind: str, caps: Capabilities, name: str, support: FeatureSupport
) -> Iterator[Case]:
    trigger = _trigger(name)
    needs_sound = trigger.get("sound") == "on"
    modes = support.modes or caps.modes or ()
    if needs_sound:
        modes = tuple(m for m in modes if m in (caps.sound_modes or ()))
    label = f"{kind}-{caps.name}-{name}"
    rule = f"x-kling-models.{name}"
    if not support.supported:
        mode = _first(tuple(m for m in caps.modes or () if m in (caps.sound_modes or ())))
        yield Case(
            f"{label}-refused",
            kind,
            caps.name,
            _with(kind, caps, trigger, mode=mode if needs_sound else None),
            rule,
        )
        return
    mode, duration = _first(modes), _first(support.durations)
    yield Case(
        f"{label}-accepted",
        kind,
        caps.name,
        _with(kind, caps, trigger, mode=mode, duration=duration),
        None,
    )
    if support.modes is not None:
        for other in (m for m in caps.modes or () if m not in support.modes):
            yield Case(
                f"{label}-mode-refused-{other}",
                kind,
                caps.name,
                _with(kind, caps, trigger, mode=other, duration=duration),
                rule,
            )
    if support.durations is not None:
        for other in (d for d in caps.durations or () if d not in support.durations):
            yield Case(
                f"{label}-duration-refused-{other}",
                kind,
                caps.name,
                _with(kind, caps, trigger, mode=mode, duration=other),
                rule,
            )
    if support.types is not None:
        camera = {"camera_control": {"type": "down_back"}}
        yield Case(
            f"{label}-type-refused",
            kind,
            caps.name,
            _with(kind, caps, camera, mode=mode, duration=duration),
            rule,
        )
    if support.silent and caps.sound_modes:
        loud = _first(tuple(m for m in caps.sound_modes if m in modes))
        yield Case(
            f"{label}-silent-refused",
            kind,
            caps.name,
            _with(kind, caps, trigger | {"sound": "on"}, mode=loud, duration=duration),
            rule,
        )


def _model_cases(kind: str, caps: Capabilities) -> Iterator[Case]:
    label, fields = f"{kind}-{caps.name}", _fields(kind)
    yield Case(f"{label}-base-accepted", kind, caps.name, base_body(kind, caps.name), None)
    if caps.modes is not None:
        for mode in caps.modes:
            yield Case(
                f"{label}-mode-accepted-{mode}",
                kind,
                caps.name,
                _with(kind, caps, {}, mode=mode),
                None,
            )
        for mode in (m for m in enum_at(kind, fields["mode"]) if m not in caps.modes):
            yield Case(
                f"{label}-mode-refused-{mode}",
                kind,
                caps.name,
                _with(kind, caps, {}, mode=mode),
                "x-kling-models.mode",
            )
    if caps.durations is not None:
        for duration in caps.durations:
            yield Case(
                f"{label}-duration-accepted-{duration}",
                kind,
                caps.name,
                _with(kind, caps, {}, duration=duration),
                None,
            )
        for duration in (d for d in enum_at(kind, fields["duration"]) if d not in caps.durations):
            yield Case(
                f"{label}-duration-refused-{duration}",
                kind,
                caps.name,
                _with(kind, caps, {}, duration=duration),
                "x-kling-models.duration",
            )
    if caps.sound_modes is not None:
        yield Case(
            f"{label}-sound-off-accepted",
            kind,
            caps.name,
            _with(kind, caps, {"sound": "off"}),
            None,
        )
        for mode in caps.modes or ():
            body = _with(kind, caps, {"sound": "on"}, mode=mode)
            refused = None if mode in caps.sound_modes else "x-kling-models.sound"
            verdict = "refused" if refused else "accepted"
            yield Case(f"{label}-sound-{verdict}-{mode}", kind, caps.name, body, refused)
    for name, support in caps.features.items():
        yield from _feature_cases(kind, caps, name, support)


def _other_kind_cases(kind: str) -> Iterator[Case]:
    for model, other in capability_map()["kinds"][kind].get("other-kinds", {}).items():
        yield Case(
            f"{kind}-{model}-other-kind-refused",
            kind,
            model,
            base_body(kind, model),
            "x-kling-models.kind",
        )
        home = other["kinds"][0]
        yield Case(f"{home}-{model}-home-kind-accepted", home, model, base_body(home, model), None)


def cases() -> list[Case]:
    """Every case of every model of every kind in the map."""
    found: list[Case] = []
    for kind in capability_map()["kinds"]:
        for caps in kind_capabilities(kind).values():
            found += _model_cases(kind, caps)
        found += _other_kind_cases(kind)
    return found


def constraint_count() -> int:
    """How many refusable constraints the map states (one per distinct refused case id stem)."""
    return sum(1 for case in cases() if case.refused_by is not None)

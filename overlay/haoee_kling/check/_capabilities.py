"""The evaluator of `x-kling-models`: what each model can do, per task kind.

The map is written once, in the spec (openapi/README.md, "x-kling-models"). `check_capabilities`
runs inside `validate_body`, so the client refuses an unsupported combination before anything
is sent (`kling-v1 takes duration 5 or 10 (got 7)`) and the fake gateway answers the same
request with HTTP 400, code 1201. A model the map does not list passes, with one logged warning:
Kling adds models often and an unknown one may well work.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._kind_names import user_kind
from .._spec import capability_map, operation
from ._rules import MISSING, RuleViolation, check_rules, holds, lookup

__all__ = [
    "Capabilities",
    "FeatureSupport",
    "check_capabilities",
    "choices",
    "kind_capabilities",
    "known_kinds",
]

_log = logging.getLogger("haoee_kling")
_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


@dataclass(frozen=True)
class FeatureSupport:
    """Whether a model offers one feature (camera control, motion brush, ...) and when.

    Attributes:
        supported: False when the model does not offer it at all.
        modes: the modes it works in; None means every mode the model takes.
        durations: the durations (seconds, as strings) it works at; None means every one.
        types: for camera control, the `camera_control.type` values allowed; None means all.
        silent: it only works with `sound` off.
    """

    supported: bool
    modes: tuple[str, ...] | None = None
    durations: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    silent: bool = False

    @classmethod
    def parse(cls, raw: Any) -> FeatureSupport:
        """Read `true`, `false` or `{modes?, durations?, types?, silent?}` from the map."""
        if isinstance(raw, bool):
            return cls(raw)
        return cls(
            True,
            _tuple(raw.get("modes")),
            _tuple(raw.get("durations")),
            _tuple(raw.get("types")),
            bool(raw.get("silent", False)),
        )

    def describe(self) -> str:
        """`yes`, `no` or the conditions, e.g. `pro; 5 s; simple`."""
        if not self.supported:
            return "no"
        parts = [
            *([choices(self.modes)] if self.modes else []),
            *([f"{choices(self.durations)} s"] if self.durations else []),
            *([choices(self.types)] if self.types else []),
            *(["silent only"] if self.silent else []),
        ]
        return "; ".join(parts) or "yes"


@dataclass(frozen=True)
class Capabilities:
    """What one model can do for one task kind, as the spec's `x-kling-models` says.

    Attributes:
        kind: the task kind (`text2video`).
        name: Kling's model name (`kling-v2-6`).
        model_name_header: the haoee `ModelName` the client sends for it.
        modes: the modes it takes; None when the kind has no mode.
        durations: the durations it takes, in seconds as strings; None when the kind has none.
        sound_modes: the modes in which `sound: "on"` works (empty: no sound); None when the
            kind has no sound field.
        features: feature name (`camera_control`, `image_tail`, ...) -> its support.
        wait_seconds: default wait deadline for a short job, seconds.
        wait_seconds_long: default wait deadline for a long job (over 5 s, or 4k), seconds.
        notes: remarks from the map.
        sources: where each fact comes from (see openapi/README.md).
    """

    kind: str
    name: str
    model_name_header: str
    modes: tuple[str, ...] | None
    durations: tuple[str, ...] | None
    sound_modes: tuple[str, ...] | None
    features: Mapping[str, FeatureSupport] = field(default_factory=dict)
    wait_seconds: int = 900
    wait_seconds_long: int = 900
    notes: str = ""
    sources: tuple[str, ...] = ()

    @property
    def sound(self) -> bool:
        """Whether the model can make sound in at least one mode."""
        return bool(self.sound_modes)

    def wait_deadline(self, mode: str | None = None, duration: str | None = None) -> int:
        """The default wait deadline, seconds: the long one above 5 s or in 4k mode."""
        try:
            long = mode == "4k" or float(duration or 0) > 5
        except ValueError:
            long = False
        return self.wait_seconds_long if long else self.wait_seconds

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON output."""
        return {
            "kind": self.kind,
            "name": self.name,
            "model_name_header": self.model_name_header,
            "modes": _list(self.modes),
            "durations": _list(self.durations),
            "sound_modes": _list(self.sound_modes),
            "features": {
                name: {
                    "supported": f.supported,
                    "modes": _list(f.modes),
                    "durations": _list(f.durations),
                    "types": _list(f.types),
                    "silent": f.silent,
                }
                for name, f in self.features.items()
            },
            "wait_seconds": self.wait_seconds,
            "wait_seconds_long": self.wait_seconds_long,
            "notes": self.notes,
            "sources": list(self.sources),
        }


def _tuple(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(v) for v in value)


def _list(value: tuple[str, ...] | None) -> list[str] | None:
    return None if value is None else list(value)


def choices(values: Sequence[str]) -> str:
    """`5 or 10`, `std, pro or 4k`, `3 to 15` (a run of three or more whole numbers)."""
    items = [str(v) for v in values]
    if len(items) >= 3 and all(v.isdigit() for v in items):
        numbers = [int(v) for v in items]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{numbers[0]} to {numbers[-1]}"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def known_kinds() -> tuple[str, ...]:
    """The task kinds the map describes, in the map's order."""
    return tuple(capability_map().get("kinds", {}))


@functools.cache
def kind_capabilities(kind: str) -> dict[str, Capabilities]:
    """Every model the map lists for a kind, by name (empty for a kind without models)."""
    spec = capability_map().get("kinds", {}).get(kind, {})
    fields = spec.get("fields", {})
    features = spec.get("features", {})
    found: dict[str, Capabilities] = {}
    for name, entry in spec.get("models", {}).items():
        found[name] = Capabilities(
            kind=kind,
            name=name,
            model_name_header=str(entry["model-name-header"]),
            modes=_tuple(entry.get("modes")) if "mode" in fields else None,
            durations=_tuple(entry.get("durations")) if "duration" in fields else None,
            sound_modes=_tuple(entry.get("sound", [])) if "sound" in fields else None,
            features={f: FeatureSupport.parse(entry[f]) for f in features if f in entry},
            wait_seconds=int(entry["wait-seconds"]),
            wait_seconds_long=int(entry.get("wait-seconds-long", entry["wait-seconds"])),
            notes=str(entry.get("notes", "")),
            sources=tuple(str(s) for s in entry.get("sources", ())),
        )
    return found


def _warn_once(kind: str, model: str) -> None:
    with _warned_lock:
        if (kind, model) in _warned:
            return
        _warned.add((kind, model))
    _log.warning("model %s is not in the capability map for %s; sending it unchecked", model, kind)


def _value(body: Any, path: str | None, default: Any) -> Any:
    if path is None:
        return MISSING
    found = lookup(body, path)
    return default if found is MISSING else found


def _used(feature: Mapping[str, Any], body: Any) -> bool:
    if "used" in feature:
        return holds(feature["used"], body)
    items = lookup(body, feature["count"])
    return isinstance(items, list) and bool(items)


# The choices a body makes that the map constrains, each at a path the map names per kind.
_CHOICES = ("mode", "duration", "sound")


@dataclass(frozen=True)
class _Asked:
    """What a create body asks of its model, read once for every use of the map."""

    kind: str
    spec: Mapping[str, Any]
    model: Any
    paths: Mapping[str, str]
    mode: Any
    duration: Any
    sound: Any


def _asked(operation_id: str, body: Any) -> _Asked | None:
    """The model (the operation's default when the body names none), mode, duration and
    sound a body asks for, with their paths; None when the kind has no map."""
    op = operation(operation_id)
    kind = op.kind or ""
    spec = capability_map().get("kinds", {}).get(kind)
    if not spec:
        return None
    fields, defaults = spec.get("fields", {}), spec.get("defaults", {})
    model = lookup(body, fields["model"])
    chosen = {k: _value(body, fields.get(k), defaults.get(k, MISSING)) for k in _CHOICES}
    return _Asked(
        kind,
        spec,
        op.default_model if model is MISSING else model,
        fields,
        chosen["mode"],
        chosen["duration"],
        chosen["sound"],
    )


def default_deadline(operation_id: str, body: Any) -> float | None:
    """The default wait deadline (seconds) of the model a create body asks for, from the map:
    the long one for long or 4k jobs; None when the kind has no map or the model is not in it."""
    asked = _asked(operation_id, body)
    caps = kind_capabilities(asked.kind).get(str(asked.model)) if asked else None
    if asked is None or caps is None:
        return None
    mode, duration = (None if v is MISSING else str(v) for v in (asked.mode, asked.duration))
    return float(caps.wait_deadline(mode, duration))


def check_capabilities(operation_id: str, body: Any) -> list[RuleViolation]:
    """Check a (well-typed) create body against what its model can do.

    Args:
        operation_id: the spec's operationId.
        body: the JSON body as plain dicts and lists.

    Returns:
        One violation per unsupported choice, each message naming the model and what it
        allows; empty when the model is not in the map (logged once) or the kind has no map.
    """
    asked = _asked(operation_id, body)
    if asked is None or not isinstance(asked.model, str):
        return []
    kind, spec, model, fields = asked.kind, asked.spec, asked.model, asked.paths
    model_path = fields["model"]
    caps = kind_capabilities(kind).get(model)
    if caps is None:
        other = spec.get("other-kinds", {}).get(model)
        if other is not None:
            serves = choices([user_kind(k) for k in other["kinds"]])
            return [
                RuleViolation(
                    "x-kling-models.kind",
                    f"{model} does not do {user_kind(kind)} (it does {serves})",
                    (model_path,),
                )
            ]
        _warn_once(kind, model)
        return []
    mode_path, duration_path, sound_path = (fields.get(k) for k in _CHOICES)
    mode, duration, sound = asked.mode, asked.duration, asked.sound
    found: list[RuleViolation] = []

    def refuse(rule: str, message: str, *paths: str | None) -> None:
        where = tuple(p for p in paths if p)
        found.append(RuleViolation(f"x-kling-models.{rule}", f"{model} {message}", where))

    if caps.modes is not None and mode is not MISSING and mode not in caps.modes:
        refuse("mode", f"takes mode {choices(caps.modes)} (got {mode})", mode_path)
    if caps.durations is not None and duration is not MISSING and duration not in caps.durations:
        refuse(
            "duration", f"takes duration {choices(caps.durations)} (got {duration})", duration_path
        )
    if caps.sound_modes is not None and sound == "on":
        if not caps.sound_modes:
            refuse("sound", "has no sound (got sound on)", sound_path)
        elif mode not in caps.sound_modes:
            where = choices(caps.sound_modes)
            refuse(
                "sound", f"has sound only in {where} mode (got mode {mode})", sound_path, mode_path
            )
    for name, feature in spec.get("features", {}).items():
        support = caps.features.get(name)
        if support is None or not _used(feature, body):
            continue
        label = feature.get("label", name)
        used_at = feature.get("count") or _first_path(feature.get("used", {})) or name
        if not support.supported:
            refuse(name, f"has no {label}", used_at)
            continue
        if support.modes is not None and mode not in support.modes:
            refuse(
                name,
                f"has {label} only in {choices(support.modes)} mode (got mode {mode})",
                used_at,
                mode_path,
            )
        if support.durations is not None and duration not in support.durations:
            refuse(
                name,
                f"has {label} only at duration {choices(support.durations)} (got {duration})",
                used_at,
                duration_path,
            )
        type_path = feature.get("type-path")
        chosen = lookup(body, type_path) if type_path else MISSING
        if support.types is not None and chosen is not MISSING and chosen not in support.types:
            refuse(
                name, f"has {label} only of type {choices(support.types)} (got {chosen})", type_path
            )
        if support.silent and sound == "on":
            refuse(name, f"has {label} only with sound off (got sound on)", used_at, sound_path)
    rules = capability_map()["kinds"][kind]["models"][model].get("x-kling-rules", ())
    return found + check_rules(rules, body)


def _first_path(predicate: Mapping[str, Any]) -> str | None:
    """The first field a feature's `used` predicate names, for `Problem.field`."""
    for key in ("present", "path"):
        if isinstance(predicate.get(key), str):
            return str(predicate[key])
    for sub in [*predicate.get("any", ()), *predicate.get("all", ())]:
        found = _first_path(sub)
        if found:
            return found
    return None

"""Variety: the fake's answers in every spelling the client's tolerant reader accepts.

A real gateway does not answer in the spec's one spelling: statuses come in capitals, fields the
spec does not name appear, an absent optional value arrives as `""` or `null`, numbers arrive as
text and text as numbers, header names in any case (`tests/corpus/`, G §4). With
`GatewayConfig(variety=SEED)` every answer (successes, errors, callbacks) is re-spelt by a
random generator seeded with `SEED` and the answer's sequence number: same seed, same requests,
same spellings.

What variety may send is bounded by what the reader accepts as meaning the same thing
(`haoee_kling.read._shapes`, `openapi/README.md` "Reading answers"); nothing here is set aside
by it:

- enum values in another case, or with spaces around (matched case-blind); a task's status
  in one such spelling for the whole life of the task;
- unknown fields in every object, the envelope included (passed through);
- for an optional property left out: `""` where the schema takes text (not an enum), `null`
  where it takes null;
- an integer as its digits (`"1722769557708"`), text that is a number as that number
  (`"5"` -> `5`, the way other gateways send Kling's string durations) when it reads back the
  same; the business `code` as text (`"0"`);
- header names in other cases.

Required values are never blanked, and values are never changed in meaning.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from .._spec import Operation, load_spec, resolve

__all__ = ["Variety"]

JSON = dict[str, Any]

_SHARE = 0.35
"""The chance each variation is made where it can be."""

_ENUM_SHARE = 0.5
"""The chance an enum value (a task's status) comes in another spelling: the one variation a
client that compares statuses exactly cannot survive, so it comes often."""

_UNKNOWN_VALUES: tuple[Any, ...] = ("extra", 7, 0.5, True, None, [1, "two"], {"nested": "x"})


def _spellings(text: str) -> tuple[str, ...]:
    return (text.upper(), text.capitalize(), text.swapcase(), f" {text} ")


class Variety:
    """Re-spells the answers of one fake gateway (see the module docstring).

    Args:
        seed: seeds the choices; each answer draws from its own generator, seeded with this
            and the answer's sequence number.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._count = itertools.count()
        self._lock = threading.Lock()

    def _rng(self) -> random.Random:
        with self._lock:
            return random.Random(f"{self.seed}:{next(self._count)}")

    def answer(self, op: Operation | None, envelope: JSON) -> JSON:
        """An answer's envelope re-spelt along its schema (the operation's 200, or the error
        envelope when `op` is None or the envelope is an error)."""
        rng = self._rng()
        if op is None or envelope.get("code") != 0:
            schema = load_spec()["components"]["schemas"]["ErrorEnvelope"]
        else:
            media = resolve(op.raw["responses"]["200"])["content"]["application/json"]
            schema = media["schema"]
        varied = _vary(envelope, schema, rng, self.seed)
        if rng.random() < _SHARE:
            varied["code"] = str(envelope["code"])
        return varied  # type: ignore[no-any-return]

    def task(self, data: JSON) -> JSON:
        """A task as a callback body carries it (schema `Task`), re-spelt."""
        schema = {"$ref": "#/components/schemas/Task"}
        return _vary(data, schema, self._rng(), self.seed)  # type: ignore[no-any-return]

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The same headers, each name in a case of its own."""
        rng = self._rng()
        return {_recase(name, rng): value for name, value in headers.items()}

    def recase(self, response: Response) -> None:
        """Re-case the header names of a response about to be sent (uvicorn and httpx's
        in-process transport pass names on in the case given)."""
        rng = self._rng()
        response.raw_headers = [
            (_recase(name.decode("latin-1"), rng).encode("latin-1"), value)
            for name, value in response.raw_headers
        ]


def _recase(name: str, rng: random.Random) -> str:
    return rng.choice((name.title(), name.upper(), name.lower()))


def _options(schema: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, bool]:
    """(the schema a value follows, whether null is allowed) for a possibly nullable schema."""
    schema = resolve(schema)
    choices = schema.get("oneOf") or schema.get("anyOf")
    if choices:
        resolved = [resolve(choice) for choice in choices]
        others = [choice for choice in resolved if choice.get("type") != "null"]
        nullable = len(others) < len(resolved)
        # Several non-null options: the value's own shape cannot be told apart here.
        return (others[0] if len(others) == 1 else None), nullable
    types = schema.get("type")
    nullable = isinstance(types, list) and "null" in types
    return schema, nullable


def _types(schema: Mapping[str, Any]) -> set[str]:
    raw = schema.get("type")
    return set(raw if isinstance(raw, list) else [raw] if raw else [])


def _vary(value: Any, schema: Mapping[str, Any] | None, rng: random.Random, seed: int) -> Any:
    if schema is None:
        return value
    inner, _ = _options(schema)
    if inner is None:
        return value
    if isinstance(value, dict):
        return _vary_object(value, inner, rng, seed)
    if isinstance(value, list):
        items = inner.get("items")
        return [_vary(item, items, rng, seed) for item in value]
    return _vary_scalar(value, inner, rng)


def _vary_object(value: JSON, schema: Mapping[str, Any], rng: random.Random, seed: int) -> JSON:
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    varied = {name: _vary(item, properties.get(name), rng, seed) for name, item in value.items()}
    status, task_id = value.get("task_status"), value.get("task_id")
    if isinstance(status, str) and task_id is not None:
        # A gateway that capitalises does so every time: one spelling per task, so a client
        # that compares statuses exactly waits for a `succeed` that never comes.
        spelling = random.Random(f"{seed}:status:{task_id}")
        varied["task_status"] = spelling.choice((status, *_spellings(status)))
    for name, sub in properties.items():
        if name in varied or name in required or rng.random() >= _SHARE:
            continue
        inner, nullable = _options(sub)
        text = inner is not None and "string" in _types(inner) and "enum" not in inner
        if nullable and (not text or rng.random() < 0.5):
            varied[name] = None
        elif text:
            varied[name] = ""
    if rng.random() < _SHARE:
        varied[f"fake_unknown_{rng.randrange(100)}"] = rng.choice(_UNKNOWN_VALUES)
    return varied


def _vary_scalar(value: Any, schema: Mapping[str, Any], rng: random.Random) -> Any:
    types = _types(schema)
    if isinstance(value, str) and "enum" in schema:
        return rng.choice(_spellings(value)) if rng.random() < _ENUM_SHARE else value
    if rng.random() >= _SHARE:
        return value
    if type(value) is int and "integer" in types:
        return str(value)
    if isinstance(value, str) and "string" in types:
        number = _as_number(value)
        if number is not None:
            return number
    return value


def _as_number(text: str) -> int | float | None:
    """The number `text` spells, when the reader's `str()` of it gives `text` back."""
    try:
        number: int | float = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) and str(number) == text else None

"""Reading answers: tolerant in what we read, never silent about what we could not read.

The live gateway may shape an answer differently from the spec: a field left out, a number sent
as a string, a status in capitals, a list where an object was expected. Every answer's `data`
passes through here before a model is built. The reader walks the value along its response
schema in the spec (`components/schemas/<name>`) and keeps what fits:

- only what a client cannot work without is required: the schema's `required` (for a task, its
  `task_id`) plus, on a get or list answer, the schema's `x-kling-query-required` (a task's
  `task_status`); without them the value is unreadable (`UnexpectedResponseError`, or a skipped
  list item);
- a value of the wrong type is set aside (left unset) and logged once as a warning; lossless
  conversions are made instead (a number where text is expected, digits where a number is);
- enum values match case-insensitively and come out in the spec's spelling (`SUCCEED` ->
  `succeed`); values the spec does not list pass through unchanged;
- fields the spec does not name pass through, reachable on the model's `additional_properties`;
- an unreadable item of a list is skipped and counted (`Page.skipped`), never sinking the page.

What comes out always fits the generated model, so building it cannot fail and no result is
ever left as a raw dict.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any, TypeVar, overload

from .._errors import UnexpectedResponseError
from ._results import Skipped
from ._shapes import Read, SetAside, Step, UnfitError, kind_of, shape_of, traced

__all__ = [
    "Read",
    "SetAside",
    "build_model",
    "read_items",
    "read_model",
    "read_one",
]

_log = logging.getLogger("haoee_kling")
_warned: set[str] = set()
_INDEX = re.compile(r"\[[0-9]+\]")
_EXCERPT = 200
_MAX_WARNED = 10_000
M = TypeVar("M")


def _warn(what: str, notes: list[SetAside]) -> None:
    for note in notes:
        key = f"{what}:{_INDEX.sub('[]', note.path)}:{note.problem}"
        if key in _warned:
            continue
        if len(_warned) >= _MAX_WARNED:  # a long-running process must not grow without bound
            _warned.clear()
        _warned.add(key)
        _log.warning("%s: could not read %s (%s); left unset", what, note.path, note.problem)


def _excerpt(data: Any) -> str:
    return str(data)[:_EXCERPT]


def read_one(
    schema_name: str,
    data: Any,
    *,
    what: str,
    query: bool = False,
    defaults: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Read one object of an answer.

    Args:
        schema_name: its schema in the spec's `components/schemas` (`Task`, ...).
        data: the answer's `data`, as JSON values.
        what: how to name it in messages (`text2video task 8422...`).
        query: it answers a get or list, so `x-kling-query-required` applies too.
        defaults: values for fields the answer left out that the caller already knows (the
            task id a get asked for).
        request_id: the answer's trace id, for the error.

    Returns:
        The value as JSON that fits the generated model; unknown fields kept.

    Raises:
        UnexpectedResponseError: the answer has no such object, or it lacks what is required.
    """
    value = _read(shape_of(schema_name, query).read, data, what, defaults, request_id, None)
    return traced(value, request_id)  # type: ignore[no-any-return]


def read_model(
    model: type[M],
    schema_name: str,
    data: Any,
    *,
    what: str,
    query: bool = False,
    defaults: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> M:
    """Read one object of an answer straight into its generated model, in one walk: what
    `build_model(model, read_one(...))` gives, at about half the cost (`make bench`).

    Args:
        model: the generated model of `schema_name` (`Task`, ...).
        schema_name, data, what, query, defaults, request_id: as `read_one`.

    Raises:
        UnexpectedResponseError: as `read_one`.
    """
    step = _builder(schema_name, query, model)  # type: ignore[arg-type]  # a class hashes
    built = _read(step, data, what, defaults, request_id, model)
    built.request_id = request_id
    return built  # type: ignore[no-any-return]


@functools.cache
def _builder(schema_name: str, query: bool, model: type) -> Step:
    return shape_of(schema_name, query).builder(model)


def _read(
    step: Step,
    data: Any,
    what: str,
    defaults: Mapping[str, Any] | None,
    request_id: str | None,
    model: type | None,
) -> Any:
    if data is None:
        raise UnexpectedResponseError(
            f"the answer for {what} said success (code 0) but carried no data",
            status_code=200,
            request_id=request_id,
        )
    if isinstance(data, dict) and defaults:
        missing = {k: v for k, v in defaults.items() if data.get(k) in (None, "")}
        if missing:  # copied only then: the caller's answer is never changed
            data = {**data, **missing}
    notes: list[SetAside] = []
    try:
        value = step(data, "", notes)
    except UnfitError as unfit:
        raise UnexpectedResponseError(
            f"could not read {what}: the answer's data {unfit}",
            status_code=200,
            request_id=request_id,
            body=_excerpt(data),
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if model is None:
            raise
        raise _unbuilt(model, what, exc, data) from exc
    if notes:
        _warn(what, notes)
    return value


def _unbuilt(model: type, what: str, exc: Exception, value: Any) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        f"could not build {model.__name__} for {what}: {type(exc).__name__}: {exc}",
        status_code=200,
        body=_excerpt(value),
    )


@overload
def read_items(
    schema_name: str, data: Any, *, what: str, query: bool = ..., request_id: str | None = ...
) -> tuple[list[dict[str, Any]], tuple[Skipped, ...]]: ...
@overload
def read_items(
    schema_name: str,
    data: Any,
    *,
    what: str,
    query: bool = ...,
    request_id: str | None = ...,
    model: type[M],
) -> tuple[list[M], tuple[Skipped, ...]]: ...
def read_items(
    schema_name: str,
    data: Any,
    *,
    what: str,
    query: bool = True,
    request_id: str | None = None,
    model: type | None = None,
) -> tuple[list[Any], tuple[Skipped, ...]]:
    """Read a list answer item by item: the readable ones, and what was skipped.

    Args:
        schema_name: the schema of one item (`Task`, `CustomElement`).
        data: the answer's `data`; it must be a list.
        what: how to name the list in messages (`text2video tasks`).
        query: items must also carry `x-kling-query-required` (a task's status).
        request_id: the answer's trace id, for the error.
        model: build each item into this generated model in the same walk (`read_model`).

    Returns:
        (the readable items as JSON, or as `model`s, the skipped ones).

    Raises:
        UnexpectedResponseError: `data` is not a list (the message names what it is).
    """
    if not isinstance(data, list):
        raise UnexpectedResponseError(
            f"could not read {what}: the answer's data is {kind_of(data)}, not a list",
            status_code=200,
            request_id=request_id,
            body=_excerpt(data),
        )
    shape = shape_of(schema_name, query)
    step = shape.read if model is None else shape.builder(model)
    items: list[Any] = []
    skipped: list[Skipped] = []
    for index, item in enumerate(data):
        notes: list[SetAside] = []
        try:
            items.append(traced(step(item, "", notes), request_id))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if model is None:
                raise
            raise _unbuilt(model, what, exc, item) from exc
        except UnfitError as unfit:
            task_id = item.get("task_id") if isinstance(item, dict) else None
            skipped.append(
                Skipped(
                    f"item {index} {unfit}",
                    index=index,
                    task_id=str(task_id) if task_id not in (None, "") else None,
                )
            )
            continue
        _warn(what, notes)
    if skipped:
        _log.warning(
            "%s: skipped %d of %d items that could not be read (first: %s)",
            what,
            len(skipped),
            len(data),
            skipped[0].reason,
        )
    return items, tuple(skipped)


def build_model(model: type[M], value: dict[str, Any], *, what: str) -> M:
    """Build a generated model from a value the reader produced, with its answer's trace id.

    Raises:
        UnexpectedResponseError: only if the reader and the generated model disagree, which
            the tests rule out; never a bare ValueError or KeyError.
    """
    try:
        built = model.from_dict(value)  # type: ignore[attr-defined]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _unbuilt(model, what, exc, value) from exc
    built.request_id = getattr(value, "request_id", None)
    return built  # type: ignore[no-any-return]

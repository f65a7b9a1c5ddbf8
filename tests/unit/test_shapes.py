"""Reading and building in one walk gives what reading and then `from_dict` give.

`read_model` (and `read_items(..., model=)`) build a generated model in the same walk that
reads the answer. These tests hold it to the two-walk way, `from_dict` of what `read_one`
read, on every answer in the spec's examples and on Hypothesis-mutated tasks: the same model
(fields, enum members, nested models, unknown keys), the same values set aside, the same
refusal when an answer is unreadable.
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from haoee_kling import UnexpectedResponseError
from haoee_kling._spec import load_spec
from haoee_kling.read._reader import build_model, read_items, read_model, read_one
from haoee_kling.read._shapes import SetAside, UnfitError, shape_of
from tests.hypothesis_profiles import examples
from tests.unit.test_odd_answers_properties import mutated_tasks


def _model(name: str) -> Any:
    from haoee_kling_api import models

    return getattr(models, name)


def _both_ways(schema: str, data: Any, query: bool) -> tuple[Any, Any]:
    """(result, set-aside notes) of the two-walk way and of the one walk; a refusal is
    ("refused", its message)."""
    shape = shape_of(schema, query)
    results = []
    for one_walk in (False, True):
        notes: list[SetAside] = []
        try:
            if one_walk:
                built = shape.builder(_model(schema))(copy.deepcopy(data), "", notes)
            else:
                built = _model(schema).from_dict(shape.read(copy.deepcopy(data), "", notes))
        except UnfitError as unfit:
            results.append((("refused", str(unfit)), notes))
            continue
        results.append((built, notes))
    return results[0], results[1]


def _typed(value: Any) -> Any:
    """A value with the type of everything in it spelt out: a `succeed` string and the
    `TaskStatus.SUCCEED` member are equal, but only one is what `from_dict` makes."""
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value).__name__, [(f.name, _typed(getattr(value, f.name))) for f in fields])
    if isinstance(value, list):
        return [_typed(item) for item in value]
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_typed(item) for item in value)
    return (type(value).__name__, value)


def _examples() -> list[tuple[str, str, Any]]:
    """(example name, schema, data) for every example whose data is a task or a list item."""
    found = []
    for name, example in load_spec()["components"]["examples"].items():
        value = example["value"]
        data = value.get("data") if isinstance(value, dict) else None
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and "task_id" in item:
                found.append((name, "Task", item))
            elif isinstance(item, dict) and "element_id" in item:
                found.append((name, "CustomElement", item))
    return found


@pytest.mark.parametrize(("name", "schema", "data"), _examples(), ids=lambda v: str(v)[:40])
@pytest.mark.parametrize("query", [False, True])
def test_every_spec_example_builds_the_same_model_in_one_walk(
    name: str, schema: str, data: Any, query: bool
) -> None:
    two_walks, one_walk = _both_ways(schema, data, query)
    assert _typed(one_walk) == _typed(two_walks)
    assert not isinstance(one_walk[0], tuple)  # the examples are readable


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(task=mutated_tasks())
def test_a_mutated_task_builds_the_same_model_sets_aside_the_same_values_or_is_refused_alike(
    task: dict[str, Any],
) -> None:
    for query in (False, True):
        two_walks, one_walk = _both_ways("Task", task, query)
        assert _typed(one_walk) == _typed(two_walks)
        built = one_walk[0]
        if not isinstance(built, tuple):
            # Nested objects are models too, not dicts (the equality above compares them).
            result = built.task_result
            assert result is None or not isinstance(result, dict)


def test_a_task_is_built_without_from_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    # The one walk is what is taken for tasks and their nested results: no model on the way
    # is built by its `from_dict`.
    task = copy.deepcopy(_examples()[0][2])
    for name in ("Task", "TaskInfo", "TaskResult", "VideoResult", "ImageResult"):
        monkeypatch.setattr(_model(name), "from_dict", classmethod(_refuse))
    built = read_model(_model("Task"), "Task", task, what="t", query=True, request_id="r-1")
    assert built.task_id == task["task_id"]
    assert built.request_id == "r-1"


def _refuse(cls: type, data: Any) -> Any:
    raise AssertionError(f"{cls.__name__}.from_dict was called")


def test_read_model_and_read_items_match_the_two_walk_functions() -> None:
    task = {"task_id": "7", "task_status": "SUCCEED", "extra": {"a": 1}, "created_at": "12"}
    built = read_model(_model("Task"), "Task", task, what="t", query=True, request_id="r")
    assert built == build_model(_model("Task"), read_one("Task", task, what="t"), what="t")
    assert built.request_id == "r"
    assert built["extra"] == {"a": 1}
    items, skipped = read_items(
        "Task", [task, {"task_status": "succeed"}], what="ts", request_id="r", model=_model("Task")
    )
    assert items == [built]
    assert [item.request_id for item in items] == ["r"]
    assert [s.index for s in skipped] == [1]


def test_an_unreadable_answer_is_refused_by_both_ways_with_the_same_message() -> None:
    for data, says in (([], "is a list, not an object"), ({"task_status": "x"}, "has no task_id")):
        with pytest.raises(UnexpectedResponseError, match=says):
            read_model(_model("Task"), "Task", data, what="t")
        with pytest.raises(UnexpectedResponseError, match=says):
            read_one("Task", data, what="t")

"""The tolerant reader: what an answer must hold, what it may get wrong, and what is reported."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from haoee_kling import UnexpectedResponseError
from haoee_kling._spec import load_spec
from haoee_kling.read import _reader
from haoee_kling.read._reader import build_model, read_items, read_one

TASK_ID = "842250903629086785"


def spec_examples() -> list[tuple[str, dict[str, Any]]]:
    """Every example in the spec whose `data` is a task, as (name, task)."""
    found = []
    for name, example in load_spec()["components"]["examples"].items():
        data = example["value"].get("data") if isinstance(example["value"], dict) else None
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and "task_id" in item:
                found.append((name, item))
    return found


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each warning is logged once per process; every test here starts with none logged."""
    monkeypatch.setattr(_reader, "_warned", set())


@pytest.mark.parametrize(("name", "task"), spec_examples(), ids=lambda v: str(v)[:30])
def test_every_spec_example_reads_unchanged_and_without_warnings(
    name: str, task: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    assert read_one("Task", copy.deepcopy(task), what=name, query=True) == task
    assert caplog.text == ""


def test_spec_examples_cover_every_kind_of_result() -> None:
    results = {key for _, t in spec_examples() for key in (t.get("task_result") or {})}
    assert results >= {"videos", "images", "audios", "elements"}


def test_only_the_task_id_is_needed_and_a_query_also_needs_the_status() -> None:
    assert read_one("Task", {"task_id": "1"}, what="t") == {"task_id": "1"}
    with pytest.raises(UnexpectedResponseError, match="has no task_status"):
        read_one("Task", {"task_id": "1"}, what="t", query=True)
    with pytest.raises(UnexpectedResponseError, match="has no task_id"):
        read_one("Task", {"task_status": "succeed", "task_id": ""}, what="t")


def test_the_id_asked_for_fills_in_a_missing_one_but_never_replaces_one_given() -> None:
    given = {"task_status": "processing"}
    assert read_one("Task", given, what="t", defaults={"task_id": "7"})["task_id"] == "7"
    answer = {"task_id": "8", "task_status": "processing"}
    assert read_one("Task", answer, what="t", defaults={"task_id": "7"})["task_id"] == "8"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (None, "carried no data"),
        ([], "is a list, not an object"),
        ("succeed", "is text, not an object"),
        ({"task_id": {"id": 1}}, "has no task_id"),
    ],
)
def test_an_answer_without_a_readable_task_says_what_it_was(data: Any, says: str) -> None:
    with pytest.raises(UnexpectedResponseError, match=says):
        read_one("Task", data, what="t")


@pytest.mark.parametrize(
    ("field", "sent", "read"),
    [
        ("task_id", 842250903629086785, TASK_ID),
        ("created_at", "1722769557708", 1722769557708),
        ("created_at", 1722769557708.0, 1722769557708),
        ("final_unit_deduction", 0.05, "0.05"),
        ("task_status", "SUCCEED", "succeed"),
        ("task_status", " Processing", "processing"),
        ("task_status", "queued_for_gpu", "queued_for_gpu"),
    ],
)
def test_lossless_conversions_are_made_and_statuses_are_spelt_as_kling_does(
    field: str, sent: Any, read: Any
) -> None:
    task = {"task_id": TASK_ID, "task_status": "submitted", field: sent}
    assert read_one("Task", task, what="t")[field] == read


@pytest.mark.parametrize(
    ("task", "path"),
    [
        ({"created_at": "yesterday"}, "created_at"),
        ({"task_info": "x"}, "task_info"),
        ({"task_result": {"videos": {"url": "u"}}}, "task_result.videos"),
        ({"task_result": {"videos": [{"url": ["u"]}]}}, "task_result.videos[0].url"),
        ({"task_result": {"images": [7]}}, "task_result.images[0]"),
        ({"watermark_info": {"enabled": "maybe"}}, "watermark_info.enabled"),
    ],
)
def test_a_value_of_the_wrong_type_is_set_aside_and_logged_once(
    task: dict[str, Any], path: str, caplog: pytest.LogCaptureFixture
) -> None:
    task = {"task_id": "1", "task_status": "succeed", **task}
    with caplog.at_level(logging.WARNING, logger="haoee_kling"):
        first = read_one("Task", task, what="task 1")
        read_one("Task", task, what="task 1")
    assert caplog.text.count(f"could not read {path} ") == 1
    model = build_model(_task_model(), first, what="task 1")
    assert model.task_id == "1"


def test_unknown_fields_pass_through_at_every_depth() -> None:
    task = {
        "task_id": "1",
        "task_status": "succeed",
        "vendor": {"region": "sg"},
        "task_result": {"videos": [{"url": "u", "fps": 24}], "thumbnails": ["t"]},
    }
    model = build_model(_task_model(), read_one("Task", task, what="t"), what="t")
    assert model["vendor"] == {"region": "sg"}
    assert model.task_result.videos[0]["fps"] == 24
    assert model.task_result["thumbnails"] == ["t"]


def test_a_list_keeps_the_readable_items_and_counts_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = [
        {"task_id": "1", "task_status": "succeed"},
        {"task_id": "2"},
        None,
        {"task_id": 3, "task_status": "FAILED"},
    ]
    items, skipped = read_items("Task", data, what="tasks")
    assert [(i["task_id"], i["task_status"]) for i in items] == [("1", "succeed"), ("3", "failed")]
    assert [(s.index, s.task_id) for s in skipped] == [(1, "2"), (2, None)]
    assert "skipped 2 of 4 items" in caplog.text


def test_a_list_answer_that_is_not_a_list_names_what_it_is() -> None:
    with pytest.raises(UnexpectedResponseError, match="data is an object, not a list"):
        read_items("Task", {"task_id": "1"}, what="tasks")


def test_the_other_answers_need_only_their_ids() -> None:
    assert read_one("CustomElement", {"element_id": "12"}, what="e") == {"element_id": 12}
    assert read_one("IdentifyFaceResult", {"session_id": "s"}, what="f") == {"session_id": "s"}
    items, skipped = read_items(
        "FaceData", [{"face_id": "0"}, {"start_time": 1}], what="faces", query=False
    )
    assert (len(items), len(skipped)) == (1, 1)


def test_a_model_that_cannot_be_built_is_an_unexpected_response_not_a_crash() -> None:
    with pytest.raises(UnexpectedResponseError, match="could not build Task"):
        build_model(_task_model(), {"task_result": {"videos": "not read first"}}, what="t")


def _task_model() -> Any:
    from haoee_kling_api.models import Task

    return Task

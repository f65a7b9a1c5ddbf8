"""Jobs files: read and checked whole, every problem with its file and line, before any send."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from haoee_kling.batch._jobs import BatchError, InvalidJobsError, read_jobs


def jsonl(tmp_path: Path, *jobs: Any, name: str = "jobs.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((j if isinstance(j, str) else json.dumps(j)) + "\n" for j in jobs))
    return path


def test_a_valid_jsonl_file_gives_jobs_with_ids_outputs_and_a_fingerprint(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {"kind": "text2video", "id": "fox", "output": "fox-final", "prompt": "a fox"},
        "",
        {"kind": "text-to-audio", "prompt": "rain", "duration": 5},
    )
    read = read_jobs(path)
    assert read.path == path.absolute()
    assert read.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(j.id, j.line, j.kind, j.output) for j in read.jobs] == [
        ("fox", 1, "text2video", "fox-final"),
        ("line-3", 3, "text_to_audio", "line-3"),
    ]
    assert read.jobs[0].fields == {"prompt": "a fox"}
    assert read.skipped == ()


def test_namespace_names_are_kinds_too(tmp_path: Path) -> None:
    read = read_jobs(jsonl(tmp_path, {"kind": "text_to_audio", "prompt": "rain", "duration": 4}))
    assert read.jobs[0].kind == "text_to_audio"


def test_every_problem_is_reported_at_once_with_its_line_and_nothing_is_kept(
    tmp_path: Path,
) -> None:
    path = jsonl(
        tmp_path,
        {"kind": "text2video", "id": "a", "prompt": "ok"},
        "{not json",
        "[1, 2]",
        {"kind": "text2vidoe", "prompt": "x"},
        {"prompt": "no kind"},
        {"kind": "text2video", "id": "a", "prompt": "duplicate id"},
        {"kind": "text2video", "id": "b", "output": "../escape", "prompt": "x"},
        {"kind": "text2video", "id": "c", "promt": "typo"},
        {"kind": "text2video", "id": "d", "prompt": "x", "external_task_id": "mine"},
        {"kind": "text_to_audio", "id": "e", "prompt": "rain", "duration": 99},
        {"kind": "text2video", "id": "f", "output": "a", "prompt": "duplicate output"},
    )
    with pytest.raises(InvalidJobsError) as caught:
        read_jobs(path)
    problems = caught.value.problems
    text = "\n".join(problems)
    assert "jobs.jsonl:2: not valid JSON" in text
    assert "jobs.jsonl:3: a job must be a JSON object (got list)" in text
    assert "jobs.jsonl:4: kind: must be a task kind" in text
    assert "got 'text2vidoe'" in text
    assert "jobs.jsonl:5: kind: must be a task kind" in text
    assert "got missing" in text
    assert "jobs.jsonl:6: id: 'a' is already used on line 1" in text
    assert "jobs.jsonl:7: output: must be 1-64 letters" in text
    assert "jobs.jsonl:8: promt: is not a field of text2video.create (did you mean prompt?)" in text
    assert "jobs.jsonl:9: external_task_id: the batch sets it" in text
    assert any(p.startswith("jobs.jsonl:10: duration") for p in problems)
    assert "jobs.jsonl:11: output: 'a' is already used on line 1" in text
    assert "jobs.jsonl:8: prompt is required" in text  # the typo leaves it missing
    assert len(problems) == 11
    assert "nothing was sent" in str(caught.value)
    assert "--skip-invalid" in str(caught.value)


def test_skip_invalid_keeps_the_valid_jobs_and_lists_what_it_skipped(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {"kind": "text2video", "prompt": "a fox"},
        {"kind": "text2video", "promt": "typo"},
    )
    read = read_jobs(path, skip_invalid=True)
    assert [j.id for j in read.jobs] == ["line-1"]
    assert read.skipped[0] == (
        "jobs.jsonl:2: promt: is not a field of text2video.create (did you mean prompt?)"
    )
    assert all(problem.startswith("jobs.jsonl:2: ") for problem in read.skipped)


def test_a_file_with_no_valid_job_is_refused_even_when_skipping(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match=r"holds no job to run \(1 invalid, skipped\)"):
        read_jobs(jsonl(tmp_path, {"kind": "nope"}), skip_invalid=True)
    with pytest.raises(BatchError, match=r"holds no job to run$"):
        read_jobs(jsonl(tmp_path, "", name="empty.jsonl"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "does not exist"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00bad") and p, "is not UTF-8 text"),
        (lambda p: p.mkdir() or p, "cannot read jobs file"),
    ],
    ids=["missing", "not-utf8", "a-folder"],
)
def test_an_unusable_jobs_file_is_a_clear_error(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / "jobs.jsonl"
    make(path)
    with pytest.raises(BatchError, match=message) as caught:
        read_jobs(path)
    assert str(path) in str(caught.value)


def test_csv_cells_are_typed_by_the_spec_and_empty_cells_are_not_given(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text(
        "kind,id,prompt,duration,cfg_scale,negative_prompt\n"
        "text2video,fox,a fox,5,0.5,\n"
        "text_to_audio,rain,rain on a roof,4.5,,\n"
        ",,,,,\n"
    )
    read = read_jobs(path)
    fox, rain = read.jobs
    assert fox.fields == {"prompt": "a fox", "duration": "5", "cfg_scale": 0.5}
    assert (fox.line, rain.line) == (2, 3)
    assert rain.fields == {"prompt": "rain on a roof", "duration": 4.5}


def test_a_csv_cell_that_is_not_the_fields_type_names_the_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text("kind,prompt,cfg_scale\ntext2video,a fox,high\n\n")
    with pytest.raises(InvalidJobsError) as caught:
        read_jobs(path)
    assert caught.value.problems[0] == "jobs.csv:2: cfg_scale: must be number (got 'high')"


def test_each_job_has_a_key_that_outlives_edits(tmp_path: Path) -> None:
    same = {"kind": "text2video", "prompt": "a fox"}
    read = read_jobs(jsonl(tmp_path, {**same, "id": "fox"}, same, same))
    named, first, second = read.jobs
    assert named.key == "id:fox"
    assert named.given_id
    assert not first.given_id
    assert first.key == f"sha256:{first.fingerprint}"
    assert second.key == f"{first.key}#2"  # identical id-less jobs stay apart
    assert named.fingerprint == first.fingerprint  # the same request, whatever its id


def test_ids_in_any_script_work_and_a_bad_id_is_reported_once(tmp_path: Path) -> None:
    read = read_jobs(jsonl(tmp_path, {"kind": "text2video", "id": "雪狐", "prompt": "x"}))
    assert (read.jobs[0].id, read.jobs[0].output) == ("雪狐", "雪狐")
    with pytest.raises(InvalidJobsError) as caught:
        read_jobs(jsonl(tmp_path, {"kind": "text2video", "id": "雪/狐", "prompt": "x"}))
    assert [p.split(": ")[1] for p in caught.value.problems] == ["id"]


def test_a_csv_record_over_several_lines_is_reported_where_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text(
        'kind,prompt,cfg_scale\n\ntext2video,"a fox\nin the\nsnow",0.5\ntext2video,"x\ny",high\n'
    )
    with pytest.raises(InvalidJobsError) as caught:
        read_jobs(path)
    assert caught.value.problems[0].startswith("jobs.csv:6: cfg_scale")
    assert read_jobs(path, skip_invalid=True).jobs[0].line == 3

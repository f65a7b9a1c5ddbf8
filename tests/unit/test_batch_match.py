"""Matching a ledger's rows with an edited jobs file: what is new, kept, held or dropped."""

from __future__ import annotations

from dataclasses import dataclass

from haoee_kling.batch._jobs import Job, fingerprint
from haoee_kling.batch._match import match


@dataclass(frozen=True)
class Row:
    key: str
    id: str
    state: str
    fingerprint: str | None


def job(prompt: str, line: int, ident: str | None = None) -> Job:
    fields = {"prompt": prompt}
    fp = fingerprint("text2video", fields)
    key = f"id:{ident}" if ident else f"sha256:{fp}"
    name = ident or f"line-{line}"
    return Job(name, line, "text2video", fields, name, key, fp)


def row(of: Job, state: str = "downloaded") -> Row:
    return Row(of.key, of.id, state, of.fingerprint)


def test_jobs_are_matched_by_key_and_new_ones_are_added() -> None:
    fox, owl = job("a fox", 1, "fox"), job("an owl", 2)
    found = match([row(fox)], [fox, owl], {})
    assert list(found.claimed) == [fox.key]
    assert found.new == [owl]
    assert (found.dropped, found.absent, found.changed, found.rekeyed) == ([], [], [], {})


def test_a_job_changed_after_it_was_sent_is_held_with_its_task() -> None:
    sent = job("a fox", 1, "fox")
    edited = job("a red fox", 1, "fox")
    found = match([row(sent)], [edited], {sent.key: "T1"})
    [changed] = found.changed
    assert (changed.job, changed.row_key, changed.task_id) == (edited, sent.key, "T1")
    assert found.new == []
    # Never sent: no task to keep, so the job is simply sent as it is now.
    assert match([row(sent, "pending")], [edited], {}).changed == []


def test_an_id_less_line_edited_in_place_is_held_but_a_moved_one_is_found() -> None:
    sent = job("a fox", 1)
    assert [c.job.id for c in match([row(sent)], [job("a fox!", 1)], {}).changed] == ["line-1"]
    moved = job("a fox", 2)
    found = match([row(sent)], [job("a cat", 1), moved], {})
    assert found.changed == []
    assert [j.id for j in found.new] == ["line-1"]
    assert found.claimed == {sent.key: moved}


def test_a_sent_job_given_an_id_keeps_its_task() -> None:
    sent = job("a fox", 1)
    named = job("a fox", 1, "fox")
    found = match([row(sent)], [named], {})
    assert found.rekeyed == {sent.key: named.key}
    assert found.new == []


def test_jobs_taken_out_are_kept_when_sent_and_dropped_when_not() -> None:
    sent, unsent = job("a fox", 1, "fox"), job("an owl", 2, "owl")
    found = match([row(sent), row(unsent, "pending")], [], {})
    assert (found.absent, found.dropped) == ([sent.key], [unsent.key])

"""Jobs files for `kling batch`: read and checked whole, before anything is sent.

A jobs file is JSON Lines (one object a line: `kind`, the create's fields, and optionally `id`
and `output`) or CSV (`.csv`: a header of `kind`, `id`, `output` and field names; a cell is read
as JSON where the spec's field is not a string, and an empty cell means "not given"). Every job
is checked against the spec with the same code a single create uses, so a job that would be
refused is found here, with its line number, not after half the batch was billed.

Each job has a key that outlives edits of the file: its `id` when it gives one, else a digest of
what it asks for (kind and fields). The ledger matches jobs by key, so a fixed or appended line
is a new job and a job already sent keeps its task; its fingerprint (the same digest) tells a
job whose fields changed after it was sent.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .._errors import InvalidRequestError, KlingError
from .._kind_names import UnknownKindError, kind_hint, kind_names, namespace_of, spec_kind
from .._spec import operation, resolve
from ..check._inputs import prepare_body
from ..http._sender import kind_operations

__all__ = [
    "BatchError",
    "InvalidJobsError",
    "Job",
    "JobsFile",
    "fingerprint",
    "read_jobs",
]

_RESERVED = ("kind", "id", "output")
# Letters and digits of any script (`雪狐` is a fine file name), `.`, `_`, `-`; never a path.
_NAME = re.compile(r"^[^\W_][\w.-]{0,63}$")


class BatchError(KlingError):
    """A batch cannot go on: its jobs file, its ledger or its output folder is unusable.

    The message names the file and what to do; `task_id` is set when a created task's id
    could not be recorded (so it is never lost). `during_run` is False when nothing was sent
    (the jobs file, the ledger or the folder was refused up front), True when the run had
    started (a ledger or output write failed; a rerun resumes).
    """

    during_run: bool = False


class InvalidJobsError(BatchError):
    """Some jobs are invalid; nothing was sent.

    Attributes:
        problems: one line per problem, each `FILE:LINE: field: what is wrong`.
    """

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in {path}; nothing was sent "
            f"(fix them, or skip those jobs with --skip-invalid):\n{lines}"
        )


@dataclass(frozen=True)
class Job:
    """One job of a jobs file.

    Attributes:
        id: the job's id (given, or `line-<N>`); unique in the file.
        line: the line of the file it was read from (1-based).
        kind: the task kind (`text2video`).
        fields: the create's fields, as written (media paths not yet encoded).
        output: the stem of its files in the output folder (given, or the id).
        key: what the ledger knows it by: `id:<id>` when the job gives an id, else
            `sha256:<fingerprint>` (with `#<n>` for the n-th identical job).
        fingerprint: sha256 of the kind and fields, to tell a job changed after it was sent.
    """

    id: str
    line: int
    kind: str
    fields: Mapping[str, Any]
    output: str
    key: str = ""
    fingerprint: str = ""

    @property
    def given_id(self) -> bool:
        """Whether the file gives this job its id (else it is `line-<N>`)."""
        return self.key.startswith("id:")


def fingerprint(kind: str, fields: Mapping[str, Any]) -> str:
    """The digest of what a job asks for: its kind and fields, in a canonical JSON form."""
    text = json.dumps({"kind": kind, "fields": fields}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class JobsFile:
    """A jobs file read whole.

    Attributes:
        path: the file, absolute.
        sha256: the fingerprint of its bytes.
        jobs: the valid jobs, in file order.
        skipped: one line per problem of the jobs left out (with `skip_invalid`).
    """

    path: Path
    sha256: str
    jobs: tuple[Job, ...]
    skipped: tuple[str, ...] = field(default=())


def _rows(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """(line, raw job) for every job of the file; a JSON line that does not parse is a str."""
    if path.suffix.lower() == ".csv":
        lines = text.splitlines()
        reader = csv.DictReader(io.StringIO(text))
        ended = 1  # the header's last line (a record may span lines: it starts after this)
        for row in reader:
            start = ended + 1
            while start < reader.line_num and not lines[start - 1].strip():
                start += 1  # blank lines before the record are not its start
            ended = reader.line_num
            cells = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
            if cells:
                yield start, cells
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"


def _typed(kind: str, cells: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A CSV row's cells as field values: JSON where the spec's field is not a string."""
    schema = operation(kind_operations()[kind]["create"]).body_schema or {}
    properties = resolve(schema).get("properties", {})
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, cell in cells.items():
        declared = resolve(properties.get(name, {})).get("type", "string")
        if name in _RESERVED or declared == "string" or "string" in declared:
            values[name] = cell
            continue
        try:
            values[name] = json.loads(cell)
        except json.JSONDecodeError:
            problems.append(f"{name}: must be {declared} (got {cell!r:.40})")
    return values, problems


def _check(line: int, raw: Any, csv_file: bool) -> tuple[Job | None, list[str]]:
    """One job, or the problems that make it invalid (each without the file and line)."""
    if isinstance(raw, str):
        return None, [raw]
    if not isinstance(raw, dict):
        return None, [f"a job must be a JSON object (got {type(raw).__name__})"]
    name = raw.get("kind")
    try:
        kind = spec_kind(name) if isinstance(name, str) else None
    except UnknownKindError:
        kind = None
    if kind is None:
        got = "missing" if name is None else f"{name!r}"
        hint = kind_hint(name) if isinstance(name, str) else f" ({', '.join(kind_names())})"
        return None, [f"kind: must be a task kind; got {got}{hint}"]
    problems: list[str] = []
    if csv_file:
        raw, problems = _typed(kind, raw)
    job_id = raw.get("id", f"line-{line}")
    output = raw.get("output", job_id)
    named = (("id", job_id), ("output", output)) if "output" in raw else (("id", job_id),)
    for key, value in named:  # an output the user did not write is never reported
        if not isinstance(value, str) or not _NAME.match(value):
            problems.append(
                f"{key}: must be 1-64 letters (any script), digits, '.', '_' or '-', starting "
                f"with a letter or digit (got {value!r:.40})"
            )
    if "external_task_id" in raw:
        problems.append("external_task_id: the batch sets it (the ledger keeps one per job)")
    fields = {k: v for k, v in raw.items() if k not in (*_RESERVED, "external_task_id")}
    try:
        prepare_body(kind_operations()[kind]["create"], fields, call=f"{namespace_of(kind)}.create")
    except InvalidRequestError as invalid:
        problems += [p.message for p in invalid.problems]
    if problems:
        return None, problems
    key = f"id:{job_id}" if "id" in raw else ""  # id-less: keyed by content in `read_jobs`
    return Job(str(job_id), line, kind, fields, str(output), key, fingerprint(kind, fields)), []


def _content_keyed(job: Job, earlier: list[Job]) -> Job:
    """An id-less job keyed by its fingerprint; the n-th identical one gets `#<n>`."""
    key = f"sha256:{job.fingerprint}"
    same = sum(1 for other in earlier if other.key.split("#")[0] == key)
    return replace(job, key=f"{key}#{same + 1}" if same else key)


def read_jobs(path: str | Path, *, skip_invalid: bool = False) -> JobsFile:
    """Read and check a whole jobs file.

    Args:
        path: a `.jsonl` (or any other name: JSON Lines) or `.csv` file.
        skip_invalid: leave invalid jobs out (listed in `skipped`) instead of refusing the file.

    Returns:
        The jobs file, its fingerprint and its valid jobs.

    Raises:
        BatchError: the file is missing, unreadable, not UTF-8, or holds no job.
        InvalidJobsError: some jobs are invalid (and `skip_invalid` is False); every problem
            is listed as `FILE:LINE: field: what is wrong`.
    """
    where = Path(path).expanduser().absolute()
    try:
        data = where.read_bytes()
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise BatchError(f"jobs file {where} does not exist") from None
    except UnicodeDecodeError as exc:
        raise BatchError(f"jobs file {where} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise BatchError(f"cannot read jobs file {where}: {exc.strerror or exc}") from None
    jobs: list[Job] = []
    problems: list[str] = []
    ids: dict[str, int] = {}
    outputs: dict[str, int] = {}
    for line, raw in _rows(where, text):
        job, found = _check(line, raw, where.suffix.lower() == ".csv")
        if job is not None:
            for key, seen in (("id", ids), ("output", outputs)):
                value = getattr(job, key)
                if value in seen and not found:  # an output named after a repeated id: once
                    found.append(f"{key}: {value!r} is already used on line {seen[value]}")
            if not found:
                ids[job.id], outputs[job.output] = line, line
                jobs.append(job if job.key else _content_keyed(job, jobs))
        problems += [f"{where.name}:{line}: {problem}" for problem in found]
    if problems and not skip_invalid:
        raise InvalidJobsError(where, problems)
    if not jobs:
        why = f" ({len(problems)} invalid, skipped)" if problems else ""
        raise BatchError(f"jobs file {where} holds no job to run{why}")
    return JobsFile(where, hashlib.sha256(data).hexdigest(), tuple(jobs), tuple(problems))

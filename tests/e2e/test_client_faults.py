"""The fault matrix: hundreds of jobs through injected faults; nothing billed twice or lost.

Each job creates a task with its own external id, waits for it and downloads its files while
the fake gateway misbehaves: errors, dropped connections after the create was carried out,
HTML pages, broken JSON, truncated downloads. Every fault is transient, so every job must
finish; afterwards the gateway's store shows whether any task was created twice.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from haoee_kling import AsyncKling, Kling, KlingError
from haoee_kling.testing import (
    FakeGateway,
    Fault,
    dropped_connection,
    html_error_page,
    http_error,
    malformed_json,
    request_examples,
    truncated_body,
)
from tests.unit.conftest import run
from tests.unit.gateway_clients import make_client

pytestmark = pytest.mark.unmeasured(
    "tests/unit (test_retries, test_submit, test_translate) measure the paths its fault "
    "matrix repeats"
)

MAX_RETRIES = 2
KINDS = {
    "text2video": "createText2Video",
    "image_expand": "createImageExpand",
    "text_to_audio": "createTextToAudio",
}
GETS = {
    "text2video": "getText2Video",
    "image_expand": "getImageExpand",
    "text_to_audio": "getTextToAudio",
}
LISTS = {
    "text2video": "listText2Video",
    "image_expand": "listImageExpand",
    "text_to_audio": "listTextToAudio",
}


def menu(kind: str) -> list[Fault]:
    create, get, lister = KINDS[kind], GETS[kind], LISTS[kind]
    return [
        http_error(500, match=create),
        http_error(503, match=create, retry_after=1),
        http_error(429, match=create),
        http_error(429, match=create, code=1303, retry_after=2),
        http_error(504, match=create),
        dropped_connection(match=create),
        html_error_page(502, match=create),
        malformed_json(match=create),
        dropped_connection(match=get),
        http_error(500, match=get),
        html_error_page(match=get),
        malformed_json(match=get),
        http_error(429, match=get, retry_after=3),
        dropped_connection(match=lister),
        truncated_body(),
    ]


@dataclass
class Tally:
    jobs: int = 0
    finished: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    returned: dict[str, str] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    unnamed: int = 0


def body_for(kind: str) -> dict[str, Any]:
    body = dict(next(iter(request_examples(KINDS[kind]).values())))
    body.pop("external_task_id", None)
    return body


async def run_job(
    kling: Kling | AsyncKling,
    gateway: FakeGateway,
    rng: random.Random,
    number: int,
    tally: Tally,
    folder: Path,
) -> None:
    kind = rng.choice(sorted(KINDS))
    chosen = rng.sample(menu(kind), k=rng.randint(1, 3))
    # Three failed creates in a row exceed max_retries=2 by design: keep within the budget.
    while sum(f.match == KINDS[kind] for f in chosen) > MAX_RETRIES:
        chosen.pop(next(i for i, f in enumerate(chosen) if f.match == KINDS[kind]))
    gateway.faults.clear()
    gateway.faults.add(*chosen)
    tally.faults.update(f"{f.kind}:{f.match}" for f in chosen)
    external = f"job-{number}"
    tally.jobs += 1
    try:
        task = await run(
            getattr(kling, kind).create_and_wait(**body_for(kind), external_task_id=external)
        )
        tally.returned[external] = task.task_id
        await run(kling.download(task, folder / external))
        tally.finished += 1
    except KlingError as error:
        tally.errors[type(error).__name__] += 1
        tally.details.append(f"{external}: {[f'{f.kind}:{f.match}' for f in chosen]}: {error}")
        if not (error.task_id or error.external_task_id):
            tally.unnamed += 1
        if error.task_id:
            tally.returned[external] = error.task_id


@pytest.mark.slow
@pytest.mark.parametrize(("flavor", "jobs"), [("async", 160), ("sync", 60)])
async def test_fault_matrix_no_duplicates_no_lost_ids_every_transient_job_finishes(
    flavor: str, jobs: int, tmp_path: Path, variety: int | None
) -> None:
    gateway = FakeGateway(concurrency={}, variety=variety)
    kling = make_client(flavor, gateway)
    rng, tally = random.Random(2026), Tally()
    for number in range(jobs):
        await run_job(kling, gateway, rng, number, tally, tmp_path)
    await run(kling.close())
    by_external = Counter(t.external_task_id for t in gateway.tasks())
    duplicates = sum(count - 1 for count in by_external.values() if count > 1)
    strangers = [e for e in by_external if not str(e).startswith("job-")]
    lost = [e for e in by_external if str(e).startswith("job-") and e not in tally.returned]
    wrong = [
        e for e, task_id in tally.returned.items() if gateway.task(task_id).external_task_id != e
    ]
    print(  # noqa: T201 - the counts the matrix exists to measure (visible with -s)
        f"\n{flavor}: {tally.jobs} jobs, {sum(tally.faults.values())} faults injected, "
        f"{tally.finished} finished, {len(gateway.tasks())} tasks created, "
        f"{duplicates} duplicates, {len(lost)} lost ids, errors {dict(tally.errors)}"
    )
    assert duplicates == 0
    assert tally.unnamed == 0
    assert not strangers
    assert not lost
    assert not wrong
    assert tally.finished == tally.jobs, "\n".join(tally.details)

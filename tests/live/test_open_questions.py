"""Free live checks that answer the open questions of haoee-gateway.md §5.

Each test reports what the gateway answered (``observe``: shown in the run's summary section
"haoee gateway: what the live checks saw", at once under ``-s``, and in JUnit properties) before
it asserts anything, so a run answers the question even when the answer contradicts the spec.
Empty balance (q1) needs a create and is in test_billed.py; whether multi-image -> video is
served at Kling's path (q7) is answered by test_free.py's ``listMultiImage2Video`` case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.live import gateway
from tests.live.spec_check import assert_conforms, violations

pytestmark = pytest.mark.live

LIST = "/v1/videos/text2video"
OMNI = "/v1/videos/omni-video"
PLUGIN_OMNI = "/v1/images/omni-image"
MODEL_NAMES = ("kling-v2-6", "kling-video-v2-6", "kling-v1", "no-such-model-zz9")
MILLISECONDS_SINCE = 10**12  # 2001-09-09 in ms; Unix seconds stay below it until year 33658


def _listed_tasks(http: httpx.Client, target: gateway.Target) -> list[dict[str, Any]]:
    """A few tasks of every kind, each list answer checked against the spec."""
    tasks: list[dict[str, Any]] = []
    for listing in gateway.listings():
        if listing.get_id is None:
            continue
        page = http.get(listing.path, params=gateway.page(5), headers=target.headers(listing.path))
        assert_conforms(page)
        tasks += [{**task, "_path": listing.path} for task in page.json().get("data") or []]
    return tasks


def test_q1_q3_model_name_header(
    http: httpx.Client, target: gateway.Target, observe: Callable[[str], None]
) -> None:
    """Which ModelName values a free list call accepts, and what a missing one does."""
    answers: dict[str, httpx.Response] = {}
    for value in MODEL_NAMES:
        answers[value] = http.get(LIST, params=gateway.page(1), headers={"ModelName": value})
    answers["(no ModelName header)"] = http.get(LIST, params=gateway.page(1))
    for value, answer in answers.items():
        observe(f"ModelName {value}: {gateway.describe(answer)}")
    for answer in answers.values():
        assert_conforms(answer)


def test_q2_omni_query_paths(
    http: httpx.Client, target: gateway.Target, observe: Callable[[str], None]
) -> None:
    """Does the documented omni query path work, and does the plugin's omni-image path?"""
    page = http.get(OMNI, params=gateway.page(1), headers=target.headers(OMNI))
    assert_conforms(page)
    ids = gateway.task_ids(page) if page.status_code == 200 else []
    task_id = ids[0] if ids else "100000000000000001"
    origin = "a listed omni task" if ids else "an id that does not exist (no omni tasks listed)"
    documented = http.get(f"{OMNI}/{task_id}", headers=target.headers(OMNI))
    plugin = http.get(f"{PLUGIN_OMNI}/{task_id}", headers=target.headers(OMNI))
    observe(f"omni list: {gateway.describe(page)}")
    observe(f"{OMNI}/{{id}} with {origin}: {gateway.describe(documented)}")
    plugin_findings = violations(plugin, operation_id="getOmniVideo")
    observe(
        f"{PLUGIN_OMNI}/{{id}} with {origin}: {gateway.describe(plugin)}; judged as getOmniVideo: "
        + ("conforms" if not plugin_findings else "; ".join(map(str, plugin_findings)))
    )
    assert_conforms(documented)
    if ids:
        assert documented.status_code == 200, gateway.describe(documented)


def test_q5_task_ids_are_not_rewritten(
    http: httpx.Client, target: gateway.Target, observe: Callable[[str], None]
) -> None:
    """Task ids look like Kling's and read back unchanged; external ids as lookup keys."""
    tasks = _listed_tasks(http, target)
    ids = [str(task["task_id"]) for task in tasks]
    shapes = sorted({"digits" if i.isdigit() else re.sub(r"[0-9]", "9", i)[:12] for i in ids})
    lengths = sorted({len(i) for i in ids})
    observe(f"{len(ids)} task id(s) listed; shapes {shapes}; lengths {lengths}")
    external = [task for task in tasks if (task.get("task_info") or {}).get("external_task_id")]
    if external:
        task = external[0]
        by_external = http.get(
            f"{task['_path']}/{task['task_info']['external_task_id']}",
            headers=target.headers(task["_path"]),
        )
        same = by_external.status_code == 200 and by_external.json()["data"]["task_id"] == str(
            task["task_id"]
        )
        observe(
            f"lookup by external_task_id in the task_id place: {gateway.describe(by_external)}; "
            f"same task: {same}"
        )
        assert_conforms(by_external)
    else:
        observe("no listed task has an external_task_id: lookup by external id not tried")


def test_q6_timestamp_units_and_video_ids(
    http: httpx.Client, target: gateway.Target, observe: Callable[[str], None]
) -> None:
    """created_at/updated_at in ms (as Kling documents) or s; are result video ids kept?"""
    tasks = _listed_tasks(http, target)
    stamps = [int(task[k]) for task in tasks for k in ("created_at", "updated_at") if k in task]
    unit = (
        "none listed"
        if not stamps
        else "milliseconds"
        if all(s >= MILLISECONDS_SINCE for s in stamps)
        else "seconds"
        if all(s < MILLISECONDS_SINCE for s in stamps)
        else "mixed"
    )
    videos = [
        video for task in tasks for video in ((task.get("task_result") or {}).get("videos") or [])
    ]
    with_id = sum(1 for video in videos if video.get("id"))
    observe(f"timestamps: {unit} ({len(stamps)} values)")
    observe(f"result videos: {len(videos)}, with an id: {with_id}")
    assert unit in {"none listed", "milliseconds"}, f"spec says Unix milliseconds; saw {unit}"
    assert all(task["updated_at"] >= task["created_at"] for task in tasks if "updated_at" in task)

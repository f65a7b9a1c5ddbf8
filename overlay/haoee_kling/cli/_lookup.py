"""Find a task by its external id (`--external-id`), through the client's public list pages.

After an ambiguous create (the connection dropped, Ctrl-C) the caller knows the external id it
sent but not the task id. The list is read newest first, a full page at a time, until the task
is found or the pages end; the page size and the last page number are the spec's limits.
"""

from __future__ import annotations

from typing import Any

from .._spec import resolve
from ._failures import TaskLookupError
from ._kinds import list_operation

__all__ = ["find_by_external_id", "list_limits"]


def list_limits(kind: str) -> tuple[int, int]:
    """(largest page size, last page number) of a kind's list operation, from the spec."""
    schemas = {
        p["name"]: resolve(p.get("schema", {}))
        for p in list_operation(kind).parameters
        if p["in"] == "query"
    }
    return int(schemas["pageSize"]["maximum"]), int(schemas["pageNum"]["maximum"])


def _external_id(task: Any) -> Any:
    plain = task.to_dict() if callable(getattr(task, "to_dict", None)) else task
    info = plain.get("task_info") if isinstance(plain, dict) else None
    return info.get("external_task_id") if isinstance(info, dict) else None


def find_by_external_id(namespace: Any, kind: str, external_id: str) -> Any:
    """The task of `kind` created with `external_task_id` = `external_id`.

    Args:
        namespace: the client's namespace of the kind (`client.text2video`).
        kind: the kind's command name, for the spec's limits and the message.
        external_id: the id the create carried.

    Returns:
        The task as the list answered it.

    Raises:
        TaskLookupError: no task of the kind has that external id.
        KlingError: a list request failed.
    """
    page_size, last_page = list_limits(kind)
    seen = 0
    for page_num in range(1, last_page + 1):
        page = namespace.list(page_num=page_num, page_size=page_size)
        for task in page:
            if _external_id(task) == external_id:
                return task
        items = len(page) + len(getattr(page, "skipped", ()))
        seen += items
        if items < page_size:
            break
    raise TaskLookupError(
        f"no {kind} task has external id '{external_id}' (looked through {seen} tasks); "
        f"check the kind and the id"
    )

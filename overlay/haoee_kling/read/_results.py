"""What reads of many things return: a page of a list, and what `wait_many` finished.

Each holds the items that could be read and says what was left out (`skipped`), so nothing an
answer held is dropped silently (see `_reader`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from .._errors import KlingError

__all__ = ["Page", "Skipped", "WaitManyResult"]

T = TypeVar("T")


@dataclass(frozen=True)
class Skipped:
    """Something an answer held that the client could not read, left out of what it returned.

    Attributes:
        reason: why it could not be read.
        index: its position on the list page, when it came from one.
        task_id: the task it concerns, when that is known.
        error: the error that made it unreadable, when one was raised (`wait_many`).
    """

    reason: str
    index: int | None = None
    task_id: str | None = None
    error: KlingError | None = field(default=None, compare=False)


class Page(list[T]):
    """One page of a list answer: the items that could be read, in the server's order.

    Attributes:
        skipped: the items left out because they could not be read (also logged as warnings).
    """

    skipped: tuple[Skipped, ...] = ()


class WaitManyResult(dict[str, T]):
    """What `tasks.wait_many` returns: task_id -> task, for every task that finished.

    Attributes:
        skipped: the tasks given up because they were not found or could not be read (each
            with its `task_id` and `error`; also logged as warnings).
        cost: what the finished tasks cost together (a `Cost`; None amounts: not reported).
    """

    skipped: tuple[Skipped, ...] = ()
    cost: Any = None

"""`kling list`: tasks of every kind or of one, newest first, filtered, as far as `--limit`.

Without paging options it reads as `kling.tasks.list` does: the kinds merged by creation time,
pages fetched as needed, `--status`, `--since` and `--until` applied, `--limit` tasks at most.
`--page-num` (or the older `--page`) with a KIND shows that one page of that kind's list, as
the API pages it; `--page-size` sizes either. Each task names its kind (a KIND column; `kind`
in `--json`).
"""

from __future__ import annotations

from typing import Any

import click

from .._spec import resolve
from ..kinds._listing import STATUSES
from ._commands import guard
from ._instant import Moment
from ._kinds import KindType, list_operation
from ._kinds import namespace_name as _namespace_name
from ._names import check_parameters
from ._render import Output

__all__ = ["list_tasks"]

_LIMIT = 30


def _limits(name: str) -> str:
    """` (1-500)`: the range the spec gives a list's query parameter."""
    for param in list_operation("text2video").parameters:
        schema = resolve(param.get("schema", {}))
        if param.get("name") == name and "maximum" in schema:
            return f" ({schema['minimum']}-{schema['maximum']})"
    return ""


@click.command("list")
@click.argument("kind", type=KindType(), required=False)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Only tasks in this status (repeatable).",
)
@click.option("--since", type=Moment(), help="Only tasks created at or after: Unix ms or ISO date.")
@click.option("--until", type=Moment(), help="Only tasks created before: Unix ms or ISO date.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help=f"Show at most this many tasks (default {_LIMIT}).",
)
@click.option(
    "--page-num",
    "--page",
    "page_num",
    type=int,
    help="Show only this page of KIND's list" + _limits("pageNum") + "; --page is its old name.",
)
@click.option(
    "--page-size",
    type=int,
    default=30,
    show_default=True,
    help="Tasks per request" + _limits("pageSize") + "; with --page-num, the size of that page.",
)
@guard
def list_tasks(
    kind: str | None,
    statuses: tuple[str, ...],
    since: int | None,
    until: int | None,
    limit: int | None,
    page_num: int | None,
    page_size: int,
) -> None:
    """List tasks newest first: of every kind (those the gateway lists), or of KIND."""
    ctx = click.get_current_context()
    output: Output = ctx.obj.output
    output.option_names = {"pageNum": "--page-num", "pageSize": "--page-size"}
    operation = list_operation(kind or "text2video").operation_id
    check_parameters(
        operation,
        {"query": {"pageNum": 1 if page_num is None else page_num, "pageSize": page_size}},
    )
    client = ctx.obj.client()
    if page_num is not None:
        if kind is None or statuses or since is not None or until is not None or limit:
            raise click.UsageError(
                "--page-num shows one page of one KIND's list; without it, --limit, --status, "
                "--since and --until read the pages for you",
                ctx,
            )
        page = getattr(client, _namespace_name(kind)).list(page_num=page_num, page_size=page_size)
        output.document([{**task.to_dict(), "kind": kind} for task in page])
        return
    output.option_names = {"limit": "--limit", "since": "--since", "until": "--until"}
    found: list[Any] = list(
        client.tasks.list(
            kinds=kind,
            status=list(statuses) or None,
            since=since,
            until=until,
            limit=limit or _LIMIT,
            page_size=page_size,
        )
    )
    output.document(found)

"""Commands whose call is answered at once: `kling tts`, `kling image-recognize`,
`kling delete custom-voice VOICE_ID` and `kling account costs`.

`tts` and `image-recognize` take their options from the spec's request schemas, like the create
commands, and `--out DIR` saves the files of the answer (the speech's MP3, the masks' PNGs). There
is no task to wait for. `delete` is spelt like `status`, `wait` and `list` (verb, kind, id) and
offers the kinds whose namespace has a delete in the spec (`x-kling-instant: <kind>.delete`).
`account costs` lists the account's resource packs (official backend).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from ._commands import guard, save_files
from ._kinds import KINDS, KindType
from ._next import writable_folder
from ._options import body_from_options, field_options
from ._render import Output

__all__ = ["account_group", "delete", "instant_commands"]

_OUT_HELP = "Save the result files into DIR"


def _instant_command(name: str, namespace: str, operation_id: str, files: str) -> click.Command:
    """A command for one `x-kling-instant` call: options from the spec, `--out` for the files."""
    from .._spec import operation

    options = field_options(operation_id)
    summary = str(operation(operation_id).raw.get("summary", name))

    @guard
    def run(out: Path | None, **values: Any) -> None:
        ctx = click.get_current_context()
        output: Output = ctx.obj.output
        output.option_names = {opt.field: opt.param.opts[0] for opt in options}
        client = ctx.obj.client()
        result = getattr(client, namespace).create(**body_from_options(options, values))
        paths = save_files(output, client, result, out) if out is not None else []
        output.document(
            {"result": result, "files": paths} if out is not None and output.as_json else result
        )
        output.files(paths)

    params: list[click.Parameter] = [opt.param for opt in options]
    params.append(
        click.Option(
            ["--out"],
            type=click.Path(file_okay=False, path_type=Path),
            callback=writable_folder,  # checked before the (billed) call, not after it
            help=f"{_OUT_HELP} ({files}).",
        )
    )
    return click.Command(
        name,
        callback=run,
        params=params,
        help=f"{summary}. Answered at once: there is no task to wait for. Official API only.",
    )


def instant_commands() -> list[click.Command]:
    """The commands of the calls answered at once (besides `identify-face`)."""
    return [
        _instant_command("tts", "tts", "textToSpeech", "the speech as MP3"),
        _instant_command(
            "image-recognize", "image_recognize", "recognizeImage", "one PNG mask per type"
        ),
    ]


def _deletable() -> dict[str, str]:
    """Dashed kind name -> client namespace, for the kinds whose namespace has a `delete`."""
    from .._spec import operations

    marked = {str(op.raw.get("x-kling-instant")) for op in operations().values()}
    return {
        name: namespace for name, (namespace, kind) in KINDS.items() if f"{kind}.delete" in marked
    }


@click.command("delete")
@click.argument("kind", type=KindType())
@click.argument("voice_id", metavar="VOICE_ID")
@guard
def delete(kind: str, voice_id: str) -> None:
    """Delete a custom voice: kling delete custom-voice VOICE_ID. Answered at once, not billed.
    Official API only."""
    ctx = click.get_current_context()
    deletable = _deletable()
    if kind not in deletable:
        raise click.BadParameter(
            f"{kind} has no delete; only {', '.join(deletable)} does", ctx, ctx.command.params[0]
        )
    output: Output = ctx.obj.output
    output.option_names = {"voice_id": "VOICE_ID"}
    result = getattr(ctx.obj.client(), deletable[kind]).delete(voice_id)
    answer = result.to_dict()
    if output.as_json:
        output.document({"voice_id": voice_id, "deleted": answer})
        return
    task = f"task {answer.get('task_id', 'without an id')}"
    status = answer.get("task_status")
    line = (
        f"deleted voice {voice_id} ({task})"
        if status == "succeed"
        else f"delete of voice {voice_id} accepted ({task}, status {status or 'not sent'})"
    )
    output.out.print(Text(line), crop=False)


class Moment(click.ParamType[int]):
    """A time: Unix milliseconds, or an ISO date or date and time (without a zone: local)."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """The time as Unix milliseconds.

        Raises:
            click.BadParameter: neither digits nor an ISO date/time.
        """
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            self.fail(
                f"{value!r} is neither Unix milliseconds nor an ISO date (2026-11-01) or date "
                "and time (2026-11-01T08:30)",
                param,
                ctx,
            )
        return round(moment.timestamp() * 1000)


_DAYS = 30


@click.group("account")
def account_group() -> None:
    """The account behind the key (official backend: `--base-url` a Kling host)."""


@account_group.command("costs")
@click.option(
    "--start-time",
    type=Moment(),
    help=f"Start of the period: Unix ms or an ISO date/time (default: {_DAYS} days before end).",
)
@click.option(
    "--end-time", type=Moment(), help="End of the period: Unix ms or ISO date/time (default: now)."
)
@click.option("--resource-pack-name", help="Only the resource pack of this name.")
@guard
def costs(start_time: int | None, end_time: int | None, resource_pack_name: str | None) -> None:
    """List the account's resource packs and what is left of them (free; remaining units lag
    usage by up to 12 hours)."""
    ctx = click.get_current_context()
    output: Output = ctx.obj.output
    output.option_names = {
        "start_time": "--start-time",
        "end_time": "--end-time",
        "resource_pack_name": "--resource-pack-name",
    }
    end = end_time if end_time is not None else round(datetime.datetime.now().timestamp() * 1000)
    start = start_time if start_time is not None else end - _DAYS * 86_400_000
    packs = ctx.obj.client().account.costs(
        start_time=start, end_time=end, resource_pack_name=resource_pack_name
    )
    if output.as_json:
        output.document(packs)
        return
    _pack_table(output, packs.to_dict().get("resource_pack_subscribe_infos") or [])


def _pack_table(output: Output, packs: list[dict[str, Any]]) -> None:
    """One line per pack: name, status, units left of the total, when it expires."""
    from ._render import human_time

    if not packs:
        output.out.print(Text("no resource packs in this period"))
        return
    rows = [("NAME", "STATUS", "LEFT / TOTAL", "EXPIRES")]
    for pack in packs:
        left = f"{pack.get('remaining_quantity', '?')} / {pack.get('total_quantity', '?')}"
        rows.append(
            (
                str(pack.get("resource_pack_name") or pack.get("resource_pack_id") or ""),
                str(pack.get("status") or ""),
                left,
                human_time(pack.get("invalid_time")),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        output.out.print(Text(f"{line}  {row[3]}".rstrip()), crop=False)

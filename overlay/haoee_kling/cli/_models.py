"""`kling models`: what each model supports, read from the spec's capability map (no network)."""

from __future__ import annotations

import sys

import click
from rich import box
from rich.table import Table

from .._kind_names import user_kind
from ..check._capabilities import Capabilities, choices
from ..check._catalogue import Models
from ._render import Output, dumps

__all__ = ["models_command", "models_help"]

# Table columns for the features, in this order, under short headers.
_FEATURES = {
    "image_tail": "start+end",
    "motion_brush": "brush",
    "camera_control": "camera",
    "multi_shot": "shots",
    "voices": "voices",
    "elements": "elements",
    "cfg_scale": "cfg",
}


def compact(values: tuple[str, ...] | None, suffix: str = "") -> str:
    """`std/pro`, `5/10s`, `3-15s`; `no` for an empty list and `-` for "does not apply"."""
    if values is None:
        return "-"
    if not values:
        return "no"
    text = choices(values)
    if " to " in text:
        return text.replace(" to ", "-") + suffix
    return "/".join(values) + suffix


def _feature(caps: Capabilities, name: str) -> str:
    support = caps.features.get(name)
    if support is None:
        return "-"
    if not support.supported:
        return "no"
    parts = [
        compact(support.modes) if support.modes else "",
        compact(support.durations, "s") if support.durations else "",
        compact(support.types) if support.types else "",
        "silent" if support.silent else "",
    ]
    return " ".join(p for p in parts if p) or "yes"


def _features(caps: Capabilities) -> str:
    """The features the model offers, with their limits (`camera std 5s, cfg`); `-` for none."""
    offered = [
        f"{_FEATURES[name]} {_feature(caps, name)}".replace(" yes", "")
        for name in _FEATURES
        if name in caps.features and caps.features[name].supported
    ]
    return ", ".join(offered) or "-"


def _row(caps: Capabilities) -> list[str]:
    wait = (
        f"{caps.wait_seconds}s"
        if caps.wait_seconds == caps.wait_seconds_long
        else f"{caps.wait_seconds}/{caps.wait_seconds_long}s"
    )
    return [
        caps.name,
        compact(caps.modes),
        compact(caps.durations, "s"),
        compact(caps.sound_modes),
        _features(caps),
        wait,
    ]


def _table(kind: str, entries: list[Capabilities]) -> Table:
    table = Table(
        title=kind, title_justify="left", header_style="bold", pad_edge=False, box=box.SIMPLE_HEAD
    )
    # Names and numbers stay whole; only the list of features wraps on a narrow terminal.
    for header in ("model", "modes", "duration", "sound", "also", "wait"):
        table.add_column(header, overflow="fold", no_wrap=header != "also")
    for caps in entries:
        table.add_row(*_row(caps))
    return table


def models_help(kind: str | None) -> str:
    """One paragraph for `kling <kind> --help`: each model's modes and durations, or ""."""
    entries = Models().list(kind) if kind in Models().kinds() else []
    if not entries:
        return ""
    limits = "; ".join(
        f"{c.name} {compact(c.modes)} {compact(c.durations, 's')}".replace(" -", "").strip()
        + (f" sound {compact(c.sound_modes)}" if c.sound_modes else "")
        for c in entries
    )
    shown = user_kind(entries[0].kind)
    return f"Models: {limits}. More (frames, camera, shots): kling models --kind {shown}."


@click.command("models")
@click.option(
    "--kind",
    metavar="KIND",
    help="Only this task kind (text2video, image2video, multi-image2image, multi-image2video, "
    "effects, omni-video).",
)
@click.pass_context
def models_command(ctx: click.Context, kind: str | None) -> None:
    """Show what each model supports: modes, durations, sound, frames, camera, multi-shot.

    Read from the capability map shipped with the client; no key and no network needed. The
    same map is checked before every create, so a combination shown as unsupported here is
    refused before anything is billed.
    """
    output: Output = ctx.obj.output
    try:
        entries = Models().list(kind)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--kind") from None
    if output.as_json:
        document = [{**caps.to_dict(), "kind": user_kind(caps.kind)} for caps in entries]
        sys.stdout.write(dumps(document, indent=2) + "\n")
        return
    for name in dict.fromkeys(caps.kind for caps in entries):
        shown = user_kind(name)
        output.out.print(_table(shown, [caps for caps in entries if caps.kind == name]))
    renamed = {c.name: c.model_name_header for c in entries if c.model_name_header != c.name}
    if renamed:
        pairs = ", ".join(f"{name} -> {header}" for name, header in renamed.items())
        output.out.print(f"haoee ModelName header: {pairs}; other models: their own name.")
    output.out.print(
        "sound: the modes with sound. also: start+end frame, motion brush, camera control, "
        "multi-shot, voices, elements, cfg_scale, with their limits. wait: default deadline "
        "(short/long job). Sources: kling --json models.",
        highlight=False,
    )

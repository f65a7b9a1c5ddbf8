"""Command-line options derived from the spec's request schemas.

Each create command's options are the body fields of its operation: name, help text, choices and
defaults come from openapi/kling.yaml, so a field added to the spec appears here without an edit.
Values are checked by the overlay (the same spec limits) before any request is sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from .._spec import media_fields, operation, resolve

__all__ = ["FieldOption", "body_from_options", "field_options"]

# The body object whose fields are flattened into top-level options (lip-sync and effects keep
# their parameters under `input`; nobody wants to type JSON for the main inputs).
_FLATTEN = "input"


@dataclass(frozen=True)
class FieldOption:
    """How one body field maps to a command-line option.

    Attributes:
        field: the body field (`prompt`), or `input.<name>` for a flattened field.
        param: the click parameter built for it.
        wrap: for arrays of one-field objects (`image_list[{image}]`), the item's field name, so
            repeated plain values become `[{"image": v}, ...]`; for one-boolean objects
            (`watermark_info{enabled}`), the field a flag sets.
        is_json: the option takes a JSON document (objects and complex arrays).
    """

    field: str
    param: click.Option
    wrap: str | None = None
    is_json: bool = False


def _flag(field: str) -> str:
    return "--" + field.split(".")[-1].replace("_", "-")


def _help(node: Mapping[str, Any], media: bool, extra: str = "") -> str:
    text = " ".join(str(node.get("description", "")).split())
    if media:
        text += " A local file path is read, checked and sent as base64."
    return f"{text} {extra}".strip()


def _known_values(node: Mapping[str, Any]) -> list[str]:
    for branch in node.get("anyOf", ()):
        target = resolve(branch)
        if "enum" in target:
            return [str(v) for v in target["enum"]]
    return []


class _NumberOrWord(click.ParamType[Any]):
    """A field that is a number or a word (`--series-amount 4` or `auto`): digits become an int."""

    name = "integer|word"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return int(value) if isinstance(value, str) and value.isdigit() else value


def _scalar_type(node: Mapping[str, Any]) -> click.ParamType[Any]:
    kind = node.get("type")
    if any(resolve(branch).get("type") == "integer" for branch in node.get("anyOf", ())):
        return _NumberOrWord()
    if "enum" in node:
        return click.Choice([str(v) for v in node["enum"]])
    if kind == "integer":
        return click.INT
    if kind == "number":
        return click.FLOAT
    return click.STRING


def _one_field_item(items: Mapping[str, Any]) -> str | None:
    node = resolve(items)
    required = node.get("required", [])
    if node.get("type") == "object" and len(required) == 1:
        inner = resolve(node["properties"][required[0]])
        if inner.get("type") in ("string", "integer"):
            return str(required[0])
    return None


def _option(field: str, prop: Mapping[str, Any], media: set[str]) -> FieldOption:
    node = resolve(prop) | {k: v for k, v in prop.items() if k != "$ref"}
    name = field.replace(".", "__")
    is_media = field in media or f"{field}[]" in media
    kind = node.get("type")
    if kind == "boolean":
        opt = click.Option(
            [f"{_flag(field)}/--no-{_flag(field)[2:]}"], default=None, help=_help(node, False)
        )
        return FieldOption(field, _named(opt, name))
    if kind == "array":
        items = node.get("items", {})
        wrap = _one_field_item(items)
        if wrap is not None or resolve(items).get("type") in ("string", "integer"):
            item_node = resolve(resolve(items)["properties"][wrap]) if wrap else resolve(items)
            is_media = is_media or any(m.startswith(f"{field}[]") for m in media)
            opt = click.Option(
                [_flag(field)],
                multiple=True,
                type=_scalar_type(item_node),
                help=_help(node, is_media, "Repeat the option for each item."),
            )
            return FieldOption(field, _named(opt, name), wrap=wrap)
    props = node.get("properties", {})
    if (
        kind == "object"
        and len(props) == 1
        and resolve(next(iter(props.values()))).get("type") == "boolean"
    ):
        # {"enabled": bool}-style objects (watermark_info) read best as an on/off flag.
        inner = next(iter(props))
        flag = _flag(field)
        opt = click.Option([f"{flag}/--no-{flag[2:]}"], default=None, help=_help(node, False))
        return FieldOption(field, _named(opt, name), wrap=inner)
    if kind == "array":
        # Arrays of structured items: one JSON object per option, repeated (or one JSON array).
        opt = click.Option(
            [_flag(field)],
            metavar="JSON",
            multiple=True,
            help=_help(node, False, "Give each item as a JSON object; repeat the option."),
        )
        return FieldOption(field, _named(opt, name), is_json=True)
    if kind == "object" or "allOf" in node:
        opt = click.Option(
            [_flag(field)], metavar="JSON", help=_help(node, False, "Give it as JSON.")
        )
        return FieldOption(field, _named(opt, name), is_json=True)
    known = _known_values(node)
    extra = f"Known: {', '.join(known)}." if known else ""
    default = node.get("default")
    opt = click.Option(
        [_flag(field)],
        type=_scalar_type(node),
        default=None,
        help=_help(node, is_media, extra)
        + (f" [default: {default}]" if default is not None else ""),
    )
    return FieldOption(field, _named(opt, name))


def _named(opt: click.Option, name: str) -> click.Option:
    # click derives the Python name from the flag; force the field's own (flattened) name.
    opt.name = name
    return opt


def field_options(operation_id: str) -> list[FieldOption]:
    """The options of one create command, in the order the spec lists the fields.

    Args:
        operation_id: the spec's operationId, e.g. `createText2Video`.

    Returns:
        One FieldOption per body field; `input.*` fields are flattened to the top level. The
        help of a field the spec requires ends in `[required]`.
    """
    schema = operation(operation_id).body_schema
    if schema is None:
        return []
    media = {m.path for m in media_fields(schema)}
    node = resolve(schema)
    required = set(node.get("required", []))
    found: list[FieldOption] = []
    for name, prop in node.get("properties", {}).items():
        if name == _FLATTEN and resolve(prop).get("type") == "object":
            inner_required = set(resolve(prop).get("required", [])) if name in required else set()
            for inner, inner_prop in resolve(prop).get("properties", {}).items():
                found.append(
                    _marked(_option(f"{name}.{inner}", inner_prop, media), inner in inner_required)
                )
            continue
        found.append(_marked(_option(name, prop, media), name in required))
    return found


def _marked(option: FieldOption, required: bool) -> FieldOption:
    # Shown, not enforced by click: the overlay checks it with every other rule of the spec,
    # so a missing option is reported with the rest, by its option name, before any request.
    if required:
        option.param.help = f"{option.param.help or ''} [required]".strip()
    return option


def _json(opt: FieldOption, value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg}", param=opt.param) from None


def _item(opt: FieldOption, value: Any) -> Any:
    # A value that looks like a JSON object is a whole item, for the optional fields
    # (e.g. `--image-list '{"image_url": "a.png", "type": "first_frame"}'`).
    if isinstance(value, str) and value.lstrip().startswith("{"):
        return _json(opt, value)
    return {opt.wrap: value}


def body_from_options(options: list[FieldOption], values: Mapping[str, Any]) -> dict[str, Any]:
    """Build the request body from parsed option values (unset options are left out).

    Raises:
        click.BadParameter: a JSON option holds invalid JSON.
    """
    body: dict[str, Any] = {}
    for opt in options:
        assert opt.param.name is not None
        value = values.get(opt.param.name)
        if value is None or value == ():
            continue
        if opt.is_json and isinstance(value, tuple):
            items = [_json(opt, v) for v in value]
            value = [i for item in items for i in (item if isinstance(item, list) else [item])]
        elif opt.is_json:
            value = _json(opt, value)
        elif opt.wrap is not None and isinstance(value, bool):
            value = {opt.wrap: value}
        elif opt.wrap is not None:
            value = [_item(opt, v) for v in value]
        elif isinstance(value, tuple):
            value = list(value)
        target = body
        *parents, leaf = opt.field.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return body

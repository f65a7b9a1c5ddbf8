"""Apply an OpenAPI Overlay 1.0.0 document (such as `kling conformance --suggest` writes) to the
spec's YAML, keeping everything the overlay does not touch as it was written.

    python tools/apply_overlay.py OVERLAY [SPEC] [--out FILE] [--check]

SPEC defaults to openapi/kling.yaml and is changed in place unless --out names another file;
--check only prints the diff. Targets are RFC 9535 JSONPath (python-jsonpath); an action
whose target selects nothing fails the run, naming it. `update` merges into each selected
node: into an array it appends (each item of a list update); into an object it merges, objects
recursively and every other value replaced. `remove: true` deletes each selected node.

Why not a plain load and dump: the spec is hand-written YAML with comments and flow style.
ruamel.yaml keeps most of that, but not all of it; so the change is computed between ruamel's
dump of the spec and its dump of the changed spec, and only those lines are carried over to
the file as written.
"""

from __future__ import annotations

import argparse
import difflib
import io
import sys
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from pathlib import Path
from typing import Any

import jsonpath
import yaml
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi/kling.yaml"


class OverlayError(Exception):
    """The overlay cannot be applied; the message says which action and why."""


def _yaml() -> YAML:
    loader = YAML()
    loader.preserve_quotes = True
    loader.width = 4096
    loader.indent(mapping=2, sequence=4, offset=2)
    return loader


def _dump(document: Any) -> list[str]:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue().splitlines(keepends=True)


def _merge(node: Any, update: Any) -> None:
    if isinstance(node, MutableSequence):
        node.extend(update if isinstance(update, list) else [update])
        return
    if not isinstance(node, MutableMapping) or not isinstance(update, Mapping):
        raise OverlayError(f"cannot merge {update!r} into {node!r}")
    for key, value in update.items():
        if isinstance(node.get(key), MutableMapping) and isinstance(value, Mapping):
            _merge(node[key], value)
        else:
            node[key] = value


def _at(document: Any, parts: Sequence[Any]) -> Any:
    for part in parts:
        document = document[part]
    return document


def apply_actions(document: Any, actions: Sequence[Mapping[str, Any]]) -> None:
    """Apply each action in order to ``document`` (a ruamel round-trip tree), in place."""
    for number, action in enumerate(actions, start=1):
        target = action.get("target")
        if not isinstance(target, str) or not target.startswith("$"):
            raise OverlayError(f"action {number}: target must be a JSONPath starting with $")
        found = [tuple(match.parts) for match in jsonpath.finditer(target, document)]
        if not found:
            raise OverlayError(f"action {number}: target {target} selects nothing in the spec")
        if action.get("remove") is True:
            # Deepest and last first, so earlier removals do not shift later indices.
            for parts in sorted(found, key=lambda p: (len(p), p[-1]), reverse=True):
                del _at(document, parts[:-1])[parts[-1]]
        elif "update" in action:
            for parts in found:
                _merge(_at(document, parts), action["update"])
        else:
            raise OverlayError(f"action {number}: needs update or remove: true")


def carry_over(original: list[str], before: list[str], after: list[str]) -> list[str]:
    """The lines of ``original`` with the edits that turn ``before`` into ``after``.

    ``before`` is ``original`` as re-dumped (equal to it but for a few lines of style); every
    edit must sit on lines the two share, else it cannot be placed and the run fails.
    """
    to_original: dict[int, int] = {}
    for block in difflib.SequenceMatcher(
        None, before, original, autojunk=False
    ).get_matching_blocks():
        for offset in range(block.size):
            to_original[block.a + offset] = block.b + offset
    result = list(original)
    edits = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(edits):
        if tag == "equal":
            continue
        if i1 < i2 and not all(i in to_original for i in range(i1, i2)):
            raise OverlayError(
                f"a change at line {i1 + 1} falls on a line whose style ruamel changes"
            )
        start = to_original[i1] if i1 in to_original else to_original[i1 - 1] + 1
        end = to_original[i2 - 1] + 1 if i1 < i2 else start
        result[start:end] = after[j1:j2]
    return result


def apply_overlay(overlay_text: str, spec_text: str) -> str:
    """The spec's text with the overlay applied."""
    overlay = yaml.safe_load(overlay_text)
    if not isinstance(overlay, dict) or not str(overlay.get("overlay", "")).startswith("1.0"):
        raise OverlayError("not an Overlay 1.0 document (its `overlay:` field is missing)")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("the overlay has no actions")
    document = _yaml().load(spec_text)
    before = _dump(document)
    apply_actions(document, actions)
    after = _dump(document)
    return "".join(carry_over(spec_text.splitlines(keepends=True), before, after))


def main(argv: list[str] | None = None) -> int:
    """Apply the overlay; print the diff; exit 1 with the reason when it cannot be applied."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("overlay", type=Path)
    parser.add_argument("spec", type=Path, nargs="?", default=SPEC)
    parser.add_argument("--out", type=Path, help="write here instead of changing SPEC")
    parser.add_argument("--check", action="store_true", help="print the diff, write nothing")
    args = parser.parse_args(argv)
    original = args.spec.read_text(encoding="utf-8")
    try:
        changed = apply_overlay(args.overlay.read_text(encoding="utf-8"), original)
    except OverlayError as exc:
        print(f"apply_overlay: {exc}", file=sys.stderr)
        return 1
    diff = difflib.unified_diff(
        original.splitlines(keepends=True),
        changed.splitlines(keepends=True),
        str(args.spec),
        str(args.out or args.spec),
    )
    sys.stdout.writelines(diff)
    if not args.check:
        (args.out or args.spec).write_text(changed, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

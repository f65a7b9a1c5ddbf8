"""api.md at the repository root is the map of the public API, written by tools/api_md.py: it is
what the tool writes today, and every public name appears in it — each of
`haoee_kling.__all__`, and every namespace, method and property reachable from `Kling` and
`AsyncKling` (found here from the client objects, independently of the tool)."""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import haoee_kling
from haoee_kling import AsyncKling, Kling

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT / "api.md"
TOOL = ROOT / "tools/api_md.py"


def _api_md(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(TOOL), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def _reachable(client: Any) -> Iterator[str]:
    """``kling.<name>`` for each public attribute of ``client``; for a namespace (an attribute
    that is neither a method nor a property) also ``kling.<name>.<member>`` for its own."""
    for name in (n for n in dir(client) if not n.startswith("_")):
        yield f"kling.{name}"
        value = getattr(client, name)
        if callable(value) or isinstance(
            inspect.getattr_static(type(client), name, None), property
        ):
            continue
        yield from (f"kling.{name}.{m}" for m in dir(value) if not m.startswith("_"))


def _listed(text: str, dotted: str) -> bool:
    """A namespace has its heading; a method or property its own entry."""
    heading = re.search(rf"^## `{re.escape(dotted)}`", text, re.MULTILINE)
    entry = re.search(rf"^- `{re.escape(dotted)}[(:]", text, re.MULTILINE)
    return bool(heading or entry)


def test_api_md_is_what_the_tool_writes() -> None:
    result = _api_md("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_fails_on_a_stale_api_md(tmp_path: Path) -> None:
    stale = tmp_path / "api.md"
    stale.write_text(API_MD.read_text(encoding="utf-8").replace("kling.text2video.", "kling.t2v."))
    result = _api_md("--check", "--out", str(stale))
    assert result.returncode == 1
    assert "api.md is stale; run `make api-md`" in result.stdout


@pytest.mark.parametrize("name", haoee_kling.__all__)
def test_every_public_name_of_the_package_has_its_entry(name: str) -> None:
    assert re.search(rf"^- `{re.escape(name)}[(:`]", API_MD.read_text(), re.MULTILINE), name


def test_every_namespace_method_and_property_of_both_clients_is_listed() -> None:
    text = API_MD.read_text(encoding="utf-8")
    with Kling(api_key="api-md-test") as kling:
        reachable = set(_reachable(kling))
    akling = AsyncKling(api_key="api-md-test")
    try:
        reachable |= set(_reachable(akling))
    finally:
        asyncio.run(akling.close())
    # The client's namespaces come from the spec's task kinds and more: a handful would mean
    # the discovery broke, not that the map is complete.
    assert {"kling.text2video.create", "kling.tasks.wait_many", "kling.batch.run"} <= reachable
    assert [dotted for dotted in sorted(reachable) if not _listed(text, dotted)] == []

"""SECURITY.md stays true: every test its threat model names exists, and every bound it quotes
is the one the code uses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from haoee_kling import _downloads
from haoee_kling.callbacks import _receiver
from haoee_kling.plans import _retries

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "SECURITY.md").read_text("utf-8")
# `tests/x.py::test_a`, then `::test_b` for another test of the same file.
_REFERENCE = re.compile(r"`(?:(?P<path>tests/[\w/]+\.py)(?:::(?P<first>\w+))?|::(?P<more>\w+))`")


def _references() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    path = ""
    for match in _REFERENCE.finditer(TEXT):
        path = match["path"] or path
        found.append((path, match["first"] or match["more"]))
    return found


def _tests_in(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text("utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_the_threat_model_names_tests() -> None:
    assert len(_references()) >= 40


@pytest.mark.parametrize(("path", "name"), _references(), ids=lambda v: str(v))
def test_every_test_the_threat_model_names_exists(path: str, name: str | None) -> None:
    assert (ROOT / path).is_file()
    if name is not None:
        assert name in _tests_in(path)


def test_the_bounds_it_quotes_are_the_codes() -> None:
    assert f"`PAUSE_FLOOR` = {_retries.PAUSE_FLOOR} s" in TEXT
    assert f"`SLEEP_CAP` = {_retries.SLEEP_CAP:.0f} s" in TEXT
    assert _downloads.MAX_DOWNLOAD_BYTES == 4 << 30
    assert "`MAX_DOWNLOAD_BYTES` = 4 GiB" in TEXT
    assert _receiver.MAX_CALLBACK_BYTES == 1 << 20
    assert "`MAX_CALLBACK_BYTES` = 1 MiB" in TEXT

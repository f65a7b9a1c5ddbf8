"""CONTRIBUTING.md stays true to the repository: every `make` target it names exists in the
Makefile, and every path it names exists (a module that moves must take its row in "Where
things live" with it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
# A repository path in backticks: it starts at one of the top folders, or is a root file.
PATH = re.compile(r"`((?:openapi|overlay|generated|tests|tools|docs)/[\w./-]+|[\w-]+\.md)`")


def _makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*):", text, re.MULTILINE))


def test_every_make_target_it_names_exists() -> None:
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", TEXT))
    assert {"test-fast", "fuzz", "simulate", "mutants", "cassettes", "generate"} <= named
    assert sorted(named - _makefile_targets()) == []


def test_every_path_it_names_exists() -> None:
    named = set(PATH.findall(TEXT))
    assert {"openapi/kling.yaml", "tests/hypothesis_profiles.py"} <= named  # the pattern finds them
    assert sorted(path for path in named if not (ROOT / path).exists()) == []


def test_its_set_up_is_the_readme_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    assert block.group(1) in TEXT

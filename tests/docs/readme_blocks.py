"""README.md's fenced code blocks, and a small runner for its shell blocks.

A block is skipped only when the line before its opening fence says why, in a comment the
reader sees in the source: `<!-- not run by tests/docs: it needs your own haoee key -->`.
Shell blocks run one line at a time: `export NAME=VALUE ...` sets the environment and `kling ...`
runs the real command line in-process; anything else fails, so a block that cannot run here
must say so rather than be skipped in silence.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

LANGUAGES = {"python": "python", "py": "python", "sh": "sh", "bash": "sh", "shell": "sh"}
"""Fence languages that are code to run, by the runner that runs them."""

SKIP = re.compile(r"^<!--\s*not run by tests/docs:\s*(?P<reason>.*?)\s*-->\s*$")
_FENCE = re.compile(r"^```(?P<language>[\w+-]*)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block of README.md.

    Attributes:
        line: the line number of its opening fence.
        language: the fence's language ("" for plain text).
        code: its text.
        skip: why it is not run, or None when it is.
    """

    line: int
    language: str
    code: str
    skip: str | None

    @property
    def runner(self) -> str | None:
        """ "python" or "sh" for code, None for text (layout trees and the like)."""
        return LANGUAGES.get(self.language)

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.language})"


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with the skip reason written before it."""
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        marker = SKIP.match(lines[index - 1]) if index else None
        found.append(
            Block(
                line=index + 1,
                language=opening["language"],
                code="\n".join(lines[index + 1 : end]) + "\n",
                skip=marker["reason"] if marker else None,
            )
        )
        index = end + 1
    return found


def markers(text: str) -> int:
    """How many skip markers the text holds (each must stand right before a block)."""
    return sum(1 for line in text.splitlines() if SKIP.match(line))


@dataclass(frozen=True)
class Command:
    """One line of a shell block to run."""

    line: int
    words: list[str]


def commands(block: Block) -> Iterator[Command]:
    """The non-empty, non-comment lines of a shell block, split as a shell would."""
    for offset, raw in enumerate(block.code.splitlines(), start=1):
        words = shlex.split(raw, comments=True)
        if words:
            yield Command(block.line + offset, words)


def run_shell(block: Block, kling: Callable[[list[str], dict[str, str]], None]) -> int:
    """Run a shell block line by line in the current directory and environment.

    Args:
        block: the block.
        kling: runs one `kling` command with its arguments and the environment so far; it
            raises (fails the test) when the command fails.

    Returns:
        How many `kling` commands ran.

    Raises:
        AssertionError: a line is neither `export` nor `kling`.
    """
    env = dict(os.environ)
    ran = 0
    for command in commands(block):
        words = [os.path.expandvars(word) for word in command.words]
        if words[0] == "export":
            env.update(word.partition("=")[::2] for word in words[1:] if "=" in word)
        elif words[0] == "kling":
            kling(words[1:], env)
            ran += 1
        else:
            raise AssertionError(
                f"README.md:{command.line}: only `export` and `kling` lines run here; mark the "
                "block with `<!-- not run by tests/docs: why -->` if it cannot run offline"
            )
    return ran

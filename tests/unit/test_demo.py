"""`make demo` (tools/demo.py) shows each command so that it can be copied and run again."""

from __future__ import annotations

import shlex
from typing import Any

from tests.tool_scripts import load_tool


def load_demo() -> Any:
    """tools/demo.py as a module (tools/ is not a package)."""
    return load_tool("demo")


def test_the_demo_echoes_commands_shell_quoted() -> None:
    args = ["text2video", "--prompt", "A red fox; it's cold", "--out", "demo output/text2video"]
    line = load_demo().echo(args)
    assert line == (
        "$ kling text2video --prompt 'A red fox; it'\"'\"'s cold' --out 'demo output/text2video'"
    )
    assert shlex.split(line.removeprefix("$ ")) == ["kling", *args]

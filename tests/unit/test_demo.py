"""`make demo` (tools/demo.py) shows each command so that it can be copied and run again."""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path
from typing import Any

DEMO = Path(__file__).resolve().parents[2] / "tools" / "demo.py"


def load_demo() -> Any:
    """tools/demo.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("demo_tool", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_echoes_commands_shell_quoted() -> None:
    args = ["text2video", "--prompt", "A red fox; it's cold", "--out", "demo output/text2video"]
    line = load_demo().echo(args)
    assert line == (
        "$ kling text2video --prompt 'A red fox; it'\"'\"'s cold' --out 'demo output/text2video'"
    )
    assert shlex.split(line.removeprefix("$ ")) == ["kling", *args]

"""The scripts under tools/ as modules, for tests that call their functions (tools/ is not a
package: each is a script `make` runs)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parents[1] / "tools"


@functools.cache
def load_tool(name: str) -> ModuleType:
    """tools/<name>.py, loaded once per test process."""
    found = importlib.util.spec_from_file_location(f"{name}_tool", TOOLS / f"{name}.py")
    assert found is not None
    assert found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module

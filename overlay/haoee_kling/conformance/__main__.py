"""`python -m haoee_kling.conformance [--base-url URL] [options]`: `kling conformance`.

It runs the command line's module (`python -m haoee_kling.cli conformance ...`) by name: the
`kling` command line imports this package, so this package does not import it back.
"""

from __future__ import annotations

import runpy
import sys

if __name__ == "__main__":
    sys.argv[1:1] = ["conformance"]
    runpy.run_module("haoee_kling._cli_entry", run_name="__main__", alter_sys=True)

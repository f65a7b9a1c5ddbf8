"""The walk of one call: which modules run code for one `kling.text2video.create`.

Runs `Kling().text2video.create(...)` against an `httpx.MockTransport` (no sockets) under
`sys.setprofile` and prints the hand-written overlay modules (`haoee_kling.*`) and the generated
ones (`haoee_kling_api.*`) whose functions ran, with the number of distinct functions and of
calls (a generator resumed counts as a call, as the profiler sees it). httpx's own code and the
standard library are left out: they are the same for any client.

The create is measured warm: one create runs first, so what the walk shows is the path every
create takes, not the spec and the shapes loaded once per process. `--cold` measures the first.
It runs with the library's defaults: `HAOEE_*` and `KLING_*` variables are left out.

    .venv/bin/python tools/walk.py [--cold] [--json] [--functions]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import httpx

from haoee_kling import Kling
from haoee_kling._spec import load_spec

_KEY = "hk-walk-key-5f0c1d2e3a4b"
OVERLAY, GENERATED = "haoee_kling", "haoee_kling_api"


@dataclass
class Walk:
    """What ran: every (module, function) with how often it was entered."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)

    def modules(self, package: str) -> list[str]:
        """The modules of `package` (`haoee_kling` or `haoee_kling_api`) that ran code."""
        return sorted({m for m, _ in self.calls if _package(m) == package})

    def summary(self) -> dict[str, Any]:
        return {
            "hand_written": self.modules(OVERLAY),
            "generated": self.modules(GENERATED),
            "functions": len(self.calls),
            "calls": sum(self.calls.values()),
        }


def _package(module: str) -> str | None:
    top = module.split(".", 1)[0]
    return top if top in (OVERLAY, GENERATED) else None


def _answer() -> dict[str, Any]:
    value: dict[str, Any] = copy.deepcopy(
        load_spec()["components"]["examples"]["TaskSubmitted"]["value"]
    )
    return value


def walk(*, cold: bool = False) -> Walk:
    """Profile one `text2video.create` (after a first one, unless `cold`)."""
    answer = _answer()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    seen = Walk()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if _package(module) is not None:
                seen.calls[(module, frame.f_code.co_qualname)] += 1

    with Kling(api_key=_KEY, transport=transport) as kling:
        if not cold:
            kling.text2video.create(prompt="a fox in the snow", duration="5")
        sys.setprofile(profile)
        try:
            kling.text2video.create(prompt="a fox in the snow", duration="5")
        finally:
            sys.setprofile(None)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", action="store_true", help="measure the process's first create")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--functions", action="store_true", help="list every function that ran")
    args = parser.parse_args()
    # The library's defaults, whatever this shell sets: a debug log level (HAOEE_KLING_LOG) or
    # a setting would walk other code.
    for name in [n for n in os.environ if n.startswith(("HAOEE_", "KLING_"))]:
        del os.environ[name]
    seen = walk(cold=args.cold)
    summary = seen.summary()
    if args.json:
        print(json.dumps(summary))
        return
    for title, package in (("hand-written", OVERLAY), ("generated", GENERATED)):
        modules = seen.modules(package)
        print(f"{len(modules)} {title} modules:")
        for module in modules:
            ran = {name: n for (m, name), n in seen.calls.items() if m == module}
            print(f"  {module}: {len(ran)} functions, {sum(ran.values())} calls")
            if args.functions:
                for name, n in sorted(ran.items()):
                    print(f"      {n:4d}  {name}")
    print(f"{summary['functions']} functions, {summary['calls']} calls")


if __name__ == "__main__":
    main()

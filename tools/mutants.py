"""A regression check of the test suite itself: does it catch realistic bugs?

Usage::

    python tools/mutants.py [NAME ...]     # default: every mutant; `make mutants`

Each mutant is a realistic regression (a resend without a lookup, no `ModelName`, the key sent
to the file host, ...), written as text edits: an exact snippet of today's code and what the
bug would make of it. The working tree (tracked and untracked, not ignored files) is copied to a
temporary folder once; each mutant is applied there alone, the tests that should catch it run
(a few files or test ids each), and the edit is undone. The tree you work in is never touched.

An edit whose snippet is not found exactly as often as expected stops the run with a message
naming the mutant and the file: the code moved on, and the mutant must be rewritten, never
silently skipped. Before any mutant, the selected tests run once unmutated and must pass, so a
failure under a mutant is the mutant's doing.

Prints one row per mutant: caught or not, and by which tests (unit and end to end). Mutants
marked `e2e` must also be caught by at least one end-to-end test (`tests/e2e/`). Exit status 0
when every mutant is caught as required, 1 otherwise, 2 when a mutant no longer applies or the
unmutated tests fail.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Edit:
    """Replace `old` by `new` in `path`; `old` must occur exactly `count` times."""

    path: str
    old: str
    new: str
    count: int = 1


@dataclass(frozen=True)
class Mutant:
    """A regression: its edits, the tests that should catch it, whether an e2e one must."""

    name: str
    edits: tuple[Edit, ...]
    tests: tuple[str, ...]
    e2e: bool = False


_LEDGER = "        self.ledger.submitting(job, external, header, int(core.clock.wall() * 1000))\n"
_REDACT = "    with _lock:\n        known = sorted(_secrets, key=len, reverse=True)\n"

MUTANTS = (
    Mutant(
        "no lookup before a resend",
        (
            Edit(
                "overlay/haoee_kling/plans/_submit.py",
                '    if isinstance(error, APIConnectionError):\n        return "lookup"\n',
                '    if isinstance(error, APIConnectionError):\n        return "retry"\n',
            ),
            Edit(
                "overlay/haoee_kling/plans/_submit.py",
                "    if isinstance(error, ServerError | UnexpectedResponseError):\n"
                '        return "lookup"\n',
                "    if isinstance(error, ServerError | UnexpectedResponseError):\n"
                '        return "retry"\n',
            ),
        ),
        (
            "tests/unit/test_submit.py",
            "tests/e2e/test_cli.py::test_an_ambiguous_create_prints_how_to_look_the_task_up",
        ),
    ),
    Mutant(
        "no ModelName",
        (
            Edit(
                "overlay/haoee_kling/http/_sender.py",
                "        if call.model_name is not None:\n"
                '            kwargs["model_name"] = call.model_name\n',
                "",
            ),
        ),
        (
            "tests/unit/test_client.py",
            "tests/e2e/test_client_kinds.py::test_wait_many_over_kinds_finishes_all",
        ),
        e2e=True,
    ),
    Mutant(
        "the key sent to the CDN",
        (
            Edit(
                "overlay/haoee_kling/_client.py",
                "transport=transport, timeout=httpx.Timeout(config.timeout), follow_redirects=True",
                "transport=transport, timeout=httpx.Timeout(config.timeout), follow_redirects=True,"
                ' headers={"Authorization": self._auth.header()}',
            ),
        ),
        (
            "tests/unit/test_client.py",
            "tests/unit/test_downloads.py",
            "tests/e2e/test_client_kinds.py::test_every_kind_creates_waits_and_downloads",
        ),
        e2e=True,
    ),
    Mutant(
        "deadlines ignored",
        (
            Edit(
                "overlay/haoee_kling/plans/_waiting.py",
                "deadline = None if spec.timeout is None else start + spec.timeout",
                "deadline = None",
                count=2,
            ),
        ),
        (
            "tests/unit/test_waiting.py",
            "tests/e2e/test_cli.py::test_timeout_prints_how_to_resume",
        ),
    ),
    Mutant(
        "1303 not retried",
        (
            Edit(
                "overlay/haoee_kling/_errors.py",
                "            return ConcurrencyLimitError, row.retryable\n",
                "            return ConcurrencyLimitError, False\n",
            ),
        ),
        (
            "tests/unit/test_errors.py",
            "tests/unit/test_retries.py",
            "tests/e2e/test_cli.py::test_a_create_held_by_the_concurrency_limit_shows_each_wait",
        ),
    ),
    Mutant(
        "case-sensitive statuses",
        (
            Edit(
                "overlay/haoee_kling/read/_shapes.py",
                "return self.enum.get(value.strip().casefold(), value) if self.enum else value",
                "return value",
            ),
            Edit(
                "overlay/haoee_kling/plans/_polling.py",
                "    folded = status.strip().casefold()\n",
                "    folded = status\n",
            ),
        ),
        (
            "tests/unit/test_reading.py",
            "tests/unit/test_polling.py",
            "tests/e2e/test_client_kinds.py",
        ),
        e2e=True,
    ),
    Mutant(
        "the ledger written after the create",
        (
            Edit(
                "overlay/haoee_kling/batch/_plan.py",
                _LEDGER + '        crash_point("before-create")\n',
                '        crash_point("before-create")\n',
            ),
            Edit(
                "overlay/haoee_kling/batch/_plan.py",
                '        crash_point("after-create")\n',
                _LEDGER + '        crash_point("after-create")\n',
            ),
        ),
        ("tests/unit/test_batch.py", "tests/e2e/test_batch_kill.py"),
    ),
    Mutant(
        "no webhook timestamp check",
        (
            Edit(
                "overlay/haoee_kling/callbacks/_webhooks.py",
                '        self._check_timestamp(given["webhook-timestamp"], webhook_id)\n',
                "",
            ),
        ),
        ("tests/unit/test_webhooks.py", "tests/e2e/test_callbacks.py"),
    ),
    Mutant(
        "the fake not validating",
        (
            Edit(
                "overlay/haoee_kling/testing/_app.py",
                "            problems = validate_body(op.operation_id, body)\n",
                "            problems = []\n",
            ),
        ),
        (
            "tests/e2e/test_fake_api.py",
            "tests/e2e/test_client_instant.py::test_the_fake_refuses_what_the_client_refuses",
        ),
    ),
    Mutant(
        "secrets not redacted",
        (
            Edit(
                "overlay/haoee_kling/_logging.py",
                _REDACT,
                "    return text\n" + _REDACT,
            ),
        ),
        (
            "tests/unit/test_logging.py",
            "tests/unit/test_canary.py",
            "tests/e2e/test_cli.py::test_the_key_never_appears_in_any_output",
        ),
    ),
)


class StaleMutantError(Exception):
    """A mutant's snippet is not in the code as often as it says: rewrite the mutant."""


def _copy_tree(target: Path) -> None:
    """Copy the files git would see (tracked, and untracked but not ignored) to `target`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy's packages come first: the editable install points at the working tree.
    env["PYTHONPATH"] = os.pathsep.join(str(copy / p) for p in ("overlay", "generated", "."))
    env.pop("PYTEST_ADDOPTS", None)
    # Sources are edited and restored within a second: bytecode keyed by mtime could be stale.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _check_imports(copy: Path) -> None:
    code = (
        "import haoee_kling, haoee_kling_api; print(haoee_kling.__file__, haoee_kling_api.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=copy, env=_environment(copy),
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    if any(not Path(path).is_relative_to(copy) for path in out.split()):
        raise SystemExit(f"mutants: the copy does not import its own packages: {out.strip()}")


def _apply(copy: Path, mutant: Mutant) -> dict[Path, str]:
    """Apply every edit of a mutant; returns the files' original texts (to undo)."""
    originals: dict[Path, str] = {}
    for edit in mutant.edits:
        path = copy / edit.path
        text = originals.get(path) or path.read_text(encoding="utf-8")
        originals.setdefault(path, text)
        current = path.read_text(encoding="utf-8")
        found = current.count(edit.old)
        if found != edit.count:
            for original_path, original in originals.items():
                original_path.write_text(original, encoding="utf-8")
            raise StaleMutantError(
                f"mutant {mutant.name!r}: expected {edit.count} occurrence(s) of a snippet in "
                f"{edit.path}, found {found}; the code changed, rewrite the mutant:\n{edit.old}"
            )
        path.write_text(current.replace(edit.old, edit.new), encoding="utf-8")
    return originals


# Seconds one test may run before it fails (pytest-timeout): a mutant that ignores deadlines
# makes a wait on the fake clock loop for ever (and grow without bound), which is a catch, not a
# hung run. Unmutated, every selected test takes a few seconds at most.
TEST_TIMEOUT = 60
# Seconds a whole run may take before it counts as hung (see `_run_tests`).
RUN_TIMEOUT = 300


def _run_tests(copy: Path, tests: tuple[str, ...], report: Path) -> tuple[list[str], int, float]:
    """Run the tests; returns (ids of the failed ones, pytest's exit status, CPU seconds)."""
    before = os.times()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header",
             f"--timeout={TEST_TIMEOUT}", f"--junitxml={report}", *tests],
            cwd=copy, env=_environment(copy), capture_output=True, text=True,
            timeout=RUN_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        # Hung past the per-test timeout too (a wait looping in a fixture's teardown, or in a
        # server thread): the tests did not pass, so the mutant is caught, by all of them.
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        return [f"{t} (hung past {RUN_TIMEOUT} s)" for t in tests], -1, cpu
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    failed: list[str] = []
    if report.exists():
        for case in ET.parse(report).iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                module = case.get("classname", "").replace(".", "/")
                failed.append(f"{module}.py::{case.get('name')}")
    elif result.returncode not in (0, 1):
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
    return failed, result.returncode, cpu


def _short(test_id: str) -> str:
    return test_id.removeprefix("tests/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTANTS}
    if unknown:
        parser.error(f"unknown mutants: {sorted(unknown)}; known: {[m.name for m in MUTANTS]}")
    with tempfile.TemporaryDirectory(prefix="haoee-mutants-") as folder:
        copy = Path(folder) / "tree"
        _copy_tree(copy)
        _check_imports(copy)
        for mutant in chosen:  # every snippet is checked before any test runs
            for original_path, original in _apply(copy, mutant).items():
                original_path.write_text(original, encoding="utf-8")
        selected = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
        failed, status, cpu = _run_tests(copy, selected, Path(folder) / "baseline.xml")
        print(f"unmutated: {len(selected)} selections, exit {status}, {cpu:.0f} s CPU")
        if status != 0:
            print("the selected tests fail without any mutant:\n  " + "\n  ".join(failed))
            return 2
        rows, ok = [], True
        for mutant in chosen:
            started = time.monotonic()
            originals = _apply(copy, mutant)
            try:
                failed, status, cpu = _run_tests(copy, mutant.tests, Path(folder) / "m.xml")
            finally:
                for original_path, original in originals.items():
                    original_path.write_text(original, encoding="utf-8")
            e2e = [t for t in failed if t.startswith("tests/e2e/")]
            caught = bool(failed) and (e2e or not mutant.e2e)
            ok = ok and bool(caught)
            verdict = "caught" if caught else ("NOT CAUGHT" if not failed else "NO E2E CATCH")
            rows.append((mutant, verdict, failed, cpu, time.monotonic() - started))
        print()
        print("| mutant | verdict | unit catchers | e2e catchers | CPU s |")
        print("|---|---|---|---|---|")
        for mutant, verdict, failed, cpu, _ in rows:
            unit = [_short(t) for t in failed if not t.startswith("tests/e2e/")]
            e2e = [_short(t) for t in failed if t.startswith("tests/e2e/")]
            need = " (e2e required)" if mutant.e2e else ""
            cells = [f"{mutant.name}{need}", verdict, _listed(unit), _listed(e2e), f"{cpu:.0f}"]
            print("| " + " | ".join(cells) + " |")
    return 0 if ok else 1


def _listed(tests: list[str], limit: int = 3) -> str:
    if not tests:
        return "-"
    shown = ", ".join(tests[:limit])
    return shown + (f" (+{len(tests) - limit} more)" if len(tests) > limit else "")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except StaleMutantError as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(2)

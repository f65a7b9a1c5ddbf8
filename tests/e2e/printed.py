"""Every command the command line prints runs as printed (DESIGN principle 13).

`replay(result, ...)` finds each `kling ...` command an invocation printed (the lines after
"resume with:", "retry the failed jobs with:", "look it up with:", "finish with:", ..., and
the `resume`, `retry` and `resend` fields of a `--json` document) and runs it at once against
the same fake, in the same folder and environment. It must not be refused as bad input (exit
2), and it must not bill a job again: a command that waits, looks up or downloads creates no
task at all, and a batch command creates at most one task per job that has none (plus the
failed ones for `retry --failed`, and the ones it names with `--resend`). The CLI tests call
it on every invocation.

A printed command runs as printed, in an environment that polls every `REPLAY_POLL` seconds
(`HAOEE_POLL_INTERVAL`, unless the invocation's environment set its own): a user's shell may
set that variable too, and without it a replayed wait would sleep the real default of 5 s
between polls of a fake that is done in a fraction of that.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from typing import Any

from click.testing import CliRunner, Result

from haoee_kling.cli import cli

__all__ = ["printed_commands", "replay"]

# ": kling ..." at the end of a line, but not click's "Usage: kling [OPTIONS] ...".
REPLAY_POLL = "0.01"

_COMMAND = re.compile(r"(?<!Usage): (kling [a-z].*?)\s*$", re.MULTILINE)


def printed_commands(result: Result) -> list[str]:
    """The commands an invocation printed, in order."""
    found = _COMMAND.findall(result.stdout + result.stderr)
    for line in result.stdout.splitlines():
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(document, dict):  # --json: the commands are fields of the document
            found += [document[k] for k in ("resume", "retry", "resend") if k in document]
    return list(dict.fromkeys(found))


def _allowed(words: list[str]) -> int:
    """How many tasks a printed command may create without billing a job twice."""
    if "batch" not in words:
        return 0
    from haoee_kling.batch._run import read_status

    ledger = words[words.index("--ledger") + 1] if "--ledger" in words else None
    jobs = next(w for w in words[words.index("batch") + 2 :] if not w.startswith("-"))
    try:
        status = read_status(jobs, ledger)
    except Exception:  # no ledger yet: every job of the file may be sent once
        return 1_000
    allowed = status.counts["pending"] + words.count("--resend")
    return allowed + (status.counts["failed"] if "retry" in words else 0)


def replay(
    result: Result,
    tasks: Callable[[], list[Any]],
    env: dict[str, str] | None = None,
) -> list[tuple[str, int]]:
    """Run every command `result` printed; assert each runs and bills no job twice.

    Args:
        result: an invocation's result.
        tasks: the fake's tasks now (counted before and after each command).
        env: the environment the invocation had (commands run in the current folder, as a
            user would run them).

    Returns:
        (command, exit code) of each command run.
    """
    ran: list[tuple[str, int]] = []
    env = {"HAOEE_POLL_INTERVAL": REPLAY_POLL, **(env or {})}
    for line in printed_commands(result):
        words = shlex.split(line)
        allowed = _allowed(words)
        before = len(tasks())
        again = CliRunner().invoke(cli, words[1:], env=env, catch_exceptions=False)
        created = len(tasks()) - before
        assert again.exit_code != 2, f"printed command refused: {line}\n{again.output}"
        assert created <= allowed, f"{line} created {created} task(s), allowed {allowed}"
        ran.append((line, again.exit_code))
    return ran

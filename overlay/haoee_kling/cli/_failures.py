"""How a failed command ends: its exit code, its one-line message and the line that says what next.

Every error becomes at most two lines for people (what went wrong; what to do or the command
that resumes) and one JSON document with `--json`, whose `problems` list names the options the
user typed. Secrets never reach either: every message passes through the overlay's redaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any
from urllib.parse import urlsplit

from .. import _errors as errors
from .._logging import redact
from ..http._auth import BACKENDS
from ._names import OptionProblem

__all__ = [
    "EXIT_CODES",
    "ExitCode",
    "Failure",
    "NotSavedError",
    "TaskLookupError",
    "WaitInterruptedError",
    "describe",
    "exit_code_for",
]


class ExitCode(IntEnum):
    """Process exit codes, one per kind of outcome: the only ones `kling` exits with.

    `EXIT_CODES` says what each means; `kling --help` and the README print that table.
    """

    OK = 0
    BAD_INPUT = 2
    AUTH = 3
    TASK_FAILED = 4
    TIMEOUT = 5
    API_ERROR = 6
    NOT_SAVED = 7
    DIFFERS = 8
    INTERRUPTED = 130
    CLOSED_PIPE = 141


EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.BAD_INPUT: (
        "bad input: an option, argument, jobs file, output folder or ledger is wrong; "
        "nothing was sent"
    ),
    ExitCode.AUTH: (
        "authentication or configuration: the key, the base URL (a route missing /kling "
        "too), a refused connection, an unknown host"
    ),
    ExitCode.TASK_FAILED: "a task failed (a batch: some jobs failed; the retry command is printed)",
    ExitCode.TIMEOUT: (
        "not finished: a wait timed out, a task is still running, batch jobs are unresolved; "
        "the command that carries on is printed"
    ),
    ExitCode.API_ERROR: "any other error from the API (or an unexpected one)",
    ExitCode.NOT_SAVED: (
        "the task exists but its files (or a batch's ledger) could not be written here: the "
        "task id and the command that finishes are printed"
    ),
    ExitCode.DIFFERS: (
        "kling conformance: some answers differ from the spec (the report names each "
        "operation and difference)"
    ),
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C): the command that resumes is printed",
    ExitCode.CLOSED_PIPE: "the reader of the output went away (a closed pipe)",
}


class WaitInterruptedError(Exception):
    """Ctrl-C during a command: a task already created is not lost, only the waiting stopped."""

    def __init__(self, task_id: str | None = None) -> None:
        if task_id is None:
            message = "interrupted (Ctrl-C)"
        else:
            message = f"stopped waiting (Ctrl-C); task {task_id} keeps running on the server"
        super().__init__(message)
        self.task_id = task_id


class NotSavedError(OSError):
    """A task's files could not be written locally (a full disk, permissions): the task is
    done and paid for; `kling download` finishes the job."""

    def __init__(self, task_id: str, folder: Any, cause: OSError) -> None:
        super().__init__(
            f"task {task_id} finished, but its files could not be saved in {folder}: "
            f"{cause.strerror or cause}"
        )
        self.task_id = task_id


class TaskLookupError(Exception):
    """No task of the kind has the external id asked for (`--external-id`)."""


_EXIT_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (WaitInterruptedError, ExitCode.INTERRUPTED),
    (errors.InvalidRequestError, ExitCode.BAD_INPUT),
    (errors.ConfigurationError, ExitCode.AUTH),
    (errors.AuthenticationError, ExitCode.AUTH),
    (errors.PermissionDeniedError, ExitCode.AUTH),
    (errors.TaskFailedError, ExitCode.TASK_FAILED),
    (errors.WaitTimeoutError, ExitCode.TIMEOUT),
    (errors.TaskNotFinishedError, ExitCode.TIMEOUT),
    (TaskLookupError, ExitCode.API_ERROR),
    (errors.KlingError, ExitCode.API_ERROR),
)

_FIXES: tuple[tuple[type[BaseException], str], ...] = (
    (errors.InvalidRequestError, "Nothing was sent; fix the option(s) named above."),
    (errors.ConfigurationError, "--api-key and --base-url override the environment."),
    (errors.AuthenticationError, "Check the key (HAOEE_API_KEY or --api-key)."),
    (errors.PermissionDeniedError, "The key may not use this model or API."),
    (errors.APIConnectionError, "Check the network, HAOEE_BASE_URL or --base-url."),
)


def _cannot_connect(exc: BaseException) -> bool:
    # Refused, unknown host, TLS, a connect timeout: the request provably never left, so the
    # address (or the network) is what is wrong, not the API.
    return isinstance(exc, errors.APIConnectionError) and not exc.maybe_sent


def exit_code_for(exc: BaseException, base_url: str | None = None) -> ExitCode:
    """The exit code for an exception that ended a command."""
    if _cannot_connect(exc):
        return ExitCode.AUTH
    if isinstance(exc, errors.NotFoundError) and _missing_prefix(base_url):
        return ExitCode.AUTH  # the base URL is what is wrong, not the task
    if isinstance(exc, OSError):
        return ExitCode.NOT_SAVED  # a write here failed (disk, permissions) after the fact
    for kind, code in _EXIT_CODES:
        if isinstance(exc, kind):
            return code
    return ExitCode.API_ERROR


@dataclass(frozen=True)
class Failure:
    """An error, ready to print.

    Attributes:
        code: the exit code.
        error: the exception's class name (`InvalidRequestError`).
        message: one line: what went wrong.
        hint: one line: what to do about it, or "".
        problems: each problem with the input, naming the options typed.
    """

    code: ExitCode
    error: str
    message: str
    hint: str
    problems: tuple[OptionProblem, ...]

    def document(self, exc: BaseException, resume: str | None) -> dict[str, Any]:
        """The `--json` form: one object with every field a program needs."""
        doc: dict[str, Any] = {
            "error": self.error,
            "message": self.message,
            "exit_code": int(self.code),
            "problems": [asdict(p) for p in self.problems],
        }
        if self.hint:
            doc["hint"] = self.hint
        for attr in ("task_id", "external_task_id", "request_id", "code", "status_code"):
            value = getattr(exc, attr, None)
            if value is not None:
                doc[attr] = value
        if resume:
            doc["resume"] = resume
        return doc


def _one_line(text: str) -> str:
    return " ".join(redact(text).split())


def _missing_prefix(base_url: str | None) -> str:
    """The hint for a 404 when the base URL lacks the haoee path (`/kling`), else ""."""
    expected = urlsplit(BACKENDS["haoee"]).path
    if not base_url or urlsplit(base_url).path.rstrip("/").endswith(expected):
        return ""
    return (
        f"haoee serves Kling under {expected}, which {base_url} lacks: "
        f"try HAOEE_BASE_URL={base_url}{expected}"
    )


def _hint(exc: BaseException, base_url: str | None) -> str:
    if isinstance(exc, errors.NotFoundError) and _missing_prefix(base_url):
        return _missing_prefix(base_url)
    if isinstance(exc, errors.AuthenticationError) and base_url:
        host = urlsplit(base_url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1"):
            return "Check the key: a fake gateway accepts the key it printed at start."
    for kind, fix in _FIXES:
        if isinstance(exc, kind):
            return fix
    return ""


def describe(
    exc: BaseException, problems: Sequence[OptionProblem], base_url: str | None
) -> Failure:
    """Turn an exception into what the command line prints.

    Args:
        exc: what ended the command.
        problems: the input problems in option names (for an `InvalidRequestError`).
        base_url: the client's base URL, when a client was built (named in connection errors
            and checked for the `/kling` prefix on a 404).

    Returns:
        The exit code, one-line message, hint and problems.
    """
    if len(problems) == 1:
        message = problems[0].message
    elif problems:
        message = f"{len(problems)} problems: " + "; ".join(p.message for p in problems)
    elif _cannot_connect(exc) and base_url:
        message = f"cannot reach {base_url}: {exc}; nothing was sent"
    else:
        message = str(exc) or type(exc).__name__
    return Failure(
        exit_code_for(exc, base_url),
        type(exc).__name__,
        _one_line(message),
        _hint(exc, base_url),
        tuple(problems),
    )

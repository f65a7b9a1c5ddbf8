"""Every error the client raises, under one root.

```
KlingError                      root: catch this to catch everything below
├── ConfigurationError          no key, bad option; raised at construction
├── InvalidRequestError         bad input, found before any request (`problems`)
├── APIError                    the server answered with an error (layers 1 and 2)
│   ├── AuthenticationError     401, codes 1000-1004
│   ├── AccountError            codes 1100-1102 (account, arrears, resource pack)
│   ├── PermissionDeniedError   403, code 1103
│   ├── BadRequestError         400 and other 4xx, codes 1200-1201
│   ├── NotFoundError           404, 410, codes 1202-1203
│   ├── PolicyError             codes 1300, 1301, 1304
│   ├── RateLimitError          429, code 1302                      (retryable)
│   │   └── ConcurrencyLimitError   code 1303                       (retryable)
│   ├── ServerError             408, 5xx (520-527 too), codes 5000-5002  (retryable)
│   └── UnexpectedResponseError a 2xx (or 1xx, 3xx) answer that cannot be read
├── APIConnectionError          no answer (`maybe_sent`: the request may have arrived)
│   └── APITimeoutError
├── TaskError                   layer 3: the task itself (`task_id`, `kind`, `last_status`)
│   ├── TaskFailedError         task_status "failed" (`task_status_msg`)
│   ├── TaskNotFinishedError    its files were asked for before it finished
│   └── WaitTimeoutError        the wait's deadline passed first (`last_error`)
├── DownloadError               a result file could not be fetched
├── InvalidWebhookSignatureError a callback's signature is missing, wrong, stale or replayed
├── UnknownKindError            a task kind no spelling matches; a ValueError too (_kind_names)
└── BatchError                  a batch's jobs file, ledger or output is unusable (_batch_jobs)
    └── InvalidJobsError        jobs that fail the checks; nothing was sent (`problems`)
```

Layers: the HTTP status, then Kling's business `code` (table `x-kling-error-codes` in the spec),
then the task's own `failed` state. Every error carries `task_id` and `external_task_id` when
they are known, so a task is never lost because an error was raised.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._logging import printable, redact
from ._spec import load_spec, resolve

if TYPE_CHECKING:
    from .check._validation import Problem

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountError",
    "AuthenticationError",
    "BadRequestError",
    "ConcurrencyLimitError",
    "ConfigurationError",
    "DownloadError",
    "ErrorCode",
    "InvalidRequestError",
    "InvalidWebhookSignatureError",
    "KlingError",
    "NotFoundError",
    "PermissionDeniedError",
    "PolicyError",
    "RateLimitError",
    "ServerError",
    "TaskError",
    "TaskFailedError",
    "TaskNotFinishedError",
    "UnexpectedResponseError",
    "WaitTimeoutError",
    "error_class",
    "error_codes",
    "retryable_status",
]


class KlingError(Exception):
    """Root of every error the client raises.

    Attributes:
        task_id: the task this error concerns, when one exists.
        external_task_id: the caller's (or the client's generated) id of a create, when known;
            look the task up with it when `task_id` is None.
    """

    task_id: str | None = None
    external_task_id: str | None = None

    def __init__(self, message: str) -> None:
        # Messages quote servers (error pages, status messages): never a secret, never a
        # terminal control.
        message = printable(redact(message))
        super().__init__(message)
        self.message = message

    def attach(self, *, task_id: str | None = None, external_task_id: str | None = None) -> None:
        """Record ids learnt after the error was built (never overwrite a known one)."""
        self.task_id = self.task_id or task_id
        self.external_task_id = self.external_task_id or external_task_id

    def __str__(self) -> str:
        ids = [
            f"{k}={v}"
            for k, v in (("task_id", self.task_id), ("external_task_id", self.external_task_id))
            if v
        ]
        return f"{self.message} ({', '.join(ids)})" if ids else self.message


class ConfigurationError(KlingError):
    """The client cannot be built as asked (missing key, unknown backend, bad option)."""


class InvalidRequestError(KlingError):
    """The request is invalid; found before anything was sent.

    Attributes:
        problems: every problem found, each naming the field, the rule and the value's fault.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p.message}" for p in self.problems)
        super().__init__(f"invalid request ({len(self.problems)} problem(s)):\n{lines}")


class APIError(KlingError):
    """The server answered with an error.

    Attributes:
        status_code: the HTTP status (200 when a success status carried a business error).
        code: Kling's business code (an int), or whatever odd value the server sent.
        request_id: the server's trace id; quote it when reporting a problem.
        body: the start of the response body (at most 500 characters, secrets redacted).
        retryable: whether trying again later can help (from the spec's code table).
        retry_after: seconds the server asked us to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: Any = None,
        request_id: str | None = None,
        body: str = "",
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.body = body
        self.retryable = retryable
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [f"HTTP {self.status_code}"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.request_id:
            parts.append(f"request_id {self.request_id}")
        return f"{super().__str__()} [{', '.join(parts)}]"


class AuthenticationError(APIError):
    """The credentials were missing, invalid or expired (401, codes 1000-1004)."""


class AccountError(APIError):
    """The account cannot run this: abnormal, in arrears or out of resource pack (1100-1102)."""


class PermissionDeniedError(APIError):
    """The key may not use this API or model (403, code 1103)."""


class BadRequestError(APIError):
    """The server rejected the parameters (400, codes 1200-1201)."""


class NotFoundError(APIError):
    """Unknown task, model or route (404, codes 1202-1203)."""


class PolicyError(APIError):
    """A platform, content-safety or IP allow-list policy refused the request (1300/1301/1304)."""


class RateLimitError(APIError):
    """Too many requests (429, code 1302); retry later."""


class ConcurrencyLimitError(RateLimitError):
    """Too many tasks running for the resource pack (code 1303); retry when one finishes."""


class ServerError(APIError):
    """The server failed (5xx, codes 5000-5002); retry later."""


class UnexpectedResponseError(APIError):
    """The answer was not Kling's envelope: HTML, non-JSON, a string `code`, an odd status."""


class APIConnectionError(KlingError):
    """No answer arrived (connection refused, reset, TLS, protocol error).

    Attributes:
        maybe_sent: False only when the request provably never reached the server (it failed
            while connecting); True when it may have been received and acted on.
    """

    def __init__(self, message: str, *, maybe_sent: bool) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class APITimeoutError(APIConnectionError):
    """The per-request timeout passed before an answer arrived."""


class TaskError(KlingError):
    """About a task rather than a request.

    Attributes:
        kind: the task kind (`text2video`, ...).
        last_status: the last `task_status` seen, or None if none was seen.
        task_status_msg: the server's explanation, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        task_id: str | None,
        kind: str,
        last_status: str | None,
        task_status_msg: str | None = None,
    ) -> None:
        super().__init__(message)
        self.task_id = task_id
        self.kind = kind
        self.last_status = last_status
        self.task_status_msg = task_status_msg


class TaskFailedError(TaskError):
    """The task ended in state `failed`; `task_status_msg` says why."""


class TaskNotFinishedError(TaskError):
    """The task's files were asked for before it finished; wait for it first."""


class WaitTimeoutError(TaskError):
    """The wait's deadline passed before the task finished; wait again by `task_id`.

    Attributes:
        last_error: the error of the last poll that failed during the wait, if any (also the
            `__cause__` when the last poll itself failed).
    """

    last_error: KlingError | None = None


class DownloadError(KlingError):
    """A result file could not be downloaded (or arrived short).

    Attributes:
        url: the file's URL with its query string removed.
        retryable: whether fetching it again later can help (429, 5xx).
    """

    def __init__(self, message: str, *, url: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.retryable = retryable


class InvalidWebhookSignatureError(KlingError):
    """A callback failed verification; answer it with 4xx and do not act on its body.

    The message says why and never contains the secret or the signature.

    Attributes:
        reason: `missing` (no or incomplete signature headers while a secret is configured),
            `mismatch` (no signature matches: tampered body or wrong secret), `stale` (the
            timestamp is more than the tolerance in the past), `future` (more than the
            tolerance ahead), `replayed` (this `webhook-id` was verified before) or `malformed`
            (a header that cannot be parsed).
        webhook_id: the callback's `webhook-id`, when it had one.
    """

    def __init__(self, message: str, *, reason: str, webhook_id: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.webhook_id = webhook_id


@dataclass(frozen=True)
class ErrorCode:
    """One row of the spec's `x-kling-error-codes` table."""

    code: int
    http: int
    group: str
    retryable: bool
    meaning: str


@functools.cache
def error_codes() -> dict[int, ErrorCode]:
    """The business-code table, read from the spec's `ErrorEnvelope` schema."""
    schema = resolve(load_spec()["components"]["schemas"]["ErrorEnvelope"])
    return {
        int(row["code"]): ErrorCode(
            int(row["code"]),
            int(row["http"]),
            str(row["group"]),
            bool(row["retryable"]),
            str(row["meaning"]),
        )
        for row in schema["x-kling-error-codes"]
    }


# Groups and statuses to classes; the code table (from the spec) says which group a code is in.
_BY_GROUP: dict[str, type[APIError]] = {
    "auth": AuthenticationError,
    "account": AccountError,
    "policy": PolicyError,
    "rate": RateLimitError,
    "server": ServerError,
}
_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    410: NotFoundError,
    429: RateLimitError,
}
_CONCURRENCY_CODE = 1303


def retryable_status(status_code: int) -> bool:
    """Whether an HTTP status says "try again later": 408, 429 and every 5xx."""
    return status_code in (408, 429) or status_code >= 500


def error_class(status_code: int, code: int | None) -> tuple[type[APIError], bool]:
    """Pick the class and retryability for an error answer.

    Args:
        status_code: the HTTP status.
        code: the business code, when the body was Kling's envelope with an integer one.

    Returns:
        (class, retryable). A known code wins over the status. Otherwise (another gateway's
        body, an HTML page, an unknown code) the status decides: 401, 403, 404/410 and 429 as
        their classes, 408 and every 5xx (520-527 too) ServerError, other 4xx BadRequestError,
        and 1xx-3xx UnexpectedResponseError. 408, 429 and 5xx are retryable.
    """
    row = error_codes().get(code) if code is not None else None
    if row is not None:
        if code == _CONCURRENCY_CODE:
            return ConcurrencyLimitError, row.retryable
        cls = _BY_STATUS.get(row.http) if row.group == "params" or row.http == 403 else None
        return cls or _BY_GROUP.get(row.group, APIError), row.retryable
    retryable = retryable_status(status_code)
    if status_code >= 500 or status_code == 408:
        return ServerError, retryable
    if status_code >= 400:
        return _BY_STATUS.get(status_code, BadRequestError), retryable
    return UnexpectedResponseError, False

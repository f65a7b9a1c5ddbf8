"""Kling's response envelope, as the fake gateway sends it.

Success: HTTP 200 `{code: 0, message: "SUCCEED", request_id, data}`. Failure: the real HTTP
status with `{code, message, request_id}` (the `ErrorEnvelope` of the spec). Every answer carries
a fresh uuid4 `request_id`, errors included.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.responses import JSONResponse

__all__ = [
    "MODEL_NAME_MISSING",
    "KlingError",
    "authenticate",
    "error_response",
    "new_request_id",
    "ok_response",
    "require_model_name",
]

MODEL_NAME_MISSING = "ModelName: header is required; haoee routes and bills every Kling call by it"
"""The message of the 400 (code 1201) a request without `ModelName` gets."""


def new_request_id() -> str:
    """A fresh request id (uuid4, as Kling's look)."""
    return str(uuid.uuid4())


class KlingError(Exception):
    """A request the gateway answers with an error envelope.

    Args:
        status: the HTTP status.
        code: the business code of the spec's `x-kling-error-codes`.
        message: what went wrong; for 1201 it names the field and the rule.
        headers: extra response headers (e.g. `Retry-After`).
    """

    def __init__(
        self, status: int, code: int, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def response(self, request_id: str, respell: Respell = None) -> JSONResponse:
        """The error envelope for this error (`respell`: as `ok_response`)."""
        return error_response(
            self.status, self.code, self.message, request_id, self.headers, respell
        )


Respell = Callable[[dict[str, Any]], dict[str, Any]] | None
"""What re-spells an envelope before it is sent (the gateway's variety), or None."""


def ok_response(data: Any, request_id: str, respell: Respell = None) -> JSONResponse:
    """HTTP 200 with the success envelope around `data`, re-spelt by `respell` if given."""
    body = {"code": 0, "message": "SUCCEED", "request_id": request_id, "data": data}
    return JSONResponse(body if respell is None else respell(body))


def error_response(
    status: int,
    code: int,
    message: str,
    request_id: str,
    headers: Mapping[str, str] | None = None,
    respell: Respell = None,
) -> JSONResponse:
    """The error envelope with the given HTTP status (`respell`: as `ok_response`)."""
    body: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    body = body if respell is None else respell(body)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def authenticate(headers: Mapping[str, str], keys: Iterable[str]) -> str:
    """The API key of a request (`Authorization: Bearer <key>`).

    Raises:
        KlingError: 401 code 1001 when the header is missing or empty, 1002 when it is not a
            bearer token of an accepted key.
    """
    value = headers.get("authorization", "").strip()
    if not value:
        raise KlingError(401, 1001, "Authorization header is empty")
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or token not in set(keys):
        raise KlingError(401, 1002, "Authorization header is invalid")
    return token


def require_model_name(headers: Mapping[str, str]) -> str:
    """The `ModelName` header of an API request, which haoee cannot route without.

    An empty or malformed value is left to the spec's parameter checks (its length and
    pattern); only a missing header is refused here.

    Raises:
        KlingError: 400 code 1201 when the header is missing.
    """
    value = headers.get("modelname")
    if value is None:
        raise KlingError(400, 1201, MODEL_NAME_MISSING)
    return value

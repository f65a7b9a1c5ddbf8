"""Kling's response envelope, as the fake gateway sends it.

Success: HTTP 200 `{code: 0, message: "SUCCEED", request_id, data}`. Failure: the real HTTP
status with `{code, message, request_id}` (the `ErrorEnvelope` of the spec). Every answer carries
a fresh uuid4 `request_id`, errors included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["KlingError", "authenticate", "error_response", "new_request_id", "ok_response"]


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

    def response(self, request_id: str) -> JSONResponse:
        """The error envelope for this error."""
        return error_response(self.status, self.code, self.message, request_id, self.headers)


def ok_response(data: Any, request_id: str) -> JSONResponse:
    """HTTP 200 with the success envelope around `data`."""
    return JSONResponse({"code": 0, "message": "SUCCEED", "request_id": request_id, "data": data})


def error_response(
    status: int,
    code: int,
    message: str,
    request_id: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error envelope with the given HTTP status."""
    body = {"code": code, "message": message, "request_id": request_id}
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

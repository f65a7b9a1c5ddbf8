"""The live target and the free read operations, both taken from the environment and the spec.

Plain httpx on purpose: the live checks judge the gateway, so they must not depend on the
overlay client they are meant to keep honest.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import openapi_doc

__all__ = [
    "DEFAULT_BASE_URL",
    "Listing",
    "Target",
    "describe",
    "haoee_listed",
    "listings",
    "model_name_for",
    "page",
    "task_ids",
]

DEFAULT_BASE_URL = "https://maas.haoee.com/kling"
PAGE_SIZE = 2


@dataclass(frozen=True)
class Target:
    """Where live checks go: base URL (with haoee's ``/kling`` prefix), key, optional ModelName."""

    base_url: str
    key: str
    model_name: str | None
    pause_s: float

    @classmethod
    def from_env(cls) -> Target:
        """Read HAOEE_BASE_URL, HAOEE_API_KEY, HAOEE_MODEL_NAME and KLING_LIVE_PAUSE_S."""
        return cls(
            base_url=os.environ.get("HAOEE_BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
            key=os.environ.get("HAOEE_API_KEY", ""),
            model_name=os.environ.get("HAOEE_MODEL_NAME") or None,
            pause_s=float(os.environ.get("KLING_LIVE_PAUSE_S", "0.2")),
        )

    def client(self, *, key: str | None = None) -> httpx.Client:
        """An httpx client with the Bearer key (``key`` replaces it), bounded timeouts, a pause.

        The pause before each request keeps a full run well under any plausible rate limit.
        """

        def pause(_request: httpx.Request) -> None:
            time.sleep(self.pause_s)

        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.key if key is None else key}"},
            timeout=httpx.Timeout(30.0, connect=10.0),
            event_hooks={"request": [pause]},
        )

    def headers(self, path: str, body: Any = None) -> dict[str, str]:
        """The ``ModelName`` header for a call to ``path`` (forced by HAOEE_MODEL_NAME or not)."""
        return {"ModelName": self.model_name or model_name_for(path, body)}


class Budget:
    """How many tasks this run may still create (KLING_LIVE_MAX_TASKS), across billed checks."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self) -> None:
        """Spend one create, or skip the test when the cap is reached."""
        if self.left <= 0:
            pytest.skip("KLING_LIVE_MAX_TASKS reached: no more paid tasks in this run")
        self.left -= 1


def describe(response: httpx.Response) -> str:
    """A one-line account of an answer: status, business code and message, or the raw start."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "code" in body:
        shown = f"code {body['code']!r} message {body.get('message')!r}"
        if "request_id" not in body:
            shown += " (no request_id)"
    else:
        kind = response.headers.get("content-type", "no content-type")
        shown = f"{kind}: {response.text[:200]!r}"
    return f"HTTP {response.status_code}, {shown}"


def page(size: int = PAGE_SIZE) -> dict[str, int]:
    """Query of the first list page, both parameters explicit so that a recording of the call
    replays through the generated client (which always sends ``pageNum``)."""
    return {"pageNum": 1, "pageSize": size}


@dataclass(frozen=True)
class Listing:
    """A free list operation and, when the spec has one, its get-one partner.

    ``haoee_listed`` is False for official-only operations (``x-haoee-listed: false``): haoee's
    documentation does not list them, so the live check records whether haoee serves them.
    """

    list_id: str
    path: str
    get_id: str | None
    kind: str
    haoee_listed: bool = True


@functools.cache
def _spec() -> Any:
    return openapi_doc.load()


def model_name_for(path: str, body: Any = None) -> str:
    """The ``ModelName`` the client sends for a call on ``path`` (openapi/README.md, ModelName).

    The body's ``model_name``, else the default model of the create on the same collection, is
    mapped through haoee's ``model-name-overrides``; without either, ``default-model-name``.
    """
    spec = _spec()
    haoee = spec["x-haoee"]
    collection = path.split("/{", 1)[0]
    create = spec["paths"].get(collection, {}).get("post", {})
    model = body.get("model_name") if isinstance(body, dict) else None
    model = model or create.get("x-kling-default-model")
    if model is None:
        return str(haoee["default-model-name"])
    return str(haoee.get("model-name-overrides", {}).get(model, model))


@functools.cache
def listings() -> tuple[Listing, ...]:
    """Every paged GET without path parameters in the spec: the free list operations (the
    account's costs, a GET that is not a list, has a check of its own)."""
    spec = _spec()
    found = []
    for path, method, operation in openapi_doc.operations(spec):
        if method != "get" or "{" in path or not _paged(spec, operation):
            continue
        get_one = spec["paths"].get(f"{path}/{{task_id}}", {}).get("get")
        found.append(
            Listing(
                list_id=operation["operationId"],
                path=path,
                get_id=get_one["operationId"] if get_one else None,
                kind=operation.get("x-kling-kind", operation["operationId"]),
                haoee_listed=operation.get("x-haoee-listed", True),
            )
        )
    return tuple(found)


def _paged(spec: Any, operation: Any) -> bool:
    params = [openapi_doc.resolve(spec, p) for p in operation.get("parameters", ())]
    return any(p.get("name") == "pageNum" for p in params)


def haoee_listed(path: str, method: str = "get") -> bool:
    """Whether haoee's documentation lists an operation (the spec's ``x-haoee-listed``)."""
    return bool(_spec()["paths"][path][method].get("x-haoee-listed", True))


def task_ids(page: httpx.Response) -> list[str]:
    """The task ids on a list page (empty for element lists, whose items are not tasks)."""
    data = page.json().get("data")
    items = data if isinstance(data, list) else []
    return [str(item["task_id"]) for item in items if isinstance(item, dict) and "task_id" in item]

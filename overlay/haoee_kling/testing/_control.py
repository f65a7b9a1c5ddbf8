"""The control API under `/_fake/`: steer a fake gateway that runs in another process.

Every call needs the same `Authorization: Bearer <key>` as the API. JSON in, JSON out:

    GET    /_fake/tasks             every task: id, kind (as `kling` names it), status, external
                                    id, ModelName seen
    POST   /_fake/faults            add faults: one object or a list, fields of `Fault`
    GET    /_fake/faults            the faults still pending
    DELETE /_fake/faults            clear the fault plan
    POST   /_fake/clock/advance     {"seconds": N}: move the clock forward; answers {"now": ...}
    POST   /_fake/reset             forget all tasks and faults
    POST   /_fake/callbacks         callback faults, fields of `CallbackFaults` (drop, duplicate,
                                    delay, reorder, bad_signature); answers as GET does
    GET    /_fake/callbacks         the callback faults in force and every delivery so far
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .._kind_names import user_kind
from ._callbacks import CallbackFaults
from ._envelope import KlingError, authenticate, new_request_id
from ._faults import Fault

if TYPE_CHECKING:
    from ._gateway import FakeGateway

__all__ = ["control_routes"]

Endpoint = Callable[["FakeGateway", Request], Awaitable[Any]]


def _guarded(gateway: FakeGateway, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            authenticate(request.headers, gateway.config.keys)
            return JSONResponse(await endpoint(gateway, request))
        except KlingError as error:
            return error.response(new_request_id())
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return run


async def _tasks(gateway: FakeGateway, request: Request) -> list[dict[str, Any]]:
    now = gateway.clock.now()
    return [
        {
            "task_id": task.task_id,
            "kind": user_kind(task.kind),
            "task_status": task.timeline.status_at(now),
            "external_task_id": task.external_task_id,
            "model_header": task.model_header,
            "created_at": task.timeline.created,
            "finishes_at": task.timeline.finished,
        }
        for task in gateway.tasks()
    ]


async def _add_faults(gateway: FakeGateway, request: Request) -> list[dict[str, Any]]:
    payload = await request.json()
    items = payload if isinstance(payload, list) else [payload]
    if not all(isinstance(item, dict) for item in items):
        raise ValueError("send a fault object or a list of them")
    gateway.faults.add(*(Fault.from_mapping(item) for item in items))
    return await _list_faults(gateway, request)


async def _list_faults(gateway: FakeGateway, request: Request) -> list[dict[str, Any]]:
    return [dataclasses.asdict(fault) for fault in gateway.faults.pending()]


async def _clear_faults(gateway: FakeGateway, request: Request) -> list[dict[str, Any]]:
    gateway.faults.clear()
    return []


async def _advance(gateway: FakeGateway, request: Request) -> dict[str, float]:
    payload = await request.json()
    seconds = payload.get("seconds") if isinstance(payload, dict) else None
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        raise ValueError('send {"seconds": <number>}')
    gateway.advance(float(seconds))
    return {"now": gateway.clock.now()}


async def _callbacks(gateway: FakeGateway, request: Request) -> dict[str, Any]:
    if request.method == "POST":
        payload = await request.json()
        known = {f.name for f in dataclasses.fields(CallbackFaults)}
        if not isinstance(payload, dict) or not set(payload) <= known:
            raise ValueError(f"send an object with some of: {', '.join(sorted(known))}")
        gateway.callbacks.faults = CallbackFaults(**payload)
    return {
        "faults": dataclasses.asdict(gateway.callbacks.faults),
        "deliveries": [dataclasses.asdict(d) for d in gateway.callbacks.deliveries],
    }


async def _reset(gateway: FakeGateway, request: Request) -> dict[str, bool]:
    gateway.reset()
    return {"reset": True}


def control_routes(gateway: FakeGateway) -> list[BaseRoute]:
    """The `/_fake/...` routes of one gateway."""

    def route(path: str, endpoint: Endpoint, method: str) -> Route:
        return Route(f"/_fake/{path}", _guarded(gateway, endpoint), methods=[method])

    return [
        route("tasks", _tasks, "GET"),
        route("faults", _add_faults, "POST"),
        route("faults", _list_faults, "GET"),
        route("faults", _clear_faults, "DELETE"),
        route("clock/advance", _advance, "POST"),
        route("reset", _reset, "POST"),
        route("callbacks", _callbacks, "POST"),
        route("callbacks", _callbacks, "GET"),
    ]

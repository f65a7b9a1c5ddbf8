"""The fake gateway's ASGI app: every operation of the spec, routed by the spec's own paths.

Routes: `{prefix}{path}` for each path of the spec (one route per path, all its methods; other
methods get 405 with `Allow` listing exactly the spec's methods), `/openapi.json` and
`/openapi.yaml` (the spec, with `servers` pointing at this fake and `ModelName` required),
`/media/{name}` (results: a request with `Authorization` gets S3's 400, see `_media`) and the
control API under `/_fake/` (see `_control`). Anything else is 404 code 1203.

Each API request goes: fault plan -> auth (401 1001/1002) -> `ModelName` present (400 1201,
haoee routes and bills by it: openapi/README.md, "ModelName") -> parameters and body checked with
`haoee_kling.check._validation` (400 1201; unreadable JSON 400 1200) -> model and content checks
(404 1203, 400 1301) -> the operation's handler. The app is a bare Starlette `Router`, without
the error middleware of `Starlette()`, so a deliberate `ConnectionDropped` reaches in-process
clients unchanged.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from .._spec import Operation, load_spec, operations
from ..check._validation import validate_body, validate_parameters
from ._call import Call
from ._control import control_routes
from ._envelope import (
    KlingError,
    authenticate,
    error_response,
    new_request_id,
    ok_response,
    require_model_name,
)
from ._handlers import check_body, handler_for
from ._media import MEDIA_RETENTION, media_response, second_auth_response
from ._wire import fault_response

if TYPE_CHECKING:
    from ._gateway import FakeGateway

__all__ = ["build_app"]


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _PathEndpoint:
    """All operations of one spec path."""

    def __init__(self, gateway: FakeGateway, ops: dict[str, Operation]) -> None:
        self.gateway = gateway
        self.ops = ops
        self.allow = ", ".join(ops)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        request_id = new_request_id()
        op = self.ops.get(request.method)
        response: Response
        if op is None:
            message = f"method {request.method} is not allowed here; allowed: {self.allow}"
            response = error_response(405, 1202, message, request_id, {"Allow": self.allow})
        else:
            fault = self.gateway.faults.take(op.operation_id, request.method, request.url.path)
            produce = functools.partial(self._answer, op, request, request_id)
            response = await fault_response(fault, request_id, produce)
            if self.gateway.variety is not None:
                self.gateway.variety.recase(response)
        await response(scope, receive, send)

    async def _answer(self, op: Operation, request: Request, request_id: str) -> Response:
        variety = self.gateway.variety
        respell = None if variety is None else functools.partial(variety.answer, op)
        try:
            call = await self._call(op, request)
            if op.method == "POST":
                check_body(call)
            data = handler_for(op)(self.gateway, call)
        except KlingError as error:
            return error.response(request_id, respell)
        return ok_response(data, request_id, respell)

    async def _call(self, op: Operation, request: Request) -> Call:
        gateway = self.gateway
        key = authenticate(request.headers, gateway.config.keys)
        model_header = require_model_name(request.headers)
        values = {
            "path": dict(request.path_params),
            "query": dict(request.query_params),
            "header": dict(request.headers),
        }
        problems = validate_parameters(op.operation_id, values)
        if problems:
            raise KlingError(400, 1201, problems[0].message)
        body: Any = {}
        if op.body_schema is not None:
            body = await _json_body(request)
            problems = validate_body(op.operation_id, body)
            if problems:
                raise KlingError(400, 1201, problems[0].message)
        return Call(
            op=op,
            key=key,
            body=body,
            path=values["path"],
            query=values["query"],
            model_header=model_header,
            base=f"{request.url.scheme}://{request.url.netloc}",
            now=gateway.clock.now(),
        )


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise KlingError(400, 1200, "request body is empty; a JSON object is required")
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except ValueError as exc:
        raise KlingError(400, 1200, f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise KlingError(400, 1200, "request body must be a JSON object")
    return body


@functools.cache
def _spec_for(prefix: str) -> dict[str, Any]:
    """The spec as this fake serves it: its server, and `ModelName` required, as haoee
    requires it (the file keeps it optional: Kling's own hosts ignore it)."""
    spec = dict(load_spec())
    spec["servers"] = [{"url": prefix or "/", "description": "this fake haoee gateway"}]
    components = dict(spec["components"])
    parameters = dict(components["parameters"])
    parameters["ModelName"] = {**parameters["ModelName"], "required": True}
    spec["components"] = {**components, "parameters": parameters}
    return spec


def build_app(gateway: FakeGateway) -> Router:
    """The ASGI app of a gateway (routes read from the spec at build time)."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations().values():
        by_path.setdefault(op.path, {})[op.method] = op
    prefix = gateway.config.prefix
    routes: list[BaseRoute] = [
        Route(prefix + path, _PathEndpoint(gateway, ops)) for path, ops in by_path.items()
    ]

    async def spec_json(request: Request) -> Response:
        return JSONResponse(_spec_for(prefix))

    async def spec_yaml(request: Request) -> Response:
        text = yaml.safe_dump(_spec_for(prefix), allow_unicode=True, sort_keys=False)
        return Response(text, media_type="application/yaml")

    async def media(request: Request) -> Response:
        name = request.path_params["name"]
        fault = gateway.faults.take(None, request.method, request.url.path)

        request_id = new_request_id()

        async def produce() -> Response:
            if "authorization" in request.headers:
                return second_auth_response(request_id)
            ready = gateway.store.media_ready(name, gateway.clock.now(), MEDIA_RETENTION)
            return media_response(name, ready)

        return await fault_response(fault, request_id, produce)

    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        message = f"no such route: {scope.get('method', '')} {scope.get('path', '')}"
        await error_response(404, 1203, message, new_request_id())(scope, receive, send)

    routes += [
        Route("/openapi.json", spec_json),
        Route("/openapi.yaml", spec_yaml),
        Route("/media/{name}", media),
        *control_routes(gateway),
    ]
    return Router(routes, redirect_slashes=False, default=not_found)

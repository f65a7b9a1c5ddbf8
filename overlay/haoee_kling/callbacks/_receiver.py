"""`CallbackReceiver`: an ASGI app that takes Kling's task callbacks and finishes waits by push.

    receiver = CallbackReceiver(url="https://example.com/kling-callback")   # your public URL
    with receiver.serve(port=8080):           # or mount `receiver` in your own ASGI app
        task = kling.text2video.create_and_wait(prompt="a fox", via=receiver)

Each POST is verified (`Webhooks`: signature, timestamp, `webhook-id`), read by the tolerant
reader and kept as the task's latest state. Duplicates (a `webhook-id` seen before, or the same
state again) are answered 200 and dropped; a late, older state (a `processing` after the
`succeed`) never replaces a newer one, so out-of-order deliveries change nothing. A wait given
`via=receiver` ends as soon as its task's terminal callback is here, noticed within `tick`
seconds through the client's clock (so fake clocks work too), and keeps polling slowly
(`safety_interval`) so a lost callback never hangs it.

Starlette (and uvicorn, for `serve`) come with the `receiver` extra:
`pip install 'haoee-kling[receiver]'`.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._config import check_seconds
from .._errors import ConfigurationError, InvalidWebhookSignatureError, UnexpectedResponseError
from ..plans._engine import Listen
from ..plans._polling import classify_status
from ._sockets import BackgroundServer, bind, prompt_server
from ._webhooks import Webhooks

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["MAX_CALLBACK_BYTES", "CallbackReceiver", "ServedReceiver"]

_log = logging.getLogger("haoee_kling")
_RANK = {"submitted": 0, "processing": 1}
_KEEP = 100_000
MAX_CALLBACK_BYTES = 1 << 20
"""The largest callback body the receiver reads (a task's JSON is a few KB); larger ones get
413 before they are read whole, so a sender cannot fill the receiver's memory."""
_EXTRA = "pip install 'haoee-kling[receiver]'"


async def _capped_body(request: Request) -> bytes | None:
    """The request's body, or None once it passes `MAX_CALLBACK_BYTES` (stops reading)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CALLBACK_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_CALLBACK_BYTES:
            return None
    return bytes(body)


def _need(module: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as error:
        raise ImportError(
            f"CallbackReceiver needs {module.split('.')[0]}, which is not installed: {_EXTRA}"
        ) from error


def _rank(task: Mapping[str, Any]) -> int:
    status = str(task.get("task_status"))
    return 2 if classify_status(status) != "pending" else _RANK.get(status.casefold(), 1)


def _is_newer(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> bool:
    """Whether `new` moves a task on from `old` (a terminal state is never replaced)."""
    if old is None:
        return True
    if _rank(old) == 2 or _rank(new) < _rank(old):
        return False
    if _rank(new) > _rank(old):
        return True
    same = new.get("task_status") == old.get("task_status")
    return not same and int(new.get("updated_at") or 0) >= int(old.get("updated_at") or 0)


class CallbackReceiver:
    """Receives Kling's task callbacks (an ASGI app) and hands them to waits and to you.

    Args:
        secret: the `whsec_...` webhook secret (default: `KLING_WEBHOOK_SECRET`; with neither,
            callbacks cannot be verified and are accepted with a warning).
        url: the public URL Kling should post to; `create_and_wait(..., via=receiver)` fills a
            create's `callback_url` with it when the call gives none.
        on_task: called with each new task state (the task as JSON), once per state; may be
            a coroutine function.
        safety_interval: seconds between the slow polls a push-driven wait keeps making.
        tick: how often a waiting call checks for a push, seconds of its client's clock.
        webhooks: the verifier to use (default: `Webhooks(secret)`, remembering `webhook-id`s).
    """

    def __init__(
        self,
        secret: str | None = None,
        *,
        url: str | None = None,
        on_task: Callable[[dict[str, Any]], Any] | None = None,
        safety_interval: float = 60.0,
        tick: float = 0.25,
        webhooks: Webhooks | None = None,
    ) -> None:
        check_seconds("safety_interval", safety_interval)
        check_seconds("tick", tick)
        self.url = url
        self.on_task = on_task
        self.safety_interval = safety_interval
        self.tick = tick
        self.webhooks = webhooks or Webhooks(secret)
        self.received = 0
        self.duplicates = 0
        self.rejected = 0
        self._tasks: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._app: ASGIApp | None = None

    def __repr__(self) -> str:
        return (
            f"CallbackReceiver(url={self.url!r}, tasks={len(self._tasks)}, "
            f"received={self.received}, duplicates={self.duplicates}, rejected={self.rejected})"
        )

    # ------------------------------------------------------------------ state
    def deliver(self, task: dict[str, Any]) -> bool:
        """Record a verified task state; True when it is new (not a duplicate or older state)."""
        task_id = str(task["task_id"])
        with self._lock:
            if not _is_newer(task, self._tasks.get(task_id)):
                self.duplicates += 1
                return False
            self.received += 1
            self._tasks[task_id] = task
            self._tasks.move_to_end(task_id)
            while len(self._tasks) > _KEEP:
                self._tasks.popitem(last=False)
        return True

    def latest(self, task_id: str) -> dict[str, Any] | None:
        """The latest state received for a task (as JSON), or None."""
        with self._lock:
            return self._tasks.get(task_id)

    def finished(self, task_ids: tuple[str, ...] | list[str]) -> dict[str, dict[str, Any]]:
        """The tasks among `task_ids` whose terminal callback has arrived."""
        with self._lock:
            found = {t: self._tasks[t] for t in task_ids if t in self._tasks}
        return {t: task for t, task in found.items() if _rank(task) == 2}

    # ------------------------------------------------------------------ waiting (engine)
    def _step(self, action: Listen, left: float) -> tuple[dict[str, dict[str, Any]], float]:
        """What a listen has so far, and how long to sleep before looking again (0: done)."""
        news = self.finished(action.keys)
        if len(news) == len(action.keys) or left <= 0:
            return news, 0.0
        return news, min(self.tick, left)

    def listen(self, action: Listen) -> dict[str, dict[str, Any]]:
        """Block until every key's terminal callback is here or `action.seconds` pass."""
        left = action.seconds
        while True:
            news, step = self._step(action, left)
            if not step:
                return news
            action.clock.sleep(step)
            left -= step

    async def alisten(self, action: Listen) -> dict[str, dict[str, Any]]:
        """`listen`, awaited."""
        left = action.seconds
        while True:
            news, step = self._step(action, left)
            if not step:
                return news
            await action.clock.asleep(step)
            left -= step

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)

    def _build(self) -> ASGIApp:
        applications = _need("starlette.applications")
        routing = _need("starlette.routing")
        return applications.Starlette(  # type: ignore[no-any-return]
            routes=[routing.Route("/{path:path}", self._endpoint, methods=["POST"])]
        )

    async def _endpoint(self, request: Request) -> JSONResponse:
        from starlette.responses import JSONResponse

        body = await _capped_body(request)
        if body is None:
            self.rejected += 1
            _log.warning("callback rejected: body over %d bytes", MAX_CALLBACK_BYTES)
            return JSONResponse(
                {"received": False, "duplicate": False, "error": "body too large"},
                status_code=413,
            )
        try:
            verified = self.webhooks.read(body, request.headers)
        except InvalidWebhookSignatureError as error:
            if error.reason == "replayed":
                self.duplicates += 1
                return JSONResponse({"received": True, "duplicate": True})
            self.rejected += 1
            _log.warning("callback rejected (%s): %s", error.reason, error.message)
            return JSONResponse(
                {"received": False, "duplicate": False, "error": error.message}, status_code=401
            )
        except (UnexpectedResponseError, ConfigurationError) as error:
            self.rejected += 1
            _log.warning("callback rejected: %s", error.message)
            status = 500 if isinstance(error, ConfigurationError) else 400
            return JSONResponse(
                {"received": False, "duplicate": False, "error": error.message},
                status_code=status,
            )
        fresh = self.deliver(verified.task)
        if fresh and self.on_task is not None:
            result = self.on_task(verified.task)
            if inspect.isawaitable(result):
                await result
        return JSONResponse({"received": True, "duplicate": not fresh})

    # ------------------------------------------------------------------ serving
    @contextlib.contextmanager
    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, timeout: float = 10.0
    ) -> Iterator[ServedReceiver]:
        """Serve this receiver with uvicorn in a background thread until the block ends.

        Args:
            host: the address to listen on (loopback by default; put a public proxy in front).
            port: the port (0: a free one).
            timeout: seconds to wait for the server to start.

        Yields:
            The running server (`local_url`: where it listens).

        Raises:
            RuntimeError: the server did not start in time.
        """
        uvicorn = _need("uvicorn")

        config = uvicorn.Config(
            self, lifespan="off", log_config=None, log_level="critical", ws="none"
        )
        serving = BackgroundServer(prompt_server(config), bind(host, port), "kling-callbacks")
        if not serving.start(timeout):
            raise RuntimeError(f"the callback receiver did not start on {host}:{serving.port}")
        try:
            shown = f"[{host}]" if ":" in host else host
            yield ServedReceiver(self, f"http://{shown}:{serving.port}/")
        finally:
            serving.stop(timeout)


@dataclass(frozen=True)
class ServedReceiver:
    """A receiver being served (`CallbackReceiver.serve`).

    Attributes:
        receiver: the receiver.
        local_url: where it listens, e.g. `http://127.0.0.1:8080/`.
    """

    receiver: CallbackReceiver
    local_url: str

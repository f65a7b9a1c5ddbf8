"""`FakeGateway`: configuration, state and the ASGI app of one fake haoee gateway.

    gateway = FakeGateway()                       # fake clock, key DEMO_KEY, prefix /kling
    async with gateway.async_client() as client:  # in-process, no sockets
        created = (await client.post("/v1/videos/text2video", json={"prompt": "a fox"})).json()
        gateway.advance(60)                       # or gateway.finish(task_id)
    gateway.faults.add(http_error(503, match="createText2Video"))

The same object serves under uvicorn (`serve_in_thread`, `python -m haoee_kling.testing`).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .._spec import load_spec
from ._app import build_app
from ._callbacks import FAKE_WEBHOOK_SECRET, CallbackDispatcher
from ._clock import Clock, FakeClock
from ._elements import presets
from ._faults import FaultPlan
from ._lifecycle import KINDS, DurationProfile
from ._store import Store, Task, media_refs
from ._variety import Variety

if TYPE_CHECKING:
    from starlette.testclient import TestClient
    from starlette.types import ASGIApp

__all__ = ["DEFAULT_MODEL_NAME", "DEMO_KEY", "FakeGateway", "GatewayConfig"]

DEMO_KEY = "fake-demo-key"
"""The key a default fake gateway accepts."""

IN_PROCESS_HOST = "http://fake-haoee.test"

DEFAULT_MODEL_NAME = str(load_spec()["x-haoee"]["default-model-name"])
"""The `ModelName` the raw clients of `async_client` and `test_client` send by default."""


def _default_concurrency() -> dict[str, int]:
    return {"video": 5, "image": 10, "audio": 5, "element": 5, "virtual_try_on": 5}


@dataclass(frozen=True)
class GatewayConfig:
    """How a fake gateway behaves.

    Attributes:
        keys: the accepted API keys (`Authorization: Bearer <key>`).
        prefix: the path prefix of the API (haoee serves Kling under `/kling`).
        seed: seeds task durations and random failures; same seed, same run.
        concurrency: per key, the units each pool allows at once (`video`, `image` (a task
            costs `n`), `audio`, `element`, `virtual_try_on`); a pool left out is unlimited.
        profiles: duration profiles by task kind, replacing the defaults of `_lifecycle`.
        failure_rate: the share of tasks that fail on their own (besides `[fake:fail]`).
        retry_after: the `Retry-After` seconds sent with 429 code 1303.
        session_ttl: how long an identify-face session stays valid, seconds.
        webhook_secret: the `whsec_` secret callbacks are signed with (None: unsigned, the
            legacy form); see `_callbacks`.
        variety: None for answers in the spec's one spelling; a seed for answers in every
            spelling the client's tolerant reader accepts (capitalised statuses, unknown
            fields, `""` and `null` for absent values, numbers as text...; see `_variety`).
    """

    keys: tuple[str, ...] = (DEMO_KEY,)
    prefix: str = "/kling"
    seed: int = 0
    concurrency: Mapping[str, int] = field(default_factory=_default_concurrency)
    profiles: Mapping[str, DurationProfile] = field(default_factory=dict)
    failure_rate: float = 0.0
    retry_after: int = 1
    session_ttl: float = 24 * 3600.0
    webhook_secret: str | None = FAKE_WEBHOOK_SECRET
    variety: int | None = None

    def __post_init__(self) -> None:
        if self.prefix and (not self.prefix.startswith("/") or self.prefix.endswith("/")):
            raise ValueError(f"prefix must start and not end with '/' (got {self.prefix!r})")
        unknown = set(self.profiles) - set(KINDS)
        if unknown:
            raise ValueError(f"profiles for unknown task kinds: {sorted(unknown)}")
        if not self.keys:
            raise ValueError("a fake gateway needs at least one key")


class FakeGateway:
    """One fake haoee gateway: its config, clock, fault plan, stored state and ASGI app.

    Args:
        config: the configuration; keyword arguments replace single fields of it.
        clock: the clock tasks progress by; a `FakeClock` when not given.
    """

    def __init__(
        self, config: GatewayConfig | None = None, *, clock: Clock | None = None, **changes: Any
    ) -> None:
        self.config = dataclasses.replace(config or GatewayConfig(), **changes)
        self.clock: Clock = clock if clock is not None else FakeClock()
        self.faults = FaultPlan()
        self.store = Store()
        self.variety = Variety(self.config.variety) if self.config.variety is not None else None
        self.callbacks = CallbackDispatcher(self)
        self.reset()
        self.app: ASGIApp = build_app(self)

    @property
    def base_url(self) -> str:
        """The API base URL for in-process clients (`async_client`, `test_client`)."""
        return IN_PROCESS_HOST + self.config.prefix

    @property
    def key(self) -> str:
        """The first accepted key."""
        return self.config.keys[0]

    def profile(self, kind: str) -> DurationProfile:
        """The duration profile in force for a task kind."""
        return self.config.profiles.get(kind) or KINDS[kind].profile

    def auth_headers(self, key: str | None = None) -> dict[str, str]:
        """`Authorization: Bearer <key>` for the first key, or for `key`."""
        return {"Authorization": f"Bearer {key or self.key}"}

    def client_headers(
        self, key: str | None = None, model_name: str | None = DEFAULT_MODEL_NAME
    ) -> dict[str, str]:
        """What a raw client of haoee sends on every API call: `auth_headers(key)`, and the
        `ModelName` header haoee routes by (None: no `ModelName`, which the gateway refuses)."""
        headers = self.auth_headers(key)
        if model_name is not None:
            headers["ModelName"] = model_name
        return headers

    def async_client(
        self, *, model_name: str | None = DEFAULT_MODEL_NAME, **kwargs: Any
    ) -> httpx.AsyncClient:
        """An httpx client bound to the app in-process, with `client_headers(model_name)`."""
        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("headers", self.client_headers(model_name=model_name))
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), **kwargs)

    def test_client(
        self, *, model_name: str | None = DEFAULT_MODEL_NAME, **kwargs: Any
    ) -> TestClient:
        """A synchronous Starlette `TestClient` on the app, with `client_headers(model_name)`
        (a `Kling` client given it as `http_client` should pass `model_name=None`, so that
        the `ModelName` on the wire is its own)."""
        with warnings.catch_warnings():
            # Starlette 1.x asks for httpx2 behind its TestClient; with httpx (what this project
            # and the fake's ConnectionDropped use) it still works, so the notice is not ours.
            warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
            from starlette.testclient import TestClient

        client = TestClient(self.app, base_url=self.base_url, **kwargs)
        client.headers.update(self.client_headers(model_name=model_name))
        return client

    # ------------------------------------------------------------------ state helpers
    def reset(self) -> None:
        """Forget all tasks, sessions and elements and clear the fault plan."""
        self.store.reset()
        self.faults.clear()
        self.callbacks.reset()
        for name in media_refs(presets()):
            self.store.add_media(name)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (and send the callbacks that fall due)."""
        self.clock.advance(seconds)
        self.callbacks.pump()

    def tasks(self) -> list[Task]:
        """Every stored task, oldest first."""
        return self.store.tasks()

    def task(self, task_id: str) -> Task:
        """A stored task by id.

        Raises:
            KeyError: no such task.
        """
        task = self.store.get(task_id)
        if task is None:
            raise KeyError(task_id)
        return task

    def status(self, task_id: str) -> str:
        """A task's status now."""
        return self.task(task_id).timeline.status_at(self.clock.now())

    def finish(self, task_id: str) -> str:
        """Advance the clock until the task is terminal; returns its final status."""
        timeline = self.task(task_id).timeline
        remaining = timeline.finished - self.clock.now()
        if remaining > 0:
            self.clock.advance(remaining)
        self.callbacks.pump()
        return timeline.outcome

    def __repr__(self) -> str:
        variety = "" if self.variety is None else f", variety={self.variety.seed}"
        return f"FakeGateway(prefix={self.config.prefix!r}, clock={self.clock!r}{variety})"

"""What the namespaces of one client share: its config, its clock and remembered headers.

The haoee `ModelName` header is decided here: derived from a create's model
(`model_name_header`), remembered per task, and sent again on its reads.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._clock import Clock
from ._config import Config, NotGiven, check_header, check_seconds
from ._errors import InvalidRequestError
from ._spec import Operation, load_spec, operation
from .plans._polling import default_poll_policy

if TYPE_CHECKING:
    from .plans._polling import ProgressEvent
    from .plans._waiting import WaitSpec

__all__ = ["Core", "model_name_header"]

_MEMORY = 10_000
# A wait's deadline when neither the call, the client nor the model's map entry gives one.
DEFAULT_WAIT_TIMEOUT = 900.0


class Core:
    """What every namespace of one client shares: config, clock and remembered headers.

    Args:
        config: the client's frozen configuration.
        clock: time and sleep.
        memory: task_id -> ModelName sent on its create (shared with `with_options` copies).
    """

    def __init__(
        self, config: Config, clock: Clock, memory: OrderedDict[str, str] | None = None
    ) -> None:
        self.config = config
        self.clock = clock
        self.memory: OrderedDict[str, str] = OrderedDict() if memory is None else memory
        self.deadlines: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    @functools.cached_property
    def _default_header(self) -> str | None:
        # Once per client: its config is frozen, and every read asks (`make bench`).
        if self.config.backend != "haoee":
            return None
        if self.config.model_name_header is not None:
            return self.config.model_name_header
        return str(load_spec()["x-haoee"]["default-model-name"])

    def create_header(
        self, operation_id: str, body: Mapping[str, Any], override: Any
    ) -> str | None:
        """The ModelName for a create: the override, the client's, or derived from the body."""
        if not isinstance(override, NotGiven):
            return check_header("model_name_header", override, error=InvalidRequestError)
        if self.config.backend != "haoee":
            return None
        return self.config.model_name_header or model_name_header(operation(operation_id), body)

    def header_for(self, task_id: str | None, kind: str, override: Any) -> str | None:
        """The ModelName for a read: what the task's create sent, else the kind's last, else
        the default."""
        if not isinstance(override, NotGiven):
            return check_header("model_name_header", override, error=InvalidRequestError)
        with self._lock:
            known = self.memory.get(task_id or "") or self.memory.get(f"kind:{kind}")
        return (
            known if known is not None and self.config.backend == "haoee" else self._default_header
        )

    def remember(
        self, task_id: str, kind: str, header: str | None, deadline: float | None = None
    ) -> None:
        """Record what a create sent (its `ModelName`) and the default deadline of its model,
        for later reads and waits of the same task."""
        with self._lock:
            if deadline is not None:
                self.deadlines[task_id] = deadline
                while len(self.deadlines) > _MEMORY:
                    self.deadlines.popitem(last=False)
            if header is None:
                return
            self.memory[task_id] = header
            self.memory[f"kind:{kind}"] = header
            while len(self.memory) > _MEMORY:
                self.memory.popitem(last=False)

    def default_deadline(self, task_ids: Any) -> float | None:
        """The deadline of a wait the caller gave none: the client's `wait_timeout` if set,
        else the longest of the tasks' models' defaults (the capability map), else 900 s."""
        if not isinstance(self.config.wait_timeout, NotGiven):
            return self.config.wait_timeout
        with self._lock:
            known = [self.deadlines[t] for t in task_ids if t in self.deadlines]
        return max(known, default=DEFAULT_WAIT_TIMEOUT)

    def wait_spec(
        self,
        kind: str,
        timeout: Any,
        on_progress: Callable[[ProgressEvent], Any] | None,
        *,
        just_created: bool = False,
        task_ids: Any = (),
    ) -> WaitSpec:
        """The WaitSpec of one wait (NOT_GIVEN timeout: `default_deadline(task_ids)`)."""
        from .plans._waiting import WaitSpec

        cfg = self.config
        if not isinstance(timeout, NotGiven):
            timeout = check_seconds(
                "timeout", timeout, none="no deadline", error=InvalidRequestError
            )
        return WaitSpec(
            timeout=self.default_deadline(task_ids) if isinstance(timeout, NotGiven) else timeout,
            request_timeout=cfg.timeout,
            poll=cfg.poll_policy or default_poll_policy(kind),
            retry=cfg.retry,
            clock=self.clock,
            on_progress=on_progress,
            just_created=just_created,
        )


def _haoee() -> dict[str, Any]:
    value: dict[str, Any] = load_spec().get("x-haoee", {})
    return value


def model_name_header(op: Operation, body: Mapping[str, Any] | None) -> str:
    """The `ModelName` header haoee routes and bills by, for a create.

    Args:
        op: the create operation.
        body: its JSON body.

    Returns:
        The body's `model_name` (or the operation's default model) mapped through the spec's
        `x-haoee.model-name-overrides`; `x-haoee.default-model-name` when there is no model.
    """
    haoee = _haoee()
    model = (body or {}).get("model_name") or op.default_model
    if not isinstance(model, str) or not model:
        return str(haoee["default-model-name"])
    overrides: Mapping[str, str] = haoee.get("model-name-overrides", {})
    return overrides.get(model, model)

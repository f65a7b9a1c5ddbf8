"""A fake haoee gateway for the Kling API: offline, deterministic, spec-checked.

It serves every operation of `openapi/kling.yaml` under `/kling`, validates requests with the
same code the client uses (JSON Schema limits plus `x-kling-rules`), runs tasks through
`submitted -> processing -> succeed | failed` on an injectable clock, serves real MP4/PNG/MP3/WAV
results, and misbehaves on request (see `Fault`). Use it in-process:

    from haoee_kling.testing import FakeGateway, linked_client
    gateway = FakeGateway()
    with linked_client(gateway, "sync") as kling: ...   # a Kling whose waits take no time

on loopback (`serve_in_thread(gateway)`, or `python -m haoee_kling.testing --port 0`), or
through the pytest fixtures of `haoee_kling.testing.pytest_plugin`.

Markers in any string of a create body: `[fake:fail]` makes the task end `failed` (content
safety), `[fake:reject]` makes the create answer 400 code 1301.

Everything here is imported on first use, so `import haoee_kling.testing` (and the pytest plugin,
when registered) needs none of the `fake` extra until a fake is actually built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._callbacks import FAKE_WEBHOOK_SECRET, CallbackFaults, Delivery
    from ._clock import Clock, FakeClock, RealClock
    from ._faults import (
        Fault,
        FaultPlan,
        dropped_connection,
        html_error_page,
        http_error,
        malformed_json,
        parse_fault,
        slow_response,
        truncated_body,
    )
    from ._gateway import DEMO_KEY, FakeGateway, GatewayConfig
    from ._handlers import FAIL_MARKER, REJECT_MARKER
    from ._lifecycle import KINDS, DurationProfile
    from ._linked import LinkedClock, link_default_clock, linked_client
    from ._media import sample_image_path
    from ._server import RunningServer, serve_in_thread
    from ._specdata import request_examples
    from ._wire import ConnectionDropped

__all__ = [
    "DEMO_KEY",
    "FAIL_MARKER",
    "FAKE_WEBHOOK_SECRET",
    "KINDS",
    "REJECT_MARKER",
    "CallbackFaults",
    "Clock",
    "ConnectionDropped",
    "Delivery",
    "DurationProfile",
    "FakeClock",
    "FakeGateway",
    "Fault",
    "FaultPlan",
    "GatewayConfig",
    "LinkedClock",
    "RealClock",
    "RunningServer",
    "dropped_connection",
    "html_error_page",
    "http_error",
    "link_default_clock",
    "linked_client",
    "malformed_json",
    "parse_fault",
    "request_examples",
    "sample_image_path",
    "serve_in_thread",
    "slow_response",
    "truncated_body",
]

_EXPORTS = {
    "CallbackFaults": "._callbacks",
    "Delivery": "._callbacks",
    "FAKE_WEBHOOK_SECRET": "._callbacks",
    "Clock": "._clock",
    "ConnectionDropped": "._wire",
    "DEMO_KEY": "._gateway",
    "DurationProfile": "._lifecycle",
    "FAIL_MARKER": "._handlers",
    "FakeClock": "._clock",
    "FakeGateway": "._gateway",
    "Fault": "._faults",
    "FaultPlan": "._faults",
    "GatewayConfig": "._gateway",
    "KINDS": "._lifecycle",
    "LinkedClock": "._linked",
    "link_default_clock": "._linked",
    "linked_client": "._linked",
    "REJECT_MARKER": "._handlers",
    "RealClock": "._clock",
    "RunningServer": "._server",
    "dropped_connection": "._faults",
    "html_error_page": "._faults",
    "http_error": "._faults",
    "malformed_json": "._faults",
    "parse_fault": "._faults",
    "request_examples": "._specdata",
    "sample_image_path": "._media",
    "serve_in_thread": "._server",
    "slow_response": "._faults",
    "truncated_body": "._faults",
}


# The import names of the `fake` extra's packages; a missing one means the extra is not
# installed (whichever the fake happens to import first).
_FAKE_EXTRA = frozenset({"starlette", "uvicorn", "yaml", "jsonschema", "rfc3986_validator"})


def _missing_extra(exc: ModuleNotFoundError, what: str) -> ImportError | None:
    """The error to raise instead of `exc` when it means the `fake` extra is not installed.

    Args:
        exc: the error an import of the fake raised.
        what: what could not be imported, for the message (`FakeGateway`).

    Returns:
        An ImportError naming the extra and the command that installs it, or None when `exc`
        is about some other module (then it is a real bug and must surface as it is).
    """
    root = (exc.name or "").partition(".")[0]
    if root not in _FAKE_EXTRA:
        return None
    return ImportError(
        f"{what} needs the 'fake' extra ({root} is not installed): pip install 'haoee-kling[fake]'",
        name=exc.name,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(module, __name__), name)
    except ModuleNotFoundError as exc:
        clear = _missing_extra(exc, f"haoee_kling.testing.{name}")
        if clear is None:
            raise
        raise clear from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])

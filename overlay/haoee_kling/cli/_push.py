"""`--via-callbacks URL`: a CLI wait that ends on Kling's callback instead of polling.

While the command waits, a `CallbackReceiver` listens on this machine; a create gets
`callback_url` URL, and the wait ends as soon as the task's callback arrives (verified with
`KLING_WEBHOOK_SECRET` when it is set: `kling fake-server` prints the fake's), polling only
every minute in case a callback is lost. URL is where Kling can reach the receiver: a public
URL forwarded to `--callback-port` here, or, for the fake gateway, a loopback URL whose port the
receiver takes. The receiver starts before the create is sent, so a busy port or a missing
extra costs nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import click

from .._errors import ConfigurationError

__all__ = ["PUSH_OPTIONS", "callback_receiver"]

_DEFAULT_PORT = 8765
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A callback URL: http(s) with a host, checked before anything is sent."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"must be an http(s) URL with a host (got '{value}')", ctx, param)
    return value


PUSH_OPTIONS = [
    click.Option(
        ["--via-callbacks"],
        metavar="URL",
        callback=_url,
        help="Wait by push (implies --wait): Kling posts the task to URL, a receiver here ends "
        "the wait when it arrives (verified with KLING_WEBHOOK_SECRET); polls once a minute in "
        "case a callback is lost. Needs the receiver extra.",
    ),
    click.Option(
        ["--callback-port"],
        type=click.IntRange(0, 65535),
        help="Port the receiver listens on, on 127.0.0.1 (default: URL's port for a loopback "
        f"URL, else {_DEFAULT_PORT}; put your tunnel or proxy in front).",
    ),
]
"""The options of every command that can wait by push."""


def _port(url: str, port: int | None) -> int:
    if port is not None:
        return port
    parts = urlsplit(url)
    if parts.hostname in _LOOPBACK and parts.port:
        return parts.port
    return _DEFAULT_PORT


@contextlib.contextmanager
def callback_receiver(url: str | None, port: int | None) -> Iterator[Any]:
    """A served `CallbackReceiver` whose `url` is URL while the block runs; None without URL.

    Raises:
        ConfigurationError: the `receiver` extra is missing, or the port cannot be listened on
            (both before anything is sent).
    """
    if url is None:
        yield None
        return
    from ..callbacks._receiver import CallbackReceiver

    receiver = CallbackReceiver(os.environ.get("KLING_WEBHOOK_SECRET") or None, url=url)
    listen = _port(url, port)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(receiver.serve("127.0.0.1", listen))
        except ImportError as exc:
            raise ConfigurationError(f"--via-callbacks: {exc}") from None
        except (OSError, RuntimeError) as exc:
            raise ConfigurationError(
                f"--via-callbacks: cannot receive callbacks on 127.0.0.1:{listen} ({exc}); "
                "pick another --callback-port"
            ) from None
        yield receiver

"""`kling callbacks listen`: receive Kling's task callbacks and print each task as it arrives."""

from __future__ import annotations

import sys
from typing import Any

import click

from ._failures import ExitCode
from ._render import dumps

__all__ = ["callbacks_group"]


@click.group("callbacks")
def callbacks_group() -> None:
    """Kling's task callbacks (what it posts to a create's callback_url)."""


@callbacks_group.command("listen")
@click.option("--port", type=int, default=8765, show_default=True, help="Port; 0 picks one.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (put a public proxy or tunnel in front for Kling to reach it).",
)
@click.option(
    "--secret",
    envvar="KLING_WEBHOOK_SECRET",
    default=None,
    show_default=False,
    help="The whsec_ webhook secret [env KLING_WEBHOOK_SECRET]; without one, callbacks are "
    "not verified (a warning says so).",
)
@click.option(
    "--count",
    type=int,
    default=0,
    help="Stop after this many task states were printed (0: run until Ctrl-C).",
)
def listen(port: int, host: str, secret: str | None, count: int) -> None:
    """Print each task, one JSON line per new state, as its callback arrives.

    Callbacks are verified (signature, timestamp) and duplicates and late, older states are
    dropped; rejected ones are logged (HAOEE_KLING_LOG=info shows them). Needs the `receiver` extra
    (pip install 'haoee-kling[receiver]'); a missing extra or a busy port is one line and exit 3.
    """
    from ..callbacks._receiver import CallbackReceiver

    printed = [0]
    server: Any = None

    def show(task: dict[str, Any]) -> None:
        # A callback's fields are whatever its sender wrote: controls escaped as JSON.
        click.echo(dumps(task, sort_keys=True))
        sys.stdout.flush()
        printed[0] += 1
        if count and printed[0] >= count and server is not None:
            server.should_exit = True

    receiver = CallbackReceiver(secret, on_task=show)
    try:
        import uvicorn
    except ImportError:
        click.echo("kling callbacks listen needs: pip install 'haoee-kling[receiver]'", err=True)
        sys.exit(ExitCode.AUTH)
    config = uvicorn.Config(
        receiver, host=host, port=port, lifespan="off", log_config=None, log_level="critical"
    )
    server = uvicorn.Server(config)
    click.echo(f"listening on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot bind
        server.started = False
    if not server.started:
        click.echo(f"could not listen on {host}:{port} (is the port busy?)", err=True)
        sys.exit(ExitCode.AUTH)

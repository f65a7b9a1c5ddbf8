"""`kling fake-server`: the embedded fake haoee gateway on loopback, for demos and tests."""

from __future__ import annotations

import sys

import click

__all__ = ["fake_server"]


@click.command("fake-server", context_settings={"ignore_unknown_options": True})
@click.option(
    "--port", type=int, default=4010, show_default=True, help="Loopback port; 0 picks a free one."
)
@click.option(
    "--speed",
    type=float,
    default=1.0,
    show_default=True,
    help="How many times faster than real time tasks run.",
)
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def fake_server(port: int, speed: float, extra: tuple[str, ...]) -> None:
    """Run the fake haoee gateway on 127.0.0.1.

    Fault options: see `python -m haoee_kling.testing --help`.
    """
    try:
        from ..testing.__main__ import main as run_fake
    except ImportError as exc:
        raise click.ClickException(
            f"the fake gateway needs the 'fake' extra: pip install 'haoee-kling[fake]' ({exc})"
        ) from None
    argv = ["--port", str(port), "--speed", str(speed), *extra]
    sys.exit(run_fake(argv))

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
    default="1",
    show_default=True,
    help="How many times faster than real time tasks run.",
)
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def fake_server(port: int, speed: str, extra: tuple[str, ...]) -> None:
    """Run the fake haoee gateway on 127.0.0.1 (key: fake-demo-key, printed at start with the
    webhook secret its callbacks are signed with, for `kling callbacks listen --secret`).

    More options (--key, --prefix, --seed, --fault KIND[:FIELD=VALUE,...], --log): see
    `python -m haoee_kling.testing --help`. A busy port, or a missing `fake` extra, is one line
    and exit 3; a bad option or fault, one line and exit 2.
    """
    # Only the argument parser loads here; it says itself when the `fake` extra is missing.
    from ..testing.__main__ import main as run_fake

    # --speed goes on as typed: the fake's parser checks it (finite, above 0) and says so.
    argv = ["--port", str(port), "--speed", speed, *extra]
    sys.exit(run_fake(argv, prog="kling fake-server"))

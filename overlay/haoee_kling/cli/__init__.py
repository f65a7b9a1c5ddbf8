"""The `kling` command line: Kling through haoee from a shell, built on the overlay's client.

Configuration comes from the same environment variables as the library (HAOEE_API_KEY,
HAOEE_BASE_URL); `--api-key` and `--base-url` win and are never echoed. The global options may
come before or after the command (`kling text2video --json ...`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click

from ._batch import batch_group
from ._callbacks import callbacks_group
from ._commands import add_commands
from ._conformance import conformance
from ._fake import fake_server
from ._group import KlingGroup
from ._instant import account_group, delete, instant_commands
from ._models import models_command
from ._render import ExitCode, Output

__all__ = ["cli", "main"]

_EPILOG = (
    "The options above may also follow the command (kling text2video --json ...). "
    "Exit codes: 0 success, 2 bad input, 3 authentication or configuration (also: cannot "
    "connect), 4 task failed, 5 wait timed out or task not finished, 6 other API error, "
    "130 interrupted."
)


@dataclass
class State:
    """Per-invocation settings; the client is built on first use, so --help needs no key."""

    output: Output
    api_key: str | None = None
    base_url: str | None = None
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        """The overlay's `Kling` client for this invocation."""
        if self._client is None:
            from .. import Kling

            kwargs: dict[str, Any] = {}
            if self.base_url:
                kwargs["base_url"] = self.base_url
            self._client = Kling(self.api_key, **kwargs)
            self.output.base_url = self._client.config.base_url
        return self._client


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # The version of this copy (installed or vendored), read only when asked for.
    if value and not ctx.resilient_parsing:
        from .._version import package_version

        click.echo(f"kling (haoee-kling) {package_version()}")
        ctx.exit()


@click.group(
    "kling",
    cls=KlingGroup,
    epilog=_EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--base-url",
    envvar="HAOEE_BASE_URL",
    help="API base URL [env HAOEE_BASE_URL; default https://maas.haoee.com/kling].",
)
@click.option(
    "--api-key",
    envvar="HAOEE_API_KEY",
    show_envvar=False,
    help="haoee API key [env HAOEE_API_KEY]; never printed.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else."
)
@click.option(
    "--debug", is_flag=True, help="Show tracebacks and debug logs (secrets stay redacted)."
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.pass_context
def cli(
    ctx: click.Context, base_url: str | None, api_key: str | None, as_json: bool, debug: bool
) -> None:
    """Generate video, images and audio with Kling through the haoee gateway."""
    if debug:
        from .._logging import configure_logging

        configure_logging("debug")
    ctx.obj = State(Output(as_json=as_json, debug=debug), api_key=api_key, base_url=base_url)
    ctx.call_on_close(lambda: ctx.obj._client.close() if ctx.obj._client is not None else None)


add_commands(cli)
for _command in instant_commands():
    cli.add_command(_command)
cli.add_command(delete)
cli.add_command(account_group)
cli.add_command(fake_server)
cli.add_command(models_command)
cli.add_command(batch_group)
cli.add_command(callbacks_group)
cli.add_command(conformance)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="kling", standalone_mode=True)
    except KeyboardInterrupt:
        raise SystemExit(ExitCode.INTERRUPTED) from None

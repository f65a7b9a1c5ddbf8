"""The `kling` command line: Kling through haoee from a shell, built on the overlay's client.

Configuration comes from the same environment variables as the library (HAOEE_API_KEY,
HAOEE_BASE_URL, HAOEE_TIMEOUT, ...); the options win (`--api-key` is never echoed). The global
options may come before or after the command (`kling text2video --json ...`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click

from ._batch import batch_group
from ._callbacks import callbacks_group
from ._commands import add_commands
from ._conformance import conformance
from ._failures import EXIT_CODES
from ._fake import fake_server
from ._group import KlingGroup
from ._instant import account_group, delete, instant_commands
from ._models import models_command
from ._render import ExitCode, Output

__all__ = ["cli", "main"]

_EPILOG = (
    "The options above may also follow the command (kling text2video --json ...). Exit codes: "
    + "; ".join(f"{int(code)} {meaning}" for code, meaning in EXIT_CODES.items())
    + "."
)


@dataclass
class State:
    """Per-invocation settings; the client is built on first use, so --help needs no key."""

    output: Output
    api_key: str | None = None
    base_url: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        """The overlay's `Kling` client for this invocation.

        Raises:
            ConfigurationError: a bad setting, naming the option or variable it came from.
        """
        if self._client is None:
            from .. import Kling
            from .._settings import SETTINGS, poll_every, read_setting

            kwargs: dict[str, Any] = {}
            if self.base_url:
                kwargs["base_url"] = self.base_url
            for setting in SETTINGS:  # an option wins over its variable, as arguments do
                text = self.settings.get(setting.argument)
                if text is not None:
                    kwargs[setting.argument] = read_setting(setting, text, setting.option)
            if "poll_interval" in kwargs:
                kwargs["poll_policy"] = poll_every(kwargs.pop("poll_interval"))
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
    "--request-timeout",
    metavar="SECONDS",
    help="Per-request timeout [env HAOEE_TIMEOUT; default 60].",
)
@click.option(
    "--max-retries",
    metavar="N",
    help="Retries of a request that failed transiently [env HAOEE_MAX_RETRIES; default 2].",
)
@click.option(
    "--poll-interval",
    metavar="SECONDS",
    help="Poll every SECONDS while waiting [env HAOEE_POLL_INTERVAL; default: per kind].",
)
@click.option(
    "--wait-timeout",
    metavar="SECONDS",
    help="Default deadline of a wait, or 'none' [env HAOEE_WAIT_TIMEOUT; default: the "
    "model's, 900 s for most]; a command's --timeout wins.",
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
    ctx: click.Context,
    /,
    base_url: str | None,
    api_key: str | None,
    as_json: bool,
    debug: bool,
    **settings: str | None,
) -> None:
    """Generate video, images and audio with Kling through the haoee gateway."""
    if debug:
        from .._logging import configure_logging

        configure_logging("debug")
    given = {
        ("timeout" if name == "request_timeout" else name): text
        for name, text in settings.items()
        if text is not None
    }
    ctx.obj = State(
        Output(as_json=as_json, debug=debug), api_key=api_key, base_url=base_url, settings=given
    )
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

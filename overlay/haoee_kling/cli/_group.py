"""The `kling` group: global options anywhere, short usage errors, and "did you mean".

click reads a group's options only before the subcommand, so `kling text2video --json` would be
an unknown option of `text2video`. The group moves its own options found after the subcommand
to before it (unless the subcommand has an option of the same name), so they work anywhere.
Usage errors are one line and a hint (or one JSON document with `--json`), not the whole usage.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from typing import Any

import click

from .._logging import printable
from ._failures import ExitCode
from ._kinds import suggest
from ._render import dumps

__all__ = ["KlingGroup"]


def _names(params: Sequence[click.Parameter]) -> tuple[set[str], set[str]]:
    """(flags, options that take a value) among the parameters."""
    flags: set[str] = set()
    valued: set[str] = set()
    for param in params:
        if isinstance(param, click.Option):
            names = {*param.opts, *param.secondary_opts}
            (flags if param.is_flag or param.count else valued).update(names)
    return flags, valued


def _rule(exc: click.ClickException) -> str:
    if isinstance(exc, click.NoSuchOption):
        return "unknown-option"
    if isinstance(exc, click.MissingParameter):
        return "required"
    if isinstance(exc, click.BadParameter):
        return "invalid"
    return "usage"


def _option(exc: click.ClickException) -> tuple[str, str]:
    """(field, option) the error is about, or ("", "")."""
    if isinstance(exc, click.NoSuchOption):
        return exc.option_name.lstrip("-").replace("-", "_"), exc.option_name
    param = getattr(exc, "param", None)
    if isinstance(param, click.Option):
        return param.name or "", param.opts[0]
    if isinstance(param, click.Argument):
        return param.name or "", (param.name or "").upper()
    return "", ""


class KlingGroup(click.Group):
    """A click group whose options may also follow the subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the group's arguments after moving its options to before the subcommand."""
        return super().parse_args(ctx, self.hoist(ctx, args))

    def hoist(self, ctx: click.Context, args: list[str]) -> list[str]:
        """`kling text2video --json --prompt x` -> `kling --json text2video --prompt x`.

        Args:
            ctx: the group's context.
            args: the command line after the program name.

        Returns:
            The arguments with the group's options moved before the subcommand; unchanged when
            there is no known subcommand. Nothing after `--` moves.
        """
        flags, valued = _names(self.params)
        index = 0
        while index < len(args) and args[index].startswith("-") and args[index] != "--":
            index += 2 if args[index] in valued else 1
        if index >= len(args):
            return args
        command = self.get_command(ctx, args[index].replace("_", "-"))
        if command is None:
            return args
        own_flags, own_valued = _names(command.params)
        own = own_flags | own_valued
        moved: list[str] = []
        kept: list[str] = []
        rest = args[index + 1 :]
        position = 0
        while position < len(rest):
            token = rest[position]
            name, has_value, _ = token.partition("=")
            take = 1
            if token == "--":
                take = len(rest) - position
            elif name in own_valued and not has_value:
                take = 2  # the option and its value, whatever the value looks like
            elif (token in flags or name in valued) and name not in own:
                take = 2 if name in valued and not has_value else 1
                moved += rest[position : position + take]
                position += take
                continue
            kept += rest[position : position + take]
            position += take
        return [*args[:index], *moved, args[index], *kept]

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the subcommand (`text_to_audio` works too), or fail with "did you mean"."""
        name = args[0]
        if self.get_command(ctx, name) is None and self.get_command(ctx, name.replace("_", "-")):
            args = [name.replace("_", "-"), *args[1:]]
        elif self.get_command(ctx, name) is None and not name.startswith("-"):
            ctx.fail(f"no such command '{name}'{suggest(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; usage errors and Ctrl-C end in one or two lines and an exit code.

        Args:
            args: the arguments (default: the process's).
            prog_name: the program name in messages (`kling`).
            complete_var: click's shell-completion variable.
            standalone_mode: False to let exceptions through (as click does).
            **extra: passed to click.
        """
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, False, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            code = exc.exit_code
        except click.ClickException as exc:
            code = _report(exc, as_json="--json" in argv[: _end(argv)])
        except click.Abort:
            sys.stderr.write("interrupted (Ctrl-C)\n")
            code = ExitCode.INTERRUPTED
        except OSError as exc:  # a closed pipe (`kling list ... | head`) is not an error
            if exc.errno != errno.EPIPE:
                raise
            code = ExitCode.CLOSED_PIPE
        except SystemExit as exc:
            # click ends a closed pipe with exit(1) itself; `kling` never exits 1 otherwise.
            code = ExitCode.CLOSED_PIPE if exc.code == 1 else exc.code
        raise SystemExit(code if isinstance(code, int) else 0)


def _end(argv: list[str]) -> int:
    return argv.index("--") if "--" in argv else len(argv)


def _report(exc: click.ClickException, *, as_json: bool) -> int:
    """Print a click error as one line plus a hint, or as one JSON document."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    hint = ""
    if isinstance(exc, click.UsageError) and ctx is not None:
        hint = f"Try '{ctx.command_path} --help'."
    if as_json:
        field, option = _option(exc)
        problem = {"field": field, "option": option, "rule": _rule(exc), "message": message}
        document = {
            "error": type(exc).__name__,
            "message": message,
            "exit_code": exc.exit_code,
            "problems": [problem] if isinstance(exc, click.UsageError) else [],
        }
        if hint:
            document["hint"] = hint
        sys.stdout.write(dumps(document) + "\n")
    else:
        sys.stderr.write(printable(f"error: {message}\n" + (f"{hint}\n" if hint else "")))
    return exc.exit_code

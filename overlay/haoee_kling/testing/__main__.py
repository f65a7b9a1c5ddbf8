"""Run a fake haoee gateway on loopback: `python -m haoee_kling.testing --port 4010`.

Prints the API base URL (prefix included), the key and the webhook secret its callbacks are
signed with (for `kling callbacks listen --secret`), then serves until Ctrl-C. Time runs
`--speed` times faster than real time, so `--speed 100` finishes a two-minute video task in
about a second. Faults (`--fault status:status=503,count=2`, repeatable) fire from the start;
more can be added at run time through the control API (`POST /_fake/faults`).

Every way it can fail to start is one line on stderr: a bad option or fault (exit 2), a busy
or unusable port, or a missing `fake` extra (exit 3).
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import math
import sys
from collections.abc import Sequence
from typing import NoReturn

from ._faults import Fault, fault_usage, parse_fault

__all__ = ["main"]

EXIT_BAD_OPTION = 2
EXIT_CANNOT_START = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and a hint instead of the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_OPTION, f"{self.prog}: {message}\nTry '{self.prog} --help'.\n")


def _fault(text: str) -> Fault:
    # argparse replaces a ValueError's message with "invalid value"; this one keeps it.
    try:
        return parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _speed(text: str) -> float:
    """`--speed`: a finite number of fake seconds per real second, above 0."""
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got '{text}')") from None
    if not math.isfinite(speed) or speed <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0 (got '{text}')")
    return speed


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description="Serve a fake haoee gateway for the Kling API (offline, deterministic).",
        epilog=f"Faults: {fault_usage()}.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=4010, help="port; 0 picks a free one")
    parser.add_argument("--speed", type=_speed, default=1.0, help="fake seconds per real second")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help="accepted API key (repeatable; default: the demo key, printed at start)",
    )
    parser.add_argument("--prefix", default="/kling", help="path prefix of the API")
    parser.add_argument("--seed", type=int, default=0, help="seed of task durations")
    parser.add_argument(
        "--variety",
        type=int,
        default=None,
        metavar="SEED",
        help="answer in every spelling the client's reader accepts (capitalised statuses, "
        "unknown fields, empty values, numbers as text), chosen by SEED",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault,
        metavar="KIND[:FIELD=VALUE,...]",
        help="a fault to inject, e.g. status:status=429,code=1303,retry_after=2,count=3",
    )
    parser.add_argument("--log", action="store_true", help="log every request (uvicorn)")
    return parser


def _cannot_listen(prog: str, host: str, port: int, exc: OSError) -> int:
    if exc.errno == errno.EADDRINUSE:
        reason = f"port {port} on {host} is already in use; pick another --port (0: a free one)"
    else:
        reason = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    sys.stderr.write(f"{prog}: {reason}\n")
    return EXIT_CANNOT_START


def main(argv: Sequence[str] | None = None, prog: str = "python -m haoee_kling.testing") -> int:
    """Parse the command line, print where the gateway listens and serve until interrupted.

    Args:
        argv: the arguments (default: the process's).
        prog: the command name shown in messages (`kling fake-server` runs this too).

    Returns:
        The exit status: 0 after Ctrl-C, 3 when the gateway cannot start (busy port, missing
        `fake` extra). A bad option exits 2 from the parser.
    """
    args = _parser(prog).parse_args(argv)
    try:
        from ..callbacks._sockets import bind
        from ._clock import RealClock
        from ._gateway import FakeGateway, GatewayConfig
        from ._server import make_server
    except ModuleNotFoundError as exc:
        from . import _missing_extra

        clear = _missing_extra(exc, "the fake gateway")
        if clear is None:
            raise
        sys.stderr.write(f"{prog}: {clear}\n")
        return EXIT_CANNOT_START
    config = GatewayConfig(prefix=args.prefix, seed=args.seed, variety=args.variety)
    if args.key:
        config = dataclasses.replace(config, keys=tuple(args.key))
    gateway = FakeGateway(config, clock=RealClock(args.speed))
    gateway.faults.add(*args.fault)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        return _cannot_listen(prog, args.host, args.port, exc)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    sys.stdout.write(f"haoee fake gateway: http://{host}:{port}{args.prefix}\n")
    sys.stdout.write(f"key: {gateway.key}\n")
    # Not a secret: it is the fake's, public in the package, and `kling callbacks listen
    # --secret` needs it to verify the fake's callbacks.
    secret = gateway.config.webhook_secret or "none (callbacks unsigned)"
    sys.stdout.write(f"webhook secret: {secret}\n")
    sys.stdout.write(f"speed: {args.speed:g}x, control API: http://{host}:{port}/_fake/tasks\n")
    if args.variety is not None:
        sys.stdout.write(f"variety: on (seed {args.variety})\n")
    sys.stdout.flush()
    try:
        with sock:
            make_server(gateway, log=args.log).run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully, then re-raises the signal it caught; Ctrl-C is the
        # normal way to stop, so it ends the process quietly with status 0.
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

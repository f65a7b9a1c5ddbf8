"""Run a fake haoee gateway on loopback: `python -m haoee_kling.testing --port 4010`.

Prints the API base URL (prefix included) and the key, then serves until Ctrl-C. Time runs
`--speed` times faster than real time, so `--speed 100` finishes a two-minute video task in
about a second. Faults (`--fault status:status=503,count=2`, repeatable) fire from the start;
more can be added at run time through the control API (`POST /_fake/faults`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._clock import RealClock
from ._faults import parse_fault
from ._gateway import DEMO_KEY, FakeGateway
from ._server import bind, make_server

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m haoee_kling.testing",
        description="Serve a fake haoee gateway for the Kling API (offline, deterministic).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=4010, help="port; 0 picks a free one")
    parser.add_argument("--speed", type=float, default=1.0, help="fake seconds per real second")
    parser.add_argument(
        "--key", action="append", default=[], help=f"accepted API key (repeatable; {DEMO_KEY})"
    )
    parser.add_argument("--prefix", default="/kling", help="path prefix of the API")
    parser.add_argument("--seed", type=int, default=0, help="seed of task durations")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=parse_fault,
        metavar="KIND[:FIELD=VALUE,...]",
        help="a fault to inject, e.g. status:status=429,code=1303,retry_after=2,count=3",
    )
    parser.add_argument("--log", action="store_true", help="log every request (uvicorn)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, print where the gateway listens and serve until interrupted."""
    args = _parser().parse_args(argv)
    keys = tuple(args.key) or (DEMO_KEY,)
    gateway = FakeGateway(
        clock=RealClock(args.speed), keys=keys, prefix=args.prefix, seed=args.seed
    )
    gateway.faults.add(*args.fault)
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    sys.stdout.write(f"haoee fake gateway: http://{host}:{port}{args.prefix}\n")
    sys.stdout.write(f"key: {keys[0]}\n")
    sys.stdout.write(f"speed: {args.speed:g}x, control API: http://{host}:{port}/_fake/tasks\n")
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

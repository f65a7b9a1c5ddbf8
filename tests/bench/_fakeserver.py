"""A fake haoee gateway in its own process, for benchmarks that need a real socket.

    python -m tests.bench._fakeserver --speed 5 --unlimited

Prints one JSON line (`{"base_url": ..., "key": ...}`) once uvicorn accepts connections, then
serves until stdin closes (so the server dies with the benchmark that started it). Running it
in a separate process keeps the server's CPU out of the client's measurements.
"""

from __future__ import annotations

import argparse
import json
import sys

from haoee_kling.testing import FakeGateway, GatewayConfig, RealClock, serve_in_thread


def main() -> int:
    """Serve a fake gateway on 127.0.0.1 until stdin reaches EOF."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench._fakeserver")
    parser.add_argument("--speed", type=float, default=1.0, help="fake seconds per real second")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--unlimited", action="store_true", help="no per-key concurrency limit (scale runs)"
    )
    args = parser.parse_args()
    config = GatewayConfig(seed=args.seed)
    if args.unlimited:
        config = GatewayConfig(seed=args.seed, concurrency={})
    gateway = FakeGateway(config, clock=RealClock(args.speed))
    server = serve_in_thread(gateway, "127.0.0.1", 0)
    sys.stdout.write(json.dumps({"base_url": server.base_url, "key": gateway.key}) + "\n")
    sys.stdout.flush()
    try:
        sys.stdin.read()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

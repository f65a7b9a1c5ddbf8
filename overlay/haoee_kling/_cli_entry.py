"""The `kling` console script's entry point: a clear message when the `cli` extra is missing."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the command line, or say which extra to install when click or rich is missing."""
    try:
        from .cli import main as run
    except ImportError as exc:
        sys.stderr.write(
            f"kling: the command line needs the 'cli' extra ({exc.name} is missing):\n"
            "  pip install 'haoee-kling[cli]'\n"
        )
        raise SystemExit(2) from None
    run()


if __name__ == "__main__":
    main()

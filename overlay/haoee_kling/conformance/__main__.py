"""`python -m haoee_kling.conformance [--base-url URL] [options]`: `kling conformance`."""

from __future__ import annotations

import sys

from .._cli_entry import main

if __name__ == "__main__":
    sys.argv[1:1] = ["conformance"]
    main()

"""`python -m haoee_kling.cli` runs the `kling` command line."""

from . import main

main()

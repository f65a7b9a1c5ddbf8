"""`make bench`: performance measured side by side in one run (not part of `make test`).

One module per measurement, each with a `run(...) -> dict` that measures and never asserts;
`python -m tests.bench` runs them all and writes `results.md` and `results.json` here.
"""

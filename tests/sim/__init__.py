"""The deterministic simulator: the real `Kling` and `AsyncKling`, a hostile gateway, simulated
time, and invariants checked at every step.

Scenario -> run -> invariants -> replay:

1. **Scenario** (`scenario.py`). `draw(seed)` turns a seed into a `Scenario`: one operation
   (`create`, `wait`, `create_and_wait`, `wait_many`, `iter_status`, a download, a wait
   `via=` a callback receiver) in either flavour, task durations from seconds to days, and a
   few hostile knobs: `Retry-After` in every form (0, negative, NaN, fractional, a year,
   1e400, past and future dates, `retry-after-ms`) on polls or on 429/503/1303 refusals;
   statuses that go backwards, are unknown or oddly spelt, a task whose id changes, list pages
   that repeat; connect errors, resets and timeouts after the request was sent, outages of
   hours; bodies empty, HTML, huge, nested past the stack, truncated; media URLs that serve
   HTML, nothing, JSON, an expired-link error, a redirect to another host or to `file:`;
   callbacks lost, duplicated, reordered or forged; keys with spaces, CR/LF or non-ASCII;
   NaN and infinite numbers. Every hundredth seed is a `wait_many` of 500 tasks lasting days
   (the bulk of `make simulate`'s task-hours).
2. **Run** (`run.py`, `gateway.py`). The client is built over `httpx.MockTransport` whose
   handler is the simulated gateway, on a `SimClock` (a `FakeClock`): no socket, no real
   sleep, a day of polling in a second. The `random` module is seeded per run, so a run is a
   pure function of its seed.
3. **Invariants** (`invariants.py`). The gateway reports every request and the clock every
   sleep to a `Monitor`, which stops the run at the first broken invariant: a wait ends by
   its deadline plus one poll interval; no sleep is NaN, negative or over `SLEEP_CAP`; at
   most 60 requests about one task in any 60 s; no create resent without a lookup after the
   gateway accepted one. At the end: no exception outside `KlingError`; a created task's id
   reached the caller; nothing billed twice; no file outside the destination or holding
   other than the media its name says; no secret (key, the signature of a signed URL) in any
   log record (every logger at DEBUG), exception, traceback or repr.
4. **Replay** (`simulate.py`, `__main__.py`). `make simulate` runs the seeds
   `S * 1_000_000 + i` until 100,000 task-hours, on every core, and ends with
   `simulation: H task-hours, R runs, V violations (seed S)`; `make simulate SEED=S` replays
   it; `python -m tests.sim --run SEED` replays one run. Each violation is printed with its
   seed and its scenario shrunk (knobs put back to their defaults while it still fails),
   written as a pytest test to paste into a test file.

`test_sim.py` puts a short run (200 seeds in 8 groups) into `make test`, and shows that each
invariant catches a client patched to break it.
"""

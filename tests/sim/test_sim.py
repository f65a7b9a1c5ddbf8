"""The simulator in `make test`: a short run of seeded scenarios, and proof that each invariant
catches a client that breaks it (a client patched to ignore its deadline, to poll without
pause, to leak a secret in a log, ...). `make simulate` is the long run."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from haoee_kling import _downloads, _logging
from haoee_kling._client_state import Core
from haoee_kling.plans import _submit, _waiting
from tests.sim.invariants import SLEEP_CAP, Monitor, SimulationStop
from tests.sim.run import run_scenario
from tests.sim.scenario import CLEAN_KEY, SCALE_EVERY, Scenario, as_pytest, draw, shrink

# The short run: GROUPS x PER_GROUP seeds of one simulation (no long wait_many scale runs:
# `make simulate` has those), in groups so xdist spreads them over its workers.
SHORT_MASTER = 23
GROUPS = 8
PER_GROUP = 25


def _short_seeds(group: int) -> list[int]:
    first = SHORT_MASTER * 1_000_000 + group * PER_GROUP * 2
    return [s for s in range(first, first + PER_GROUP * 2) if s % SCALE_EVERY][:PER_GROUP]


# The simulator repeats the clients' create, wait and download code over hours of simulated time:
# its point is the invariants at every step. tests/unit and tests/e2e measure that code.
SIMULATED = pytest.mark.unmeasured("tests/unit and tests/e2e measure the code the runs repeat")


@SIMULATED
@pytest.mark.parametrize("group", range(GROUPS))
def test_short_simulation_breaks_no_invariant(group: int, tmp_path: Path) -> None:
    found: list[str] = []
    for seed in _short_seeds(group):
        scenario = draw(seed)
        result = run_scenario(scenario, tmp_path / str(seed))
        found += [
            f"seed {seed}: {violation}\n"
            f"replay: python -m tests.sim --run {seed}\n{as_pytest(scenario, violation)}"
            for violation in result.violations
        ]
    assert not found, "\n\n".join(found)


def test_seed_7000350_a_renumbered_task_keeps_the_id_it_was_created_with(
    tmp_path: Path,
) -> None:
    """Found by `make simulate SEED=7`: a gateway whose answers name the task by another id
    made `create_and_wait` return (or fail with) that id, and the created one was lost."""
    scenario = Scenario(
        seed=7000350,
        operation="create_and_wait",
        duration=53.3,
        status="id-changes",
    )
    assert run_scenario(scenario, tmp_path).violations == []


@SIMULATED
def test_a_run_replays_exactly_from_its_seed(tmp_path: Path) -> None:
    scenario = Scenario(
        seed=5,
        operation="wait_many",
        tasks=60,
        duration=7200.0,
        timeout=None,
        fault="reset",
        fault_rate=0.2,
        status="backwards",
    )
    first = run_scenario(scenario, tmp_path / "a")
    again = run_scenario(scenario, tmp_path / "b")
    assert first.requests > 60
    assert (first.task_hours, first.requests, first.simulated, first.violations) == (
        again.task_hours,
        again.requests,
        again.simulated,
        again.violations,
    )
    assert draw(123) == draw(123)
    assert draw(123) != draw(124)


# ---------------------------------------------------------------- each invariant can fail
def _violations(scenario: Scenario, tmp_path: Path) -> list[str]:
    return run_scenario(scenario, tmp_path).violations


def _kinds(violations: list[str]) -> set[str]:
    return {v.split(":", 1)[0] for v in violations}


def test_the_benign_world_breaks_nothing(tmp_path: Path) -> None:
    for operation in ("create", "wait", "create_and_wait", "wait_many", "iter_status"):
        for flavor in ("sync", "async"):
            scenario = Scenario(operation=operation, flavor=flavor, tasks=3)
            assert _violations(scenario, tmp_path / f"{operation}-{flavor}") == []
    for operation in ("download", "receiver", "batch"):
        assert _violations(Scenario(operation=operation), tmp_path / operation) == []


def test_a_client_that_ignores_its_deadline_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_spec = Core.wait_spec

    def no_deadline(self: Core, *args: Any, **kwargs: Any) -> Any:
        import dataclasses

        return dataclasses.replace(wait_spec(self, *args, **kwargs), timeout=None)

    monkeypatch.setattr(Core, "wait_spec", no_deadline)
    scenario = Scenario(operation="wait", timeout=600.0, duration=7200.0)
    assert _kinds(_violations(scenario, tmp_path)) == {"deadline"}


def test_a_client_that_polls_without_pause_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_waiting, "next_poll_delay", lambda *a, **k: 0.0)
    for flavor in ("sync", "async"):
        scenario = Scenario(operation="wait", flavor=flavor, duration=600.0)
        assert _kinds(_violations(scenario, tmp_path / flavor)) == {"rate"}


def test_a_client_that_sleeps_for_a_day_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_waiting, "next_poll_delay", lambda *a, **k: 86_400.0)
    scenario = Scenario(operation="wait", timeout=None, duration=600.0)
    violations = _violations(scenario, tmp_path)
    assert _kinds(violations) == {"sleep-cap"}
    assert f"cap {SLEEP_CAP:.0f} s" in violations[0]


def test_an_exception_outside_the_error_tree_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("a reader bug")

    monkeypatch.setattr(_waiting, "read_task", broken)
    violations = _violations(Scenario(operation="wait"), tmp_path)
    assert violations == ["escaped: ValueError outside KlingError: a reader bug"]


def test_a_create_resent_without_a_lookup_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_submit, "decide", lambda error, **kw: "retry")
    scenario = Scenario(operation="create", fault="reset", fault_rate=1.0)
    assert {"create-twice"} <= _kinds(_violations(scenario, tmp_path))


def test_a_batch_rerun_that_cannot_find_its_killed_create_and_bills_again_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haoee_kling.batch import _plan

    def blind_lookup(*args: Any, **kwargs: Any) -> Any:
        yield from ()  # a plan that looks nowhere
        return "absent"

    killed_after_a_create = Scenario(operation="batch", tasks=3, kill_at=2, duration=300.0)
    assert _violations(killed_after_a_create, tmp_path / "as-is") == []
    monkeypatch.setattr(_plan, "lookup_plan", blind_lookup)
    violations = _violations(killed_after_a_create, tmp_path / "blind")
    # Stopped at the second create itself, before it could bill.
    assert _kinds(violations) == {"create-twice"}


def test_a_created_task_id_that_never_reaches_the_caller_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haoee_kling.kinds import _kind_plans
    from haoee_kling.plans._submit import create_plan

    def losing_the_id(*args: Any, **kwargs: Any) -> Any:
        task = yield from create_plan(*args, **kwargs)
        task.task_id = "?"  # the created task, read, then its id lost on the way to the caller
        return task

    monkeypatch.setattr(_kind_plans, "create_plan", losing_the_id)
    violations = _violations(Scenario(operation="create"), tmp_path)
    assert _kinds(violations) == {"lost-id"}


def test_a_file_written_outside_the_destination_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare = _downloads._prepare

    def one_folder_up(*args: Any) -> tuple[Any, Path]:
        files, folder = prepare(*args)
        return files, folder.parent

    monkeypatch.setattr(_downloads, "_prepare", one_folder_up)
    scenario = Scenario(operation="download")
    assert _kinds(_violations(scenario, tmp_path)) == {"file-outside"}


def test_the_file_checks_read_what_a_file_holds_not_its_name(tmp_path: Path) -> None:
    monitor = Monitor(lambda: 0.0, deadline=None, grace=0.0, time_limit=1.0)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "a.mp4").write_bytes(b"<html>sign in</html>")
    (dest / "b.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (dest / "c.part").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (tmp_path / "stray.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    monitor.check_files(tmp_path, dest)
    assert monitor.violations == [
        "file-content: a.mp4 holds no known media",
        "file-content: c.part holds mp4",
        "file-outside: stray.mp4 written",
    ]


def test_a_secret_in_a_debug_log_record_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_logging, "redact", lambda text: text)
    scenario = Scenario(operation="download", debug_logs=True)
    violations = _violations(scenario, tmp_path)
    assert _kinds(violations) == {"secret"}
    assert "log httpx" in violations[0]


def test_the_secret_check_reads_every_text_and_names_where(tmp_path: Path) -> None:
    monitor = Monitor(lambda: 0.0, deadline=None, grace=0.0, time_limit=1.0)
    monitor.check_secrets([CLEAN_KEY], [("log x", "fine"), ("exception", f"Bearer {CLEAN_KEY}")])
    assert monitor.violations == [
        f"secret: hk-s... shown in exception: 'Bearer {CLEAN_KEY}'",
    ]


def test_a_violation_stops_the_run_at_that_step() -> None:
    monitor = Monitor(lambda: 100.0, deadline=10.0, grace=5.0, time_limit=1e9)
    with pytest.raises(SimulationStop):
        monitor.on_request("1")
    with pytest.raises(SimulationStop):
        monitor.on_sleep(float("nan"))
    assert [v.split(":")[0] for v in monitor.violations] == ["deadline", "sleep-value"]


# ---------------------------------------------------------------- shrinking and the test text
def test_a_failing_scenario_shrinks_to_the_knobs_that_matter_and_prints_as_a_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_waiting, "next_poll_delay", lambda *a, **k: 86_400.0)
    noisy = Scenario(
        seed=9,
        operation="wait",
        flavor="async",
        duration=50_000.0,
        timeout=None,
        status="backwards",
        media="html",
        key=f"  {CLEAN_KEY}  ",
        debug_logs=True,
    )
    runs = iter(range(1000))

    def fails(candidate: Scenario) -> bool:
        found = run_scenario(candidate, tmp_path / str(next(runs))).violations
        return "sleep-cap" in _kinds(found)

    small = shrink(noisy, fails)
    # The patched schedule sleeps a day whatever the deadline: only the operation is left.
    assert small == Scenario(seed=9, operation="wait", duration=60.0)
    text = as_pytest(small, "sleep-cap: one sleep of 86400 s")
    tree = ast.parse(text)
    test = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
    assert test.name == "test_seed_9"
    assert "operation='wait'," in text
    assert "flavor" not in text
    assert "run_scenario(scenario, tmp_path).violations == []" in text

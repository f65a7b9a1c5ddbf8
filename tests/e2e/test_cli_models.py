"""`kling models` (the capability map as a table or JSON) and units spent on finished tasks."""

from __future__ import annotations

import json

from haoee_kling.check._capabilities import kind_capabilities
from haoee_kling.testing import FakeGateway
from tests.e2e.test_cli import CountingTransport, assert_valid, gateway, kling, wire

__all__ = ["gateway", "wire"]  # fixtures, used by name


def test_models_prints_one_table_per_kind_with_what_each_model_supports() -> None:
    result = kling("models", env={"COLUMNS": "200"})  # a wide terminal: no folded cells
    assert result.exit_code == 0, result.output
    out = result.stdout
    for kind in ("text2video", "image2video", "multi-image2image", "omni-video", "effects"):
        assert kind in out  # as the commands are named
    assert "multi_image2image" not in out
    for header in ("model", "modes", "duration", "sound", "camera", "start+end", "ModelName"):
        assert header in out
    assert "kling-video-v2-5-turbo" in out  # the haoee ModelName, not Kling's name
    assert "3-15s" in out  # kling-v3


def test_models_kind_filters_and_accepts_dashes() -> None:
    result = kling("models", "--kind", "multi-image2image")
    assert result.exit_code == 0, result.output
    assert "kling-v2-1" in result.stdout
    assert "text2video" not in result.stdout


def test_models_json_is_the_map_with_sources() -> None:
    result = kling("--json", "models", "--kind", "text2video")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [m["name"] for m in document] == list(kind_capabilities("text2video"))
    v26 = next(m for m in document if m["name"] == "kling-v2-6")
    assert v26["sound_modes"] == ["pro"]
    assert v26["durations"] == ["5", "10"]
    assert v26["features"]["camera_control"]["supported"] is False
    assert all(m["sources"] for m in document)
    assert {m["kind"] for m in document} == {"text2video"}


def test_models_json_names_kinds_as_the_commands_do() -> None:
    result = kling("--json", "models", "--kind", "multi_image2image")
    assert result.exit_code == 0, result.output
    assert {m["kind"] for m in json.loads(result.stdout)} == {"multi-image2image"}


def test_models_unknown_kind_is_bad_input() -> None:
    result = kling("models", "--kind", "lip-sync")
    assert result.exit_code == 2
    assert "text2video" in result.output


def test_a_refused_combination_never_reaches_the_gateway(wire: CountingTransport) -> None:
    result = kling("text2video", "--prompt", "A fox", "--duration", "7")
    assert result.exit_code == 2, result.output
    # The CLI names the option (--duration) where the library names the field.
    assert "kling-v1 takes --duration 5 or 10 (got 7)" in result.stderr
    assert wire.requests == []


def test_units_spent_are_shown_for_a_finished_task(
    wire: CountingTransport, gateway: FakeGateway
) -> None:
    created = json.loads(kling("--json", "text2video", "--prompt", "A fox").stdout)
    gateway.finish(created["task_id"])
    shown = kling("status", "text2video", created["task_id"])
    assert shown.exit_code == 0, shown.output
    assert "units spent 1" in shown.stdout
    as_json = kling("--json", "status", "text2video", created["task_id"])
    document = json.loads(as_json.stdout)
    assert document["cost"] == {"units": 1, "balance": None, "list_price": None}
    assert_valid("Task", {k: v for k, v in document.items() if k != "cost"})


def test_a_task_still_running_shows_no_cost(wire: CountingTransport) -> None:
    created = json.loads(kling("--json", "text2video", "--prompt", "A fox").stdout)
    assert "cost" not in created
    shown = kling("status", "text2video", created["task_id"])
    assert "units spent" not in shown.stdout


def test_create_help_lists_each_models_modes_and_durations() -> None:
    result = kling("text2video", "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "kling-v1 std/pro 5/10s" in result.output
    assert "kling-v2-6 std/pro 5/10s sound pro" in result.output
    assert "kling models --kind text2video" in result.output

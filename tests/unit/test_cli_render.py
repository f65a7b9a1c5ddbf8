"""How the CLI prints results for people (`haoee_kling.cli._render`)."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from haoee_kling.cli._render import Output


def printed(task: dict[str, Any]) -> str:
    """What `Output.task` prints for a task, as plain text."""
    out = io.StringIO()
    Output(out=Console(file=out, highlight=False, soft_wrap=True)).task(task)
    return out.getvalue()


def test_fields_the_spec_does_not_name_in_a_task_result_are_not_results() -> None:
    """A gateway's own fields pass through the reader as they came (found by the fake's
    variety: `task_result.fake_unknown_1: 0.5` crashed `kling tts`)."""
    task: dict[str, Any] = {
        "task_id": "1",
        "task_status": "succeed",
        "task_result": {
            "audios": [{"url_mp3": "https://cdn.example.org/a.mp3"}, "not-an-object"],
            "trace": 0.5,
            "extra": {"nested": "x"},
            "labels": ["text"],
        },
    }
    assert printed(task).splitlines()[-1] == "audio https://cdn.example.org/a.mp3"
    assert "trace" not in printed(task)

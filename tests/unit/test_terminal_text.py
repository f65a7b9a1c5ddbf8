"""Text a server sends never steers the terminal: ANSI escapes, CR, BEL, C1 controls and bidi
overrides are escaped in everything the CLI prints, in exception messages and in log records,
and Rich markup in server text is printed as written (regression: `task_status_msg` and error
messages were printed raw)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest
from click.testing import CliRunner

from haoee_kling import APIError, FakeClock, Kling
from haoee_kling._logging import printable
from haoee_kling.cli import State, cli
from tests.unit.conftest import CANARY_KEY, response_example, task_answer

TASK_ID = "842250903629086785"
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\rdone\x9b31m [bold red]ok[/bold red] \u202etxt.exe"
RAW = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def _answers(respond: Callable[[httpx.Request], httpx.Response]) -> Callable[[State], Kling]:
    transport = httpx.MockTransport(respond)

    def client(state: State) -> Kling:
        if state._client is None:
            state._client = Kling(api_key=CANARY_KEY, transport=transport, clock=FakeClock())
            state.output.base_url = state._client.config.base_url
        return state._client  # type: ignore[no-any-return]

    return client


def _failed_task(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=task_answer("failed", TASK_ID, task_status_msg=HOSTILE))


def _error(_: httpx.Request) -> httpx.Response:
    body = response_example("BadRequest", "content-policy")
    body["message"] = HOSTILE
    return httpx.Response(400, json=body)


@pytest.mark.parametrize("respond", [_failed_task, _error], ids=["status message", "error"])
@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_the_cli_escapes_terminal_controls_in_server_text(
    monkeypatch: pytest.MonkeyPatch,
    respond: Callable[[httpx.Request], httpx.Response],
    as_json: bool,
) -> None:
    monkeypatch.setattr(State, "client", _answers(respond))
    args = ["--json"] if as_json else []
    result = CliRunner().invoke(cli, [*args, "status", "text2video", TASK_ID])
    shown = result.stdout + result.stderr
    assert "done" in shown  # the server's text is there ...
    for control in RAW:  # ... but none of its controls
        assert control not in shown
    if as_json and respond is _failed_task:
        # JSON escapes: the value a program reads back is the server's, unchanged.
        assert json.loads(result.stdout)["task_status_msg"] == HOSTILE
    elif as_json:
        # An error's message is text for people: its controls are escaped once and for all.
        assert "\\x1b[2J" in json.loads(result.stdout)["message"]
    else:
        assert "[bold red]ok[/bold red]" in shown  # markup printed as written


def test_exception_messages_escape_controls() -> None:
    error = APIError(f"failed: {HOSTILE}", status_code=400)
    assert not any(control in str(error) for control in RAW)
    assert "\\x1b[2J" in error.message


def test_log_records_escape_controls(caplog: pytest.LogCaptureFixture) -> None:
    Kling(api_key=CANARY_KEY)  # a client makes the client's records redacted where made
    with caplog.at_level(logging.INFO, logger="haoee_kling"):
        logging.getLogger("haoee_kling").info("status %s", HOSTILE)
    assert not any(control in caplog.text for control in RAW)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("\x1b[31m", "\\x1b[31m"),
        ("a\rb", "a\\rb"),
        ("\u202e", "\\u202e"),
        ("中文 prompt é", "中文 prompt é"),
    ],
)
def test_printable_escapes_only_what_steers_a_terminal(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert json.loads(printable(json.dumps(text, ensure_ascii=False), json=True)) == text

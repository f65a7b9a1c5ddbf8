"""Keys as people paste them: surrounding whitespace is dropped; a key that cannot go in a
header is refused naming the setting, never showing the key, before anything is sent
(regressions: a trailing newline became a retried network error and a create said "the task
may exist" though nothing was sent; a non-ASCII key escaped as UnicodeEncodeError)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from haoee_kling import ConfigurationError, Kling
from haoee_kling.cli import cli
from haoee_kling.testing import FakeGateway, RunningServer, serve_in_thread
from tests.unit.conftest import task_answer

KEY = "hk-pasted-key-0123456789"
# Each is a key mangled the way keys are: a space, CR/LF or a tab inside, an accented letter,
# a smart quote, a zero-width space, a NUL.
UNSENDABLE = [
    "hk-pasted key-0123456789",
    "hk-pasted\r\nX-Injected: 1",
    "hk-pasted\tkey-0123456789",
    "hk-pastéd-key-0123456789",
    "\u201chk-pasted-key-0123456789\u201d",
    "hk-pasted\u200b-key-0123456789",
    "hk-pasted\x00key-0123456789",
]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve_in_thread(FakeGateway(keys=(KEY,)))
    yield running
    running.stop()


@pytest.mark.parametrize("pasted", [KEY + "\n", f"  {KEY}\r\n", f"\t{KEY} "], ids=repr)
def test_whitespace_around_a_key_is_dropped_on_the_real_transport(
    server: RunningServer, pasted: str
) -> None:
    with Kling(api_key=pasted, base_url=server.base_url, max_retries=0) as kling:
        task = kling.text2video.create(prompt="a fox")
    assert task.task_id


def test_whitespace_around_a_key_from_the_environment_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HAOEE_API_KEY", KEY + "\n")
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        return httpx.Response(200, json=task_answer())

    Kling(transport=httpx.MockTransport(answer)).text2video.get("842250903629086785")
    assert sent == [f"Bearer {KEY}"]


@pytest.mark.parametrize("key", UNSENDABLE, ids=repr)
@pytest.mark.parametrize(
    ("backend", "argument", "variable"),
    [
        ("haoee", "api_key", "HAOEE_API_KEY"),
        ("kling", "api_key", "KLING_API_KEY"),
        ("kling", "access_key", "KLING_ACCESS_KEY"),
        ("kling", "secret_key", "KLING_SECRET_KEY"),
    ],
)
def test_a_key_that_cannot_be_sent_is_refused_naming_the_setting_not_the_key(
    monkeypatch: pytest.MonkeyPatch, key: str, backend: str, argument: str, variable: str
) -> None:
    for name in ("HAOEE_API_KEY", "KLING_API_KEY", "KLING_ACCESS_KEY", "KLING_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    other = {"access_key": "AK0123456789", "secret_key": "SK0123456789"}
    pair = {k: v for k, v in other.items() if argument in other and k != argument}
    with pytest.raises(ConfigurationError) as caught:
        Kling(backend=backend, **{argument: key}, **pair)  # type: ignore[arg-type]
    assert str(caught.value).startswith(f"{argument} holds ")
    assert key.strip() not in str(caught.value)
    assert key.strip()[:12] not in str(caught.value)
    if "\x00" in key:
        return  # no environment variable can hold a NUL: the argument was the only way in
    monkeypatch.setenv(variable, key)
    for name, value in pair.items():
        monkeypatch.setenv(f"KLING_{name.upper()}", value)
    with pytest.raises(ConfigurationError, match=f"^{variable} holds "):
        Kling(backend=backend)


@pytest.mark.parametrize("where", ["--api-key", "HAOEE_API_KEY"])
def test_the_command_line_refuses_an_unsendable_key_without_showing_it(where: str) -> None:
    key = "hk-pasted key-0123456789"
    args = ["status", "text2video", "842250903629086785"]
    if where == "--api-key":
        result = CliRunner().invoke(cli, ["--api-key", key, *args], env={"HAOEE_API_KEY": ""})
    else:
        result = CliRunner().invoke(cli, args, env={"HAOEE_API_KEY": key})
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "holds a space" in output
    assert key not in output

"""Starting the fake gateway goes wrong in one line: a busy port, a bad fault, a missing extra.

`kling fake-server` and `python -m haoee_kling.testing` share one entry point; the in-process
tests go through the real `kling` command (`haoee_kling.cli.cli`), the missing-extra ones run a
fresh interpreter in which the `fake` extra's packages cannot be imported.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from haoee_kling.cli import cli
from haoee_kling.cli._render import ExitCode
from haoee_kling.testing import DEMO_KEY, parse_fault

VALID_FAULTS = "valid faults: status, drop, delay, malformed_json, html, truncate"

# Run in a fresh interpreter: make the `fake` extra's packages unimportable, then try.
WITHOUT_EXTRA = "import sys; sys.modules['starlette'] = sys.modules['uvicorn'] = None; "


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something else already listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_busy_port_is_one_line_naming_it_and_exit_3(busy_port: int) -> None:
    result = CliRunner().invoke(cli, ["fake-server", "--port", str(busy_port)])
    assert result.exit_code == ExitCode.AUTH
    assert result.stderr.splitlines() == [
        f"kling fake-server: port {busy_port} on 127.0.0.1 is already in use; "
        "pick another --port (0: a free one)"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("statsu", "unknown fault kind 'statsu'; did you mean 'status'?"),
        ("status:status", "expected field=value, got 'status'"),
        ("status:colour=red", "unknown fault field(s) colour"),
        ("status:count=often", "count must be an integer (got 'often')"),
        ("truncate:keep=1", "keep must be a fraction in [0, 1) (got 1.0)"),
        (":count=2", "a fault needs a kind"),
    ],
)
def test_every_bad_fault_says_what_is_wrong_and_lists_the_valid_ones(fault: str, says: str) -> None:
    result = CliRunner().invoke(cli, ["fake-server", "--fault", fault])
    assert result.exit_code == ExitCode.BAD_INPUT
    message, hint = result.stderr.splitlines()
    assert message.startswith(f"kling fake-server: argument --fault: bad fault '{fault}': ")
    assert says in message
    assert VALID_FAULTS in message
    assert hint == "Try 'kling fake-server --help'."
    with pytest.raises(ValueError, match="valid faults: "):
        parse_fault(fault)


def test_fake_server_help_names_the_key_it_accepts() -> None:
    result = CliRunner().invoke(cli, ["fake-server", "--help"])
    assert result.exit_code == 0
    assert DEMO_KEY in result.output


@pytest.mark.parametrize(
    ("blocked", "named"),
    [
        (WITHOUT_EXTRA, "starlette"),
        # PyYAML is imported first: its absence alone used to be a raw "No module named 'yaml'".
        ("import sys; sys.modules['yaml'] = None; ", "yaml"),
    ],
)
def test_importing_the_fake_without_its_extra_says_what_to_install(
    blocked: str, named: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", blocked + "from haoee_kling.testing import FakeGateway"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "ImportError: haoee_kling.testing.FakeGateway needs the 'fake' extra "
        f"({named} is not installed): pip install 'haoee-kling[fake]'"
    )
    assert "ModuleNotFoundError" not in done.stderr


@pytest.mark.parametrize("speed", ["-1", "0", "nan", "inf", "fast"])
def test_a_bad_speed_is_one_line_and_exit_2(speed: str) -> None:
    result = CliRunner().invoke(cli, ["fake-server", "--port", "0", "--speed", speed])
    assert result.exit_code == ExitCode.BAD_INPUT
    message, hint = result.stderr.splitlines()
    assert message.startswith("kling fake-server: argument --speed: must be a ")
    assert f"'{speed}'" in message
    assert hint == "Try 'kling fake-server --help'."
    assert "Traceback" not in result.output


def test_serving_the_fake_without_its_extra_is_one_line_and_exit_3() -> None:
    run = "from haoee_kling.testing.__main__ import main; raise SystemExit(main(['--port', '0']))"
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA + run], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == ExitCode.AUTH
    assert done.stderr.splitlines() == [
        "python -m haoee_kling.testing: the fake gateway needs the 'fake' extra "
        "(starlette is not installed): pip install 'haoee-kling[fake]'"
    ]


def test_another_missing_module_is_not_blamed_on_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    import haoee_kling.testing as testing

    def broken(name: str, package: str | None = None) -> None:
        raise ModuleNotFoundError("No module named 'typo_module'", name="typo_module")

    monkeypatch.setattr(importlib, "import_module", broken)
    monkeypatch.delitem(testing.__dict__, "RunningServer", raising=False)
    with pytest.raises(ModuleNotFoundError, match="typo_module"):
        testing.__getattr__("RunningServer")

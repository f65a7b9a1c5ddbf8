"""README.md runs as written: every Python and shell block, against the shipped fake gateway.

Each block runs in a fresh directory holding `cat.png` (the package's sample image), with the
environment "Testing your code offline" documents: `HAOEE_BASE_URL` at a fake gateway on a free
loopback port and `HAOEE_API_KEY=fake-demo-key`. Python blocks run with `exec`, shell blocks
through the real `kling` command line (`haoee_kling.cli.cli`). Time is the only thing faked:
the client's clock is linked to the gateway's, so a wait that would poll for minutes takes none.
A block that cannot run offline says why in the line before it, and is not run.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from haoee_kling.cli import cli
from haoee_kling.testing import (
    DEMO_KEY,
    FakeGateway,
    link_default_clock,
    sample_image_path,
    serve_in_thread,
)
from tests.docs.readme_blocks import README, Block, blocks, markers, run_shell
from tests.e2e.fake_support import assert_media

TEXT = README.read_text("utf-8")
BLOCKS = blocks(TEXT)
RUN = [block for block in BLOCKS if block.runner and block.skip is None]


def _block(needle: str, runner: str) -> Block:
    """The block of a runner whose code contains `needle` (fails if README lost it)."""
    found = [b for b in RUN if b.runner == runner and needle in b.code]
    assert found, f"README.md has no {runner} block with {needle!r} that runs"
    return found[0]


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    """The documented offline setup: a fake on loopback, its key, cat.png, and a linked clock."""
    gateway = FakeGateway()
    server = serve_in_thread(gateway)
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(sample_image_path(), tmp_path / "cat.png")
    monkeypatch.setenv("HAOEE_BASE_URL", server.base_url)
    monkeypatch.setenv("HAOEE_API_KEY", DEMO_KEY)
    monkeypatch.delenv("HAOEE_KLING_LOG", raising=False)
    # Every client the blocks build (`Kling()`, the CLI's) takes a SystemClock: link them all.
    with link_default_clock(gateway):
        yield gateway
    server.stop()


def run_python(block: Block) -> str:
    """Run a Python block as a script; returns what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block.code, str(block), "exec"), {"__name__": "__readme__"})
    return printed.getvalue()


def kling(args: list[str], env: dict[str, str]) -> None:
    """Run one `kling` command of a shell block; fail the test, showing its output, if it fails."""
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, f"kling {' '.join(args)} exited {result.exit_code}:\n" + (
        result.output
    )


def test_every_code_block_runs_or_says_why_not() -> None:
    assert {block.runner for block in RUN} == {"python", "sh"}
    for block in BLOCKS:
        if block.runner is None:
            assert block.skip is None, f"{block}: only code blocks can be skipped"
        elif block.skip is not None:
            assert len(block.skip.split()) >= 5, f"{block}: say why it is not run"
    skipped = sum(1 for block in BLOCKS if block.skip is not None)
    assert markers(TEXT) == skipped, "a skip marker must stand on the line before a block"


@pytest.mark.parametrize("block", RUN, ids=str)
def test_the_block_runs_as_written(block: Block, offline: FakeGateway) -> None:
    if block.runner == "python":
        run_python(block)  # raises whatever the block raises
    else:
        assert run_shell(block, kling) >= 1, f"{block} runs no kling command"


def test_the_python_quickstart_creates_waits_and_downloads(offline: FakeGateway) -> None:
    printed = run_python(_block("with Kling() as kling", "python"))
    assert "failed:" not in printed
    assert "still running:" not in printed
    [video] = Path("out").iterdir()
    assert_media(video.read_bytes(), "mp4")
    assert {task.kind for task in offline.tasks()} == {"text2video", "image2video"}


def test_the_command_line_block_downloads_what_it_says(offline: FakeGateway) -> None:
    run_shell(_block("--out videos/", "sh"), kling)
    files = sorted(Path("videos").iterdir())
    assert files
    for path in files:
        assert_media(path.read_bytes(), path.suffix.lstrip("."))


def test_a_skip_marker_belongs_to_the_block_after_it() -> None:
    text = "<!-- not run by tests/docs: it needs a real key -->\n```sh\nexport A=1\n```\n"
    [block] = blocks(text)
    assert block.skip == "it needs a real key"
    assert (block.line, block.runner, block.code) == (2, "sh", "export A=1\n")


def test_a_shell_line_that_cannot_run_here_fails_rather_than_passing_in_silence() -> None:
    [block] = blocks("```sh\ncp cat.png dog.png\n```\n")
    with pytest.raises(AssertionError, match="only `export` and `kling` lines run here"):
        run_shell(block, kling)


def test_the_callbacks_block_finishes_its_wait_by_push(offline: FakeGateway) -> None:
    printed = run_python(_block("via=receiver", "python"))
    assert printed.splitlines()[:3] == ["submitted", "processing", "succeed"]
    assert "done by push:" in printed
    [task] = offline.tasks()
    assert {d.status_code for d in offline.callbacks.deliveries} == {200}
    assert offline.clock.now() - task.timeline.finished < 1.0


def test_the_consumer_test_runs_as_a_consumer_runs_it(tmp_path: Path) -> None:
    """The fixtures block, saved as a test file in a folder of its own and run by a pytest of
    its own: the plugin comes from the installed package's entry point, not from this suite.
    Without the linked clocks its waits would stall for 900 s (the timeout below catches that)."""
    block = _block("def test_render_finishes", "python")
    (tmp_path / "test_render.py").write_text(block.code, "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_render.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout

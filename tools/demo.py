"""`make demo`: the main job end to end, on the embedded fake gateway, with nothing to sign up for.

Starts the fake haoee gateway on a free loopback port (task clock sped up), runs the `kling`
command line for a text-to-video task, an image-to-video task and an image-expand task (both with a
local image), waits for each,
downloads the results into demo-output/, says what each file is, and stops the fake. Exits
non-zero if any step failed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "demo-output"
SPEED = "120"
KLING = [sys.executable, "-m", "haoee_kling.cli"]


def start_fake() -> tuple[subprocess.Popen[str], str, str]:
    """Start the fake gateway on a free port; return the process, its base URL and demo key."""
    proc = subprocess.Popen(
        [*KLING, "fake-server", "--port", "0", "--speed", SPEED],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    url = key = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (url and key):
        line = proc.stdout.readline()
        if not line:
            break
        url = url or next(iter(re.findall(r"(http://127\.0\.0\.1:\d+/kling)", line)), "")
        key = key or next(iter(re.findall(r"key:?\s+(\S+)", line, flags=re.IGNORECASE)), "")
    if not (url and key):
        proc.kill()
        raise SystemExit("demo: the fake gateway did not start (no URL and key printed)")
    return proc, url, key


def describe(path: Path) -> str:
    """What a downloaded file is, from its own bytes."""
    head = path.read_bytes()[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        from PIL import Image

        with Image.open(path) as image:
            return f"PNG image, {image.width}x{image.height}"
    if head[4:8] == b"ftyp":
        from mutagen.mp4 import MP4

        length = MP4(path).info.length  # type: ignore[no-untyped-call,attr-defined]
        return f"MP4 video, {length:.1f} s"
    return f"unrecognised ({head[:8]!r})"


def echo(args: list[str]) -> str:
    """The command as a shell would need it typed (quoted), so it can be copied and rerun."""
    return "$ " + shlex.join(["kling", *args])


def run(args: list[str], env: dict[str, str]) -> None:
    print(echo(args), flush=True)
    subprocess.run([*KLING, *args], env=env, check=True)


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    proc, url, key = start_fake()
    env = {**os.environ, "HAOEE_BASE_URL": url, "HAOEE_API_KEY": key}
    print(f"fake haoee gateway at {url} (tasks run {SPEED}x faster than real time)", flush=True)
    try:
        from haoee_kling.testing import sample_image_path

        run(
            [
                "text2video",
                "--model-name",
                "kling-v2-6",
                "--mode",
                "pro",
                "--duration",
                "5",
                "--prompt",
                "A red fox trots across fresh snow at dawn, cinematic",
                "--wait",
                "--out",
                str(OUT / "text2video"),
            ],
            env,
        )
        run(
            [
                "image2video",
                "--model-name",
                "kling-v2-6",
                "--image",
                str(sample_image_path()),
                "--prompt",
                "The scene slowly comes alive",
                "--wait",
                "--out",
                str(OUT / "image2video"),
            ],
            env,
        )
        run(
            [
                "image-expand",
                "--image",
                str(sample_image_path()),
                "--up-expansion-ratio",
                "0.1",
                "--down-expansion-ratio",
                "0.1",
                "--left-expansion-ratio",
                "0.3",
                "--right-expansion-ratio",
                "0.3",
                "--out",
                str(OUT / "image-expand"),
            ],
            env,
        )
    except subprocess.CalledProcessError as exc:
        print(f"demo: step failed with exit code {exc.returncode}", file=sys.stderr)
        return 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    files = sorted(p for p in OUT.rglob("*") if p.is_file())
    print(f"\n{len(files)} file(s) in {OUT.relative_to(ROOT)}/:")
    for path in files:
        print(f"  {path.relative_to(ROOT)}: {describe(path)}")
    ok = files and all(not describe(p).startswith("unrecognised") for p in files)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The client as other repositories get it: vendored by tools/vendor.py, or built and installed.

Each copy is exercised in a separate, clean interpreter (``python -I``) by consumer_check.py,
which makes sure nothing is imported from this work tree.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tests/vendor/consumer_check.py"
STAMP = "haoee_kling.VENDORED.json"


def _run(*command: str | Path, timeout: float = 120) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def _vendor(dest: Path, *options: str) -> dict[str, Any]:
    _run(sys.executable, "tools/vendor.py", dest, *options)
    stamp: dict[str, Any] = json.loads((dest / STAMP).read_text())
    return stamp


def test_vendored_core_runs_in_a_clean_interpreter(tmp_path: Path) -> None:
    """Core only: both packages and the spec, no fake, no CLI, no caches; calls work."""
    stamp = _vendor(tmp_path)
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert "haoee_kling_api/openapi.yaml" in files
    assert {"haoee_kling_api/py.typed", "haoee_kling/py.typed"} <= files
    assert not [f for f in files if "__pycache__" in f or f.startswith("haoee_kling/testing/")]
    assert not [f for f in files if f.startswith("haoee_kling/cli/")]
    assert not [f for f in files if f.startswith("haoee_kling/conformance/")]
    assert set(stamp["files"]) == files - {STAMP}
    assert "consumer ok" in _run(sys.executable, "-I", "-B", CHECK, tmp_path, "--vendored")


def test_vendored_with_the_fake_gateway(tmp_path: Path) -> None:
    """``--with testing`` adds haoee_kling.testing: a consumer can test against the fake."""
    stamp = _vendor(tmp_path, "--with", "testing")
    assert (tmp_path / "haoee_kling/testing/__init__.py").is_file()
    assert list(stamp["included_extras"]) == ["testing"]
    output = _run(sys.executable, "-I", "-B", CHECK, tmp_path, "--vendored", "--fake")
    assert "consumer ok" in output


def test_stamp_names_version_spec_and_generator(tmp_path: Path) -> None:
    """The stamp ties the copy to its package version, spec and generator run."""
    stamp = _vendor(tmp_path)
    generated = json.loads((ROOT / "generated/STAMP.json").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = (tmp_path / "haoee_kling_api/openapi.yaml").read_bytes()
    assert stamp["version"] == project["version"]
    assert stamp["spec_sha256"] == generated["spec_sha256"] == hashlib.sha256(spec).hexdigest()
    assert stamp["generator"] == {"openapi-python-client": generated["openapi-python-client"]}
    assert stamp["generated_on"]
    assert stamp["vendored_on"]


def test_vendoring_again_replaces_the_old_copy(tmp_path: Path) -> None:
    """A second run leaves no file of the first behind (e.g. a dropped optional part)."""
    _vendor(tmp_path, "--with", "testing")
    _vendor(tmp_path)
    assert not (tmp_path / "haoee_kling/testing").exists()


@pytest.mark.slow
def test_wheel_and_sdist_install_and_run(tmp_path: Path) -> None:
    """Build sdist and wheel (the wheel from the sdist), install the wheel in a fresh venv."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin/python"
    pip = (python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    _run(*pip, "build==1.6.1", timeout=300)
    dist = tmp_path / "dist"
    _run(python, "-m", "build", "--outdir", dist, ROOT, timeout=300)
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    assert len(wheels) == len(sdists) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    assert {
        "haoee_kling_api/openapi.yaml",
        "haoee_kling_api/py.typed",
        "haoee_kling/py.typed",
    } <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    _run(*pip, f"{wheels[0]}[fake]", timeout=300)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    assert "consumer ok" in _run(python, "-I", "-B", CHECK, site, "--fake")
    # The `fake` extra alone brings what `kling fake-server` needs (click and rich too).
    assert "fake-demo-key" in _run(venv / "bin/kling", "fake-server", "--help")

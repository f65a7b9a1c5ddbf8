"""`haoee_kling.__version__`: the installed distribution's version, or a vendored copy's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

import haoee_kling
from haoee_kling import _version


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test reads the version anew (the function caches its answer)."""
    _version.package_version.cache_clear()
    yield
    _version.package_version.cache_clear()


def test_the_version_is_the_installed_distributions() -> None:
    assert haoee_kling.__version__ == metadata.version("haoee-kling")
    assert "__version__" in haoee_kling.__all__


def test_a_vendored_copy_reports_the_version_in_its_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp = tmp_path / "haoee_kling.VENDORED.json"
    stamp.write_text(json.dumps({"package": "haoee-kling", "version": "9.8.7"}))
    monkeypatch.setattr(_version, "_VENDORED_STAMP", stamp)
    assert haoee_kling.__version__ == "9.8.7"


def test_without_metadata_or_stamp_the_version_says_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_version, "_VENDORED_STAMP", tmp_path / "absent.json")
    monkeypatch.setattr(metadata, "version", not_installed)
    assert haoee_kling.__version__ == "0+unknown"

"""The package's version: from the installed distribution, or a vendored copy's stamp.

Read on first use of `haoee_kling.__version__`, so `import haoee_kling` pays nothing for it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

__all__ = ["DISTRIBUTION", "UNKNOWN_VERSION", "package_version"]

DISTRIBUTION = "haoee-kling"
UNKNOWN_VERSION = "0+unknown"
"""What `__version__` says when neither metadata nor a stamp tells (a PEP 440 local version)."""

# `make vendor` writes this next to the copied package; it names the version copied.
_VENDORED_STAMP = Path(__file__).resolve().parent.parent / "haoee_kling.VENDORED.json"


@functools.cache
def package_version() -> str:
    """The version of this copy of the package.

    Returns:
        A vendored copy's stamped version first (the environment may hold another install of
        the distribution), then the installed distribution's metadata, else `UNKNOWN_VERSION`.
    """
    try:
        stamped = json.loads(_VENDORED_STAMP.read_text("utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        stamped = None
    if isinstance(stamped, str) and stamped:
        return stamped
    from importlib import metadata  # on first use: the import costs more than the package

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION

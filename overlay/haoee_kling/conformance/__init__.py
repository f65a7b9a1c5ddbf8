"""Conformance and drift: check any Kling gateway against the spec without billing, and say
what the spec should learn.

    from haoee_kling.conformance import run
    report = run("https://maas.haoee.com/kling")       # HAOEE_API_KEY from the environment
    report.ok                                           # everything checked conforms
    report.suggestions()                                # spec changes that describe the drift

The same run is `kling conformance` (and `python -m haoee_kling.conformance`). It sends every
request that costs nothing: each list (and a listed task read back), each get with an unknown
task id, the account's costs, a wrong and a missing key, a page size the spec forbids, a create
whose body is not JSON, and schemathesis' generated requests to every free (GET) operation. It
creates no task unless ``allow_billed`` says how many it may.

Needs the `conformance` extra (schemathesis, PyYAML, rich):
``pip install 'haoee-kling[conformance]'``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from .._clock import SystemClock
from .._config import check_base_url
from .._spec import load_spec
from ..http._auth import default_base_url, make_auth
from ._drift import Suggestion, overlay_document
from ._judge import Difference, Judge
from ._run import OUTCOMES, CheckResult, Report, Runner

__all__ = [
    "OUTCOMES",
    "CheckResult",
    "Difference",
    "Judge",
    "Report",
    "Suggestion",
    "load_spec_file",
    "overlay_document",
    "run",
]


def load_spec_file(path: Path) -> dict[str, Any]:
    """An OpenAPI document from a YAML or JSON file (YAML 1.2 booleans: only true/false)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        document: dict[str, Any] = json.loads(text)
        return document
    from ._yaml import load_yaml  # PyYAML is only needed for a spec given as YAML

    loaded: dict[str, Any] = load_yaml(text)
    return loaded


def run(
    base_url: str | None = None,
    *,
    api_key: str | None = None,
    backend: str = "haoee",
    spec: Mapping[str, Any] | None = None,
    examples: int = 3,
    allow_billed: int = 0,
    pause: float = 0.5,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    """Run every free check (and at most ``allow_billed`` creates) against a gateway.

    Args:
        base_url: the API root (default: HAOEE_BASE_URL, else haoee's).
        api_key: the key (default: HAOEE_API_KEY; Kling's own variables for ``backend="kling"``).
        backend: "haoee" (Bearer key, `ModelName` header) or "kling" (Kling's hosts).
        spec: the OpenAPI document to judge by (default: the one this package ships).
        examples: schemathesis cases per free operation; 0 skips that part.
        allow_billed: how many tasks the run may create (each is paid on a real gateway).
        pause: seconds before each request, to stay under rate limits.
        timeout: per-request timeout, seconds.
        transport: an httpx transport instead of the network (tests, in-process fakes).

    Raises:
        ConfigurationError: no key, or a base URL that cannot be right.
        AuthenticationError, PermissionDeniedError: the key was refused.
        APIConnectionError: the gateway could not be reached.
    """
    auth = make_auth(
        backend, api_key=api_key, access_key=None, secret_key=None, clock=SystemClock()
    )
    url = (base_url or default_base_url(backend, os.environ)).rstrip("/")
    check_base_url(url, backend)
    document = spec if spec is not None else load_spec()
    fuzz = None
    if examples > 0:
        from ._fuzz import Fuzzer  # schemathesis and Hypothesis: loaded only to fuzz

        fuzz = Fuzzer(document)
    with httpx.Client(base_url=url, timeout=timeout, transport=transport) as client:
        runner = Runner(client, document, auth, pause=pause, fuzz=fuzz)
        return runner.run(examples=examples, allow_billed=allow_billed)

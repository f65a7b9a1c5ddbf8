"""`kling conformance`: check a Kling gateway against the spec without billing (see
`haoee_kling.conformance`); also `python -m haoee_kling.conformance`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ._render import ExitCode

__all__ = ["conformance"]

EXTRA_MISSING = (
    "kling conformance needs the 'conformance' extra ({name} is missing): "
    "pip install 'haoee-kling[conformance]'"
)


def _missing_extra(exc: ImportError) -> NoReturn:
    # Exit 2, as the `kling` entry point does when the `cli` extra is missing: nothing was sent.
    click.echo(f"error: {EXTRA_MISSING.format(name=exc.name)}", err=True)
    sys.exit(ExitCode.BAD_INPUT)


@click.command("conformance")
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a JUnit XML report: a testcase per check.",
)
@click.option(
    "--suggest",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the spec changes that describe the drift found, as an OpenAPI Overlay 1.0.0 "
    "document (apply with tools/apply_overlay.py).",
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Judge by this OpenAPI document (YAML or JSON) instead of the one shipped.",
)
@click.option(
    "--allow-billed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Create at most this many tasks (each is paid on a real gateway); 0 creates none.",
)
@click.option(
    "--examples",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Schemathesis cases per free (GET) operation; 0 skips fuzzing.",
)
@click.option(
    "--pause",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds to wait before each request (rate limits).",
)
@click.option(
    "--backend",
    type=click.Choice(["haoee", "kling"]),
    default="haoee",
    show_default=True,
    help="haoee (HAOEE_API_KEY) or Kling's own hosts (KLING_ACCESS_KEY and KLING_SECRET_KEY).",
)
@click.pass_obj
def conformance(
    state: Any,
    junit: Path | None,
    suggest: Path | None,
    spec_path: Path | None,
    allow_billed: int,
    examples: int,
    pause: float,
    backend: str,
) -> None:
    """Check a gateway against the spec without billing, and say what the spec should learn.

    Every list and get, an unknown task id, a wrong and a missing key, documented errors that
    cost nothing, and schemathesis over the free operations; every answer is judged against
    the spec. Exit 0 only when everything checked conforms ("not served" on an official-only
    operation is reported, not failed); 1 when something differs or is refused; 3 when the key
    is refused or the gateway cannot be reached.
    """
    output = state.output
    try:
        from .. import conformance as checks
        from ..conformance import _report
    except ImportError as exc:
        _missing_extra(exc)
    try:
        spec = checks.load_spec_file(spec_path) if spec_path is not None else None
        report = checks.run(
            state.base_url,
            api_key=state.api_key,
            backend=backend,
            spec=spec,
            examples=examples,
            allow_billed=allow_billed,
            pause=pause,
        )
    except ImportError as exc:  # schemathesis, loaded only to fuzz
        _missing_extra(exc)
    except Exception as exc:
        output.base_url = state.base_url
        sys.exit(output.error(exc))
    if junit is not None:
        _report.write_junit(report, junit)
    if suggest is not None:
        count = _report.write_overlay(report, suggest)
        output.note(f"{count} spec change(s) suggested in {suggest}")
    if output.as_json:
        sys.stdout.write(json.dumps(_report.document(report), ensure_ascii=False, indent=2) + "\n")
    else:
        _report.print_table(report, output.out)
    sys.exit(ExitCode.OK if report.ok else ExitCode.DIFFERS)

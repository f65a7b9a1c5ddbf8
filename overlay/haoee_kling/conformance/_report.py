"""A run's report for people (a table per operation), for CI (JUnit XML) and for programs (one
JSON document), and its suggestions as an Overlay document."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .._logging import redact
from ._drift import overlay_document
from ._run import OUTCOMES, CheckResult, Report

__all__ = ["document", "print_table", "write_junit", "write_overlay"]

_STYLES = {"conforms": "green", "differs": "bold red", "not served": "yellow", "refused": "red"}


def _first_difference(checks: list[CheckResult]) -> str:
    for check in checks:
        for difference, suggestion in zip(check.differences, check.suggestions, strict=True):
            text = f"{check.name}: {difference}"
            return text + (f" -> spec change: {suggestion.summary}" if suggestion else "")
    failing = [c for c in checks if c.outcome in ("refused", "not served")]
    return "; ".join(dict.fromkeys(f"{c.name}: {c.note}" for c in failing or checks))


def summary(report: Report) -> dict[str, int]:
    """How many operations ended in each outcome."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for _op, _label, outcome, _checks in report.by_operation():
        counts[outcome] += 1
    return counts


def print_table(report: Report, console: Console) -> None:
    """One row per operation: its outcome, its checks and the first difference, then totals
    and every difference below."""
    table = Table(title=f"kling conformance: {report.base_url} (spec {report.spec_version})")
    for column in ("operation", "result", "checks", "first difference or answer"):
        table.add_column(column, overflow="fold")
    for op, _label, outcome, checks in report.by_operation():
        table.add_row(
            op,
            Text(outcome, style=_STYLES[outcome]),
            str(len(checks)),
            Text(redact(_first_difference(checks))),
        )
    console.print(table)
    counts = ", ".join(f"{n} {outcome}" for outcome, n in summary(report).items())
    total = len(report.results)
    console.print(Text(f"{total} checks over {len(report.by_operation())} operations: {counts}"))
    for result in report.results:
        for difference, suggestion in zip(result.differences, result.suggestions, strict=True):
            line = f"{result.label} ({result.name}): {difference}"
            if suggestion is not None:
                line += f"\n    spec change: {suggestion.summary}"
            console.print(Text(redact(line)), crop=False)
    if report.created:
        console.print(Text(f"tasks created (--allow-billed): {', '.join(report.created)}"))


def _result_document(result: CheckResult) -> dict[str, Any]:
    return {
        "operation": result.operation,
        "label": result.label,
        "check": result.name,
        "outcome": result.outcome,
        "answer": result.note,
        "differences": [
            {
                "json_path": d.json_path,
                "held": d.held,
                "rule": d.rule,
                "spec_location": d.spec_location,
                "spec_change": None
                if s is None
                else {"summary": s.summary, "overlay_actions": s.actions(s.summary)},
            }
            for d, s in zip(result.differences, result.suggestions, strict=True)
        ],
    }


def document(report: Report) -> dict[str, Any]:
    """The whole run as one JSON document."""
    return {
        "base_url": report.base_url,
        "spec_version": report.spec_version,
        "ok": report.ok,
        "summary": summary(report),
        "operations": {
            op: {"label": label, "outcome": outcome, "checks": len(checks)}
            for op, label, outcome, checks in report.by_operation()
        },
        "checks": [_result_document(r) for r in report.results],
        "tasks_created": report.created,
    }


def write_junit(report: Report, path: Path) -> None:
    """A testcase per check (classname = operationId); a failure names the operation and each
    difference; "not served" is a skipped testcase."""
    suite = ET.Element("testsuite", name="kling conformance", tests=str(len(report.results)))
    failures = skipped = 0
    for result in report.results:
        case = ET.SubElement(
            suite, "testcase", classname=result.operation, name=f"{result.name} ({result.label})"
        )
        if result.outcome in ("differs", "refused"):
            failures += 1
            lines = [str(d) for d in result.differences] or [f"answer: {result.note}"]
            message = f"{result.operation} {result.outcome}: {lines[0]}"
            failure = ET.SubElement(case, "failure", message=redact(message), type=result.outcome)
            failure.text = redact("\n".join(lines))
        elif result.outcome == "not served":
            skipped += 1
            ET.SubElement(case, "skipped", message=f"not served (official-only): {result.note}")
        ET.SubElement(case, "system-out").text = result.note
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def write_overlay(report: Report, path: Path) -> int:
    """Write the suggested spec changes as an Overlay 1.0.0 document; returns how many actions.

    With nothing to suggest, the file says so in a comment and holds no document, since an
    Overlay needs at least one action."""
    doc = overlay_document(
        report.suggestions(), source=report.base_url, spec_version=report.spec_version
    )
    if not doc["actions"]:
        path.write_text("# kling conformance: no spec change to suggest\n", encoding="utf-8")
        return 0
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    header = (
        "# Spec changes that would describe what the gateway answered (kling conformance).\n"
        "# Review each action, then: python tools/apply_overlay.py THIS_FILE openapi/kling.yaml\n"
    )
    path.write_text(header + text, encoding="utf-8")
    return len(doc["actions"])

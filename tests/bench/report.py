"""Turn the measurements' dicts into the results table: figure, budget, met?, spread."""

from __future__ import annotations

import math
from typing import Any

Row = tuple[str, str, str, str, str]


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**NO**")


def _overhead(data: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for mode, bare in (("sync", "httpx.Client"), ("async", "httpx.AsyncClient")):
        d = data[mode]
        running = data.get("gc_running", {}).get(mode)
        with_gc = (
            f"; with the cyclic GC running {running['ratio_p50']:.3f}x (collections during "
            f"{running['collections_during']['client']} client calls vs "
            f"{running['collections_during']['bare']} bare ones)"
            if running
            else ""
        )
        client = "Kling" if mode == "sync" else "AsyncKling"
        spread = d["block_ratio_p50"]
        rows.append((
            f"Per-call overhead, {client} vs {bare} (get one task)",
            f"{d['ratio_p50']:.3f}x median wall, {d['ratio_p95']:.3f}x p95 "
            f"({d['wall_us']['client']['p50']:.0f} vs {d['wall_us']['bare']['p50']:.0f} us)",
            "<= 1.05x",
            _met(d["ratio_p50"] <= 1.05),
            f"median ratio per block of {d['calls_each'] // spread['blocks']}: "
            f"{spread['min']:.3f}-{spread['max']:.3f}; client CPU {d['cpu_ratio_mean']:.2f}x "
            f"({d['cpu_us']['client']['mean']:.0f} vs {d['cpu_us']['bare']['mean']:.0f} us)"
            + with_gc,
        ))  # fmt: skip
    alone = data["client_only_sync"]
    rows.append((
        "Per-call cost without a server, Kling vs httpx.Client (MockTransport, same bytes)",
        f"{alone['ratio_p50']:.3f}x median ({alone['us']['client']['p50']:.0f} vs "
        f"{alone['us']['bare']['p50']:.0f} us)",
        "none (explains the above)",
        _met(None),
        f"+{alone['extra_us_p50']:.0f} us per call; server CPU per request "
        f"{data['server_cpu_us_per_request']:.0f} us; profile in results.json",
    ))  # fmt: skip
    return rows


def _polling(data: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for group, d in data["groups"].items():
        c, f10, f2 = d["client"], d["fixed_10s"], d["fixed_2s"]
        fewer = c["requests"]["mean"] < f10["requests"]["mean"]
        lower = c["lag_s"]["p95"] < f10["lag_s"]["p95"]
        rows.append((
            f"Polling, {group} ({d['tasks']} tasks, e.g. {d['representative']})",
            f"requests/task {c['requests']['mean']:.2f} vs {f10['requests']['mean']:.2f} (10 s)"
            f" vs {f2['requests']['mean']:.2f} (2 s); lag p50/p95 "
            f"{c['lag_s']['p50']:.2f}/{c['lag_s']['p95']:.2f} s vs "
            f"{f10['lag_s']['p50']:.2f}/{f10['lag_s']['p95']:.2f} vs "
            f"{f2['lag_s']['p50']:.2f}/{f2['lag_s']['p95']:.2f}",
            "fewer requests AND lower p95 lag than 10 s",
            _met(fewer and lower),
            f"task time p50 {d['task_seconds']['p50']:.0f} s, max "
            f"{d['task_seconds']['max']:.0f} s; requests/task p95 {c['requests']['p95']:.0f} "
            f"vs {f10['requests']['p95']:.0f}",
        ))  # fmt: skip
    return rows


def _callbacks(data: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for group, d in data["groups"].items():
        push, poll = d["push"], d["poll"]
        fewer = push["requests"]["mean"] < poll["requests"]["mean"]
        lower = push["lag_s"]["p95"] < poll["lag_s"]["p95"]
        rows.append((
            f"Callbacks, {group} ({push['tasks']} tasks, e.g. {d['representative']})",
            f"requests/task {push['requests']['mean']:.2f} push vs "
            f"{poll['requests']['mean']:.2f} polling only; lag p50/p95 "
            f"{push['lag_s']['p50']:.2f}/{push['lag_s']['p95']:.2f} s vs "
            f"{poll['lag_s']['p50']:.2f}/{poll['lag_s']['p95']:.2f} s",
            "fewer requests AND lower p95 lag than polling only",
            _met(fewer and lower),
            f"same timelines (task time p50 {push['task_seconds']['p50']:.0f} s); "
            f"{push['callbacks_sent']} callbacks sent; push lag max {push['lag_s']['max']:.2f} s",
        ))  # fmt: skip
    return rows


def _wait_many(data: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for n, d in data["sizes"].items():
        many, single = d["wait_many"], d["individual"]
        worst = many["per_round"]["max"]
        rows.append((
            f"wait_many, N = {n}",
            f"{worst:g} requests/round (max), {many['rounds']} rounds, {many['requests']} "
            f"requests vs {single['requests']} for N waits ({d['request_ratio']:.3f}x)",
            f"ceil(N/500) = {d['budget_per_round']} per round",
            _met(worst <= d["budget_per_round"]),
            f"{many['list_requests']} list + {many['get_requests']} get; done at "
            f"{many['sim_seconds']:.0f} s vs {single['sim_seconds']:.0f} s (last task "
            f"{many['last_task_done_s']:.0f} s)",
        ))  # fmt: skip
    return rows


def _batch(data: dict[str, Any]) -> list[Row]:
    return [(
        f"Batch, {data['jobs']} jobs at concurrency {data['concurrency']} "
        f"(mean task {data['mean_task_s']:.0f} s)",
        f"makespan {data['ratio']:.3f}x the ideal schedule ({data['makespan_s']:.0f} s vs "
        f"{data['ideal_s']:.0f} s); {data['requests_per_job']:.2f} API requests/job",
        "<= 1.1x",
        _met(data["ratio"] <= 1.1 and data["downloaded"] == data["jobs"]),
        f"{data['creates_per_job']:g} create + {data['lists_per_job']:g} list per job, "
        f"{data['downloads_per_job']:g} downloads/job; ledger {data['ledger_ms_per_job']:.2f} "
        f"ms/job; 1303 refusals {data['refusals']}; {data['wall_s']:.1f} s wall",
    )]  # fmt: skip


def _scale(data: dict[str, Any]) -> list[Row]:
    ok = data["ratio"] <= 1.2 and data["peak_rss_mb"] < 200 and data["error_count"] == 0
    return [(
        f"Scale, {data['tasks']} concurrent async waits ({data['speed']:g}x time), "
        f"pool: {data['pool']}",
        f"{data['ratio']:.3f}x ({data['wall_s']:.1f} s wall / {data['simulated_s']:.1f} s "
        f"simulated); peak RSS {data['peak_rss_mb']:.0f} MB",
        "<= 1.2x, RSS < 200 MB",
        _met(ok),
        f"client CPU {data['cpu_s']:.1f} s ({data['cpu_ms_per_poll']:.2f} ms/poll), server "
        f"CPU {data['server_cpu_s']:.1f} s; lag p50/p95 {data['lag_fake_s']['p50']:.1f}/"
        f"{data['lag_fake_s']['p95']:.1f} fake s; polls/task {data['polls_per_task']['mean']:.1f};"
        f" errors {data['error_count']}",
    )]  # fmt: skip


def _startup(data: dict[str, Any]) -> list[Row]:
    imp, pair, cli = data["import_ms"], data["pair_ratio"], data["cli_help"]
    extra = data["extra_modules"]
    cli_figure = (
        f"{cli['wall_ms']['p50']:.0f} ms median wall ({cli['wall_ms']['n']} runs)"
        if cli["returncode"] == 0
        else f"fails (exit {cli['returncode']}): {cli['error']}"
    )
    return [
        (
            "Start-up, from haoee_kling import Kling vs import httpx",
            f"{data['ratio_p50']:.2f}x ({imp['haoee_kling']['p50']:.0f} vs "
            f"{imp['httpx']['p50']:.0f} ms median import)",
            "<= 1.2x",
            _met(data["ratio_p50"] <= 1.2),
            f"per-pair ratio min/p95/max {pair['min']:.2f}/{pair['p95']:.2f}/{pair['max']:.2f};"
            f" whole process {data['process_ratio_p50']:.2f}x; {extra['count']} modules beyond "
            f"httpx's, {extra['self_ms_total']:.0f} ms own time (-X importtime)",
        ),
        ("Start-up, kling --help", cli_figure, "none", _met(None), "python -m haoee_kling.cli"),
    ]


def _coldstart(data: dict[str, Any]) -> list[Row]:
    wall = data["process_wall_ms"]
    return [(
        "Cold start to the first typed result (import, construct, one get; whole process)",
        f"{data['ratio_p50']:.2f}x ({wall['haoee_kling']['p50']:.0f} vs "
        f"{wall['httpx']['p50']:.0f} ms median wall, raw httpx doing the same GET)",
        "<= 1.5x",
        _met(data["ratio_p50"] <= 1.5),
        f"{data['runs_each']} alternating runs each; p95 {wall['haoee_kling']['p95']:.0f} vs "
        f"{wall['httpx']['p95']:.0f} ms; same run: "
        + (
            ", ".join(f"{name} {ratio:.2f}x" for name, ratio in data["others_ratio_p50"].items())
            or "no other client installed"
        )
        + "".join(f" ({name} not installed)" for name in data["others_missing"]),
    )]  # fmt: skip


def _generation(data: dict[str, Any]) -> list[Row]:
    wall = data["wall_s"]
    return [(
        "Generation (tools/generate.py --check)",
        f"{wall['p50']:.1f} s median wall ({wall['n']} runs)",
        "none",
        _met(None),
        f"min/max {wall['min']:.1f}/{wall['max']:.1f} s; generated/ "
        f"{'up to date' if data['up_to_date'] else 'differs: ' + data['note']}",
    )]  # fmt: skip


RENDERERS = {
    "overhead": _overhead,
    "polling": _polling,
    "callbacks": _callbacks,
    "wait_many": _wait_many,
    "batch": _batch,
    "scale": _scale,
    "scale_wide_pool": _scale,
    "startup": _startup,
    "coldstart": _coldstart,
    "generation": _generation,
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(results: dict[str, Any]) -> str:
    """The markdown page: machine, one row per figure, then how each was measured."""
    m = results["machine"]
    lines = [
        "# haoee-kling benchmarks",
        "",
        f"Machine: {m['cores']} cores ({m['affinity']} usable), {m['implementation']} "
        f"{m['python']}, {m['platform']}; run {m['date']}, {results['total_seconds']:.0f} s "
        "in all. Ratios are from this one run, both sides measured side by side.",
        "Written by `python -m tests.bench`; the full figures are in `results.json`.",
        "",
        "| Measurement | Figure | Budget | Met? | Spread / detail |",
        "|---|---|---|---|---|",
    ]
    for name, renderer in RENDERERS.items():
        data = results["measurements"].get(name)
        if data is None:
            continue
        if "error" in data:
            lines.append(f"| {name} | failed: {_cell(data['error'])} | | **NO** | |")
            continue
        for row in renderer(data):
            lines.append("| " + " | ".join(_cell(cell) for cell in row) + " |")
    lines += ["", "## How each was measured", ""]
    for name, data in results["measurements"].items():
        method = data.get("method", "")
        seconds = data.get("seconds", math.nan)
        lines.append(f"- **{name}** ({seconds:g} s): {method}.")
    return "\n".join(lines) + "\n"

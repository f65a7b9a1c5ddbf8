"""A conformance run: send every probe, judge every answer, keep what was found.

Plain httpx on purpose: the run judges the gateway, so it must not lean on the overlay client
it is meant to keep honest (no retries, no reading past odd answers). It stops at once, with the
client's own error, only when the run's key is refused or the gateway cannot be reached: then
nothing else could be judged (the CLI's exit code 3).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from .._client_state import model_name_header
from .._spec import load_spec
from .._spec import operations as packaged_operations
from ..http._translate import map_transport_error, translate_response
from ._drift import Suggestion, suggest
from ._judge import Difference, Judge, pointer_of
from ._plan import WRONG_KEY, Probe, SpecOperation, billed_probes, free_probes, read_back_probe

__all__ = ["OUTCOMES", "CheckResult", "Report", "Runner"]

OUTCOMES = ("conforms", "differs", "not served", "refused")
"""What a check can find, in the order the report counts them. An operation's outcome is the
worst of its checks': differs, then refused, then not served, then conforms."""
_RANK = {"differs": 3, "refused": 2, "not served": 1, "conforms": 0}


@dataclass(frozen=True)
class CheckResult:
    """What one check found.

    Attributes:
        operation: the operationId the answer belongs to.
        label: `GET /v1/videos/text2video`.
        name: the check (`list`, `unknown task id`, `fuzz`).
        outcome: one of `OUTCOMES`.
        note: the answers in short (`HTTP 404, code 1203`).
        differences: every difference found, each with the spec change that would describe
            it where a reader gets past it (`suggestions`, same order; None where none does).
    """

    operation: str
    label: str
    name: str
    outcome: str
    note: str
    differences: tuple[Difference, ...] = ()
    suggestions: tuple[Suggestion | None, ...] = ()


@dataclass
class Report:
    """Every check of a run, in the order made."""

    base_url: str
    spec_version: str
    results: list[CheckResult] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything checked conforms ("not served" on an official-only operation is fine)."""
        return all(r.outcome in ("conforms", "not served") for r in self.results)

    def by_operation(self) -> list[tuple[str, str, str, list[CheckResult]]]:
        """(operationId, label, worst outcome, checks) per operation, in order first checked."""
        grouped: dict[str, list[CheckResult]] = {}
        for result in self.results:
            grouped.setdefault(result.operation, []).append(result)
        return [
            (op, checks[0].label, max((c.outcome for c in checks), key=_RANK.__getitem__), checks)
            for op, checks in grouped.items()
        ]

    def suggestions(self) -> list[tuple[Suggestion, str]]:
        """Every suggested spec change with the difference it describes, in order found."""
        return [
            (s, f"{r.label} -> {d}")
            for r in self.results
            for d, s in zip(r.differences, r.suggestions, strict=True)
            if s is not None
        ]


def _describe(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    code = f", code {body['code']!r}" if isinstance(body, dict) and "code" in body else ""
    return f"HTTP {response.status_code}{code}"


class Runner:
    """Sends the probes through ``client`` (base URL set; no auth: the run adds its own).

    Args:
        client: an httpx client whose base URL is the gateway's (`.../kling`).
        spec: the OpenAPI document to judge against.
        auth: the run's own credentials.
        pause: seconds to wait before each request (rate limits of real gateways).
        fuzz: given (operation, count), the (path, query) pairs to try; None skips fuzzing.
    """

    def __init__(
        self,
        client: httpx.Client,
        spec: Mapping[str, Any],
        auth: httpx.Auth,
        *,
        pause: float = 0.0,
        fuzz: Callable[[SpecOperation, int], Iterable[tuple[str, dict[str, Any]]]] | None = None,
    ) -> None:
        self.client = client
        self.spec = spec
        self.auth = auth
        self.pause = pause
        self.fuzz = fuzz
        self.judge = Judge(spec)
        version = str(spec.get("info", {}).get("version", ""))
        self.report = Report(str(client.base_url).rstrip("/"), version)

    def run(self, *, examples: int = 3, allow_billed: int = 0) -> Report:
        """Every free check, then fuzzing (``examples`` cases per free operation), then at most
        ``allow_billed`` creates (each read back once).

        Raises:
            AuthenticationError, PermissionDeniedError: the run's key was refused.
            APIConnectionError: the gateway could not be reached.
        """
        probes = list(free_probes(self.spec))
        getters = {op.path: op for op in (p.operation for p in probes) if op.method == "GET"}
        for index, probe in enumerate(probes):
            response = self._send(probe, first=index == 0)
            if response is None:
                continue
            if probe.read_back and response.status_code == 200:
                self._read_back(probe, response, getters)
        if self.fuzz is not None and examples > 0:
            for op in {p.operation.operation_id: p.operation for p in probes}.values():
                if op.method == "GET":
                    self._fuzz(op, examples)
        for probe in billed_probes(self.spec, allow_billed):
            response = self._send(probe)
            task_id = _task_id(response)
            if task_id is not None:
                self.report.created.append(task_id)
                getter = getters.get(f"{probe.path}/{{task_id}}")
                if getter is not None:
                    self._send(read_back_probe(probe, getter, task_id))
        return self.report

    # ------------------------------------------------------------------ requests
    def _request(self, probe: Probe) -> httpx.Response:
        headers = {"ModelName": _model_name(probe)}
        auth: httpx.Auth | None = self.auth
        if probe.key == "wrong":
            headers["Authorization"] = f"Bearer {WRONG_KEY}"
            auth = None
        elif probe.key == "none":
            auth = None
        if probe.body is not None:
            headers["Content-Type"] = "application/json"
        if self.pause:
            time.sleep(self.pause)
        return self.client.request(
            probe.operation.method,
            probe.path,
            params=dict(probe.query),
            headers=headers,
            content=probe.body,
            json=probe.json,
            auth=auth,
        )

    def _send(self, probe: Probe, *, first: bool = False) -> httpx.Response | None:
        try:
            response = self._request(probe)
        except httpx.HTTPError as exc:
            if first:
                raise map_transport_error(exc) from exc
            problem = Difference("$", type(exc).__name__, "an HTTP answer", "#", "transport")
            self._record(probe, "differs", f"no answer ({type(exc).__name__})", [problem])
            return None
        if first and response.status_code in (401, 403):
            # The run's own key is refused: nothing else can be judged (exit code 3).
            translate_response(
                response.status_code, response.headers, response.content, now=time.time
            )
        self._judge(probe, response)
        return response

    def _judge(self, probe: Probe, response: httpx.Response) -> None:
        op = probe.operation
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        where = (op.path, op.method.lower())
        found = self.judge.answer(op.raw, where, response.status_code, media, response.content)
        status = response.status_code
        if found:
            outcome = "differs"
        elif status in probe.expect:
            outcome = "conforms"
        elif 200 <= status < 300:
            at = pointer_of(("paths", op.path, op.method.lower(), "responses"))
            wanted = " or ".join(map(str, sorted(probe.expect)))
            rule = f"HTTP {wanted} for {probe.name}"
            found = [Difference("$", f"HTTP {status}", rule, at, "expected", status)]
            outcome = "differs"
        elif not op.listed and probe.key == "own":
            outcome = "not served"
        else:
            outcome = "refused"
        self._record(probe, outcome, _describe(response), found)

    def _record(self, probe: Probe, outcome: str, note: str, found: list[Difference]) -> None:
        op = probe.operation
        self.report.results.append(
            CheckResult(
                op.operation_id,
                f"{op.method} {op.path}",
                probe.name,
                outcome,
                note,
                tuple(found),
                tuple(suggest(d, self.judge) for d in found),
            )
        )

    def _read_back(
        self, listing: Probe, page: httpx.Response, getters: Mapping[str, SpecOperation]
    ) -> None:
        getter = getters.get(f"{listing.path}/{{task_id}}")
        try:
            answer = page.json()
        except ValueError:
            return  # the list check has already said what is wrong with this answer
        items = answer.get("data") if isinstance(answer, dict) else None
        items = items if isinstance(items, list) else []
        ids = [i["task_id"] for i in items if isinstance(i, dict) and "task_id" in i]
        if getter is not None and ids:
            self._send(read_back_probe(listing, getter, str(ids[0])))

    def _fuzz(self, op: SpecOperation, examples: int) -> None:
        assert self.fuzz is not None
        worst: CheckResult | None = None
        notes: dict[str, None] = {}
        cases = list(self.fuzz(op, examples))
        for path, query in cases:
            # Any documented status will do: the answer only has to conform.
            self._send(Probe(op, "fuzz", path, frozenset(range(100, 600)), query))
            result = self.report.results.pop()
            notes[result.note] = None
            if worst is None or _RANK[result.outcome] > _RANK[worst.outcome]:
                worst = result
        if worst is not None:
            note = f"{len(cases)} case(s): {', '.join(notes)}"
            self.report.results.append(dataclasses.replace(worst, note=note))


def _task_id(response: httpx.Response | None) -> str | None:
    if response is None or response.status_code != 200:
        return None
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        return None
    return str(data["task_id"]) if isinstance(data, dict) and "task_id" in data else None


def _model_name(probe: Probe) -> str:
    """The `ModelName` haoee routes by: the one the client would send for this call."""
    collection = probe.operation.path.split("/{", 1)[0]
    creates = [
        op for op in packaged_operations().values()
        if op.method == "POST" and op.path == collection
    ]  # fmt: skip
    if not creates:
        return str(load_spec()["x-haoee"]["default-model-name"])
    body = probe.json if isinstance(probe.json, dict) else None
    return model_name_header(creates[0], body)

"""The simulated gateway: a small, hostile model of haoee's Kling API and its media host.

An `httpx.MockTransport` handler, so the real `Kling` and `AsyncKling` run against it with no
socket. It keeps text2video tasks on the simulated clock (submitted, processing, then succeed
or failed after the scenario's duration) and misbehaves as the scenario says: `Retry-After`
in every form, refusals (429, 503, 1303), network faults before and after the request was
sent, outages, odd bodies, odd statuses, and media URLs that serve something else. Every
request is reported to the `Monitor` first, which may stop the run.

Its own model rather than the shipped `FakeGateway`: a request costs microseconds here (list
pages are serialised once per state change), and every header and fault is under the
scenario's control.
"""

from __future__ import annotations

import bisect
import email.utils
import json
import random
from dataclasses import dataclass
from typing import Any

import httpx

from tests.sim.invariants import Monitor
from tests.sim.scenario import CLEAN_KEY, Scenario

__all__ = ["BASE_URL", "MEDIA_HOST", "MP4", "SIGNATURE", "Gateway", "SimTask"]

BASE_URL = "https://maas.haoee.com/kling"
MEDIA_HOST = "cdn.sim.test"
SIGNATURE = "c2ln-5ecret-9f1e7d3b5a"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
_PATH = "/kling/v1/videos/text2video"
_WALL0 = 1_764_000_000.0
_REDIRECTS = {
    302: f"https://login.sim.test/sso?next=/kling&ticket={SIGNATURE}",
    307: "file:///etc/passwd",
}
# What the media host answers, by the scenario's `media` form.
_MEDIA_ANSWERS: dict[str, tuple[int, dict[str, str], bytes]] = {
    "mp4": (200, {"content-type": "video/mp4"}, MP4),
    "traversal-name": (200, {"content-type": "video/mp4"}, MP4),
    "html": (200, {"content-type": "text/html"}, b"<html><body>Access denied</body></html>"),
    "empty": (200, {"content-type": "video/mp4"}, b""),
    "json-error": (200, {"content-type": "application/json"}, b'{"code":500,"message":"oops"}'),
    "redirect-other-host": (
        302,
        {"location": "http://169.254.169.254/latest/meta-data/x.mp4"},
        b"",
    ),
    "redirect-file-scheme": (302, {"location": "file:///etc/passwd"}, b""),
    "expired": (
        403,
        {"content-type": "application/xml"},
        b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    ),
}


@dataclass
class SimTask:
    """One task on the simulated gateway (times in simulated monotonic seconds)."""

    task_id: str
    external_task_id: str
    created: float
    processing_at: float
    done_at: float
    fails: bool
    prompt: str = ""
    last_seen: float = -1.0

    def status(self, now: float) -> str:
        if now < self.processing_at:
            return "submitted"
        if now < self.done_at:
            return "processing"
        return "failed" if self.fails else "succeed"


def media_url(task_id: str) -> str:
    return (
        f"https://{MEDIA_HOST}/results/{task_id}.mp4?X-Amz-Expires=3600&X-Amz-Signature={SIGNATURE}"
    )


class Killed(BaseException):
    """The process running a batch is killed at this request (see `Gateway.kill_at`)."""


class Gateway:
    """The hostile gateway of one run.

    Args:
        scenario: what misbehaves.
        now: the simulated clock's monotonic reading.
        advance: moves the simulated clock (a request that times out takes its timeout).
        monitor: told of every request.
    """

    def __init__(self, scenario: Scenario, now: Any, advance: Any, monitor: Monitor) -> None:
        self.s = scenario
        self.now = now
        self.advance = advance
        self.monitor = monitor
        self.rng = random.Random(scenario.seed * 7919 + 1)
        self.tasks: dict[str, SimTask] = {}
        self.newest_first: list[SimTask] = []
        self.by_external: dict[str, list[str]] = {}
        self.created_by_client: set[str] = set()
        self.told: set[str] = set()
        # create_and_wait's timeout: its deadline is set when the create's answer is sent.
        self.wait_timeout: float | None = None
        self._next_id = 842250903629000000 + scenario.seed % 1000 * 1000
        self._requests = 0
        self._marks: tuple[list[float], list[float]] = ([], [])
        self._page_cache: dict[tuple[int, int, int, int], bytes] = {}
        # A batch's first run is killed at this request (counted from 1), before the gateway
        # reads it when odd, after it has acted on it when even; 0: never.
        self.kill_at = 0
        self._api_requests = 0
        self.returned: Any = None  # what create_and_wait returned, before its download

    # ------------------------------------------------------------------ tasks
    def add_task(self, external_task_id: str, duration: float) -> SimTask:
        now = self.now()
        self._next_id += 1
        task = SimTask(
            str(self._next_id),
            external_task_id,
            now,
            now + min(10.0, duration / 4),
            now + duration,
            self.s.fails,
        )
        self.tasks[task.task_id] = task
        self.newest_first.insert(0, task)
        self.by_external.setdefault(external_task_id, []).append(task.task_id)
        bisect.insort(self._marks[0], task.processing_at)
        bisect.insort(self._marks[1], task.done_at)
        return task

    def _status(self, task: SimTask, now: float) -> str:
        status = task.status(now)
        odd = self.s.status
        if odd == "backwards" and status == "processing" and self.rng.random() < 0.3:
            return "submitted"
        if odd == "unknown" and status in ("submitted", "processing"):
            return self.rng.choice(("queueing", "PENDING", "", "running", "0", "处理中"))
        if odd == "spelt" and status in ("succeed", "failed"):
            return self.rng.choice((status.upper(), f" {status.title()} ", status.title()))
        return status

    def _data(self, task: SimTask, now: float, *, polled: bool = True) -> dict[str, Any]:
        status = self._status(task, now)
        data: dict[str, Any] = {
            "task_id": task.task_id,
            "task_status": status,
            "task_status_msg": "" if status != "failed" else "the prompt was refused",
            "task_info": {"external_task_id": task.external_task_id},
            "created_at": int((_WALL0 + task.created) * 1000),
            "updated_at": int((_WALL0 + now) * 1000),
        }
        if polled and self.s.status == "id-changes" and self.rng.random() < 0.5:
            data["task_id"] = task.task_id + "7"
        if task.status(now) == "succeed":
            data["task_result"] = {
                "videos": [
                    {"id": f"{task.task_id}0", "url": media_url(task.task_id), "duration": "5.1"}
                ]
            }
            if self.s.media == "traversal-name":
                if self.s.operation == "download":  # a wait would rightly see another task
                    data["task_id"] = f"../../../../{task.task_id}"
                data["task_result"]["videos"][0].update(
                    id="../../../../outside",
                    url=f"https://{MEDIA_HOST}/results/..%2F..%2Foutside.mp4?X-Amz-Signature={SIGNATURE}",
                )
        return data

    # ------------------------------------------------------------------ answers
    def _envelope(self, data: Any) -> bytes:
        self._requests += 1
        body = {
            "code": 0,
            "message": "SUCCEED",
            "request_id": f"sim-{self._requests}",
            "data": data,
        }
        return json.dumps(body, separators=(",", ":")).encode()

    def _hint_headers(self) -> dict[str, str]:
        form = self.s.retry_after
        if form is None:
            return {}
        if form.startswith("ms:"):
            return {"retry-after-ms": form[3:]}
        if form.startswith("date-"):
            offset = -3600.0 if form == "date-past" else 30 * 86400.0
            stamp = email.utils.formatdate(_WALL0 + self.now() + offset, usegmt=True)
            return {"Retry-After": stamp}
        return {"Retry-After": form}

    def _odd_body(self, good: bytes) -> tuple[int, bytes, str] | None:
        if self.s.body is None or self.rng.random() >= self.s.body_rate:
            return None
        form = self.s.body
        if form == "empty":
            return 200, b"", "application/json"
        if form == "html":
            return (
                200,
                b"<html><body><h1>Welcome</h1><p>Please sign in</p></body></html>",
                "text/html",
            )
        if form == "huge":
            return 200, good[:-1] + b',"pad":"' + b"x" * 3_000_000 + b'"}', "application/json"
        if form == "nested":
            return (
                200,
                b'{"code":0,"data":' + b"[" * 200_000 + b"]" * 200_000 + b"}",
                "application/json",
            )
        if form == "truncated":
            return 200, good[: len(good) // 2], "application/json"
        if form == "redirect-other-host":
            return 302, b"", "text/plain"
        if form == "redirect-file-scheme":
            return 307, b"", "text/plain"
        if form == "data-null":
            return 200, b'{"code":0,"message":"SUCCEED","data":null}', "application/json"
        return 200, b'{"code":0,"message":"SUCCEED","data":{"items":[]}}', "application/json"

    def _refusal(self, create: bool) -> httpx.Response | None:
        on = self.s.hint_on
        if on == "poll" or (on == "1303") != create or self.rng.random() >= self.s.hint_rate:
            return None
        headers = {"content-type": "application/json", **self._hint_headers()}
        if on == "503":
            return httpx.Response(503, headers=headers, content=b'{"code":5001,"message":"busy"}')
        code = 1303 if on == "1303" else 1302
        body = json.dumps({"code": code, "message": "too many requests", "request_id": "sim"})
        return httpx.Response(429, headers=headers, content=body.encode())

    def _fault(self, request: httpx.Request, *, after: bool) -> None:
        fault = self.s.fault
        if fault is None:
            return
        now = self.now()
        if fault == "outage":
            start = self.s.outage_at
            if not after and start <= now < start + self.s.outage_hours * 3600:
                raise httpx.ConnectError("sim: network unreachable (outage)", request=request)
            return
        if (fault == "connect") == after or self.rng.random() >= self.s.fault_rate:
            return
        if fault == "connect":
            raise httpx.ConnectError("sim: connection refused", request=request)
        if fault == "reset":
            raise httpx.ReadError("sim: connection reset by peer", request=request)
        timeout = (request.extensions.get("timeout") or {}).get("read") or 5.0
        self.advance(float(timeout))
        raise httpx.ReadTimeout("sim: read timed out", request=request)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (the `httpx.MockTransport` handler)."""
        if request.url.scheme not in ("http", "https"):  # as httpx's own transports do
            raise httpx.UnsupportedProtocol(f"no transport for {request.url.scheme!r} URLs")
        if request.url.host != "maas.haoee.com":
            return self._media(request)
        self._api_requests += 1
        kill = self.kill_at == self._api_requests
        if kill and self.kill_at % 2:
            raise Killed(f"killed before request {self._api_requests}")
        response = self._answer(request)
        if kill:
            raise Killed(f"killed after request {self._api_requests} was answered")
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content) if request.method == "POST" else None
        if body is not None:
            key = f"create:{body.get('external_task_id')}"
            self.monitor.on_request(key, create_for=str(body.get("external_task_id")))
        elif path == _PATH:
            self.monitor.on_request("list", lookup=True)
        else:
            self.monitor.on_request(path.rsplit("/", 1)[-1], lookup=True)
        self._fault(request, after=False)
        if request.headers.get("authorization", "").strip() != f"Bearer {CLEAN_KEY}":
            content = b'{"code":1002,"message":"authentication failed","request_id":"sim"}'
            return httpx.Response(
                401, content=content, headers={"content-type": "application/json"}
            )
        refused = self._refusal(create=body is not None)
        if refused is not None:
            return refused
        headers = {"content-type": "application/json"}
        if body is not None:
            task = self.add_task(str(body.get("external_task_id")), self.s.duration)
            task.prompt = str(body.get("prompt"))
            self.created_by_client.add(task.task_id)
            self.monitor.accepted(task.external_task_id)
            content, shown = self._envelope(self._data(task, self.now(), polled=False)), [task]
        elif path == _PATH:
            content, shown = self._list(request)
        else:
            found = self.tasks.get(path.rsplit("/", 1)[-1])
            if found is None:
                content = b'{"code":1203,"message":"task not found","request_id":"sim"}'
                return httpx.Response(404, content=content, headers=headers)
            content, shown = self._envelope(self._data(found, self.now())), [found]
            if self.s.hint_on == "poll" and self.rng.random() < self.s.hint_rate:
                headers.update(self._hint_headers())
        self._fault(request, after=True)
        odd = self._odd_body(content)
        if odd is not None:
            status, content, headers["content-type"] = odd
            if status in (302, 307):
                headers["location"] = _REDIRECTS[status]
            return httpx.Response(status, headers=headers, content=content)
        now = self.now()
        self.monitor.last_answer = now
        for task in shown:
            task.last_seen = now
            if task.task_id in self.created_by_client:
                self.told.add(task.task_id)
                if self.wait_timeout is not None and self.monitor.deadline is None:
                    self.monitor.deadline = now + self.wait_timeout
        return httpx.Response(200, headers=headers, content=content)

    def _list(self, request: httpx.Request) -> tuple[bytes, list[SimTask]]:
        page = int(request.url.params.get("pageNum", "1"))
        size = int(request.url.params.get("pageSize", "30"))
        if self.s.status == "repeat-pages":
            page = 1
        start = (page - 1) * size
        shown = self.newest_first[start : start + size]
        now = self.now()
        if self.s.status not in (None, "repeat-pages"):
            return self._envelope([self._data(t, now, polled=False) for t in shown]), shown
        # Statuses change only at the marks: a page is serialised once per change.
        version = (
            page,
            size,
            bisect.bisect_right(self._marks[0], now),
            bisect.bisect_right(self._marks[1], now) + len(self.tasks) * 1_000_000,
        )
        cached = self._page_cache.get(version)
        if cached is None:
            self._page_cache.clear()
            cached = self._page_cache[version] = self._envelope(
                [self._data(t, now, polled=False) for t in shown]
            )
        return cached, shown

    # ------------------------------------------------------------------ media
    def _media(self, request: httpx.Request) -> httpx.Response:
        self.monitor.on_request(f"media:{request.url.path}")
        self._fault(request, after=False)
        if request.url.host != MEDIA_HOST:  # where a redirect led: not media
            return httpx.Response(200, headers={"content-type": "text/plain"}, content=b"ami-id\n")
        status, headers, content = _MEDIA_ANSWERS[self.s.media]
        return httpx.Response(status, headers=headers, content=content)

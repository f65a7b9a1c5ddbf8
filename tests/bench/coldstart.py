"""Cold start to the first typed result: a whole process, ours against raw httpx.

Each run is a fresh interpreter that imports, builds a client and reads one task through an
in-process `MockTransport` (no network), timed from interpreter start to exit (the process's
wall time, as a user waiting for a script feels it). Raw httpx does the same GET and
`json.loads` the answer; the client builds its typed `Task`. The two alternate run by run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from ._common import ROOT, percentile, summary

ANSWER = (
    "{'code': 0, 'message': 'SUCCEED', 'request_id': 'r', 'data': {'task_id': '1', "
    "'task_status': 'succeed', 'created_at': 1, 'updated_at': 2, 'task_result': "
    "{'videos': [{'id': 'v', 'url': 'https://cdn.example.org/v.mp4', 'duration': '5'}]}}}"
)
SCRIPTS = {
    "haoee_kling": (
        "import httpx\n"
        "from haoee_kling import Kling\n"
        f"answer = {ANSWER}\n"
        "transport = httpx.MockTransport(lambda r: httpx.Response(200, json=answer))\n"
        "with Kling(api_key='hk-bench-key-0000', transport=transport) as kling:\n"
        "    task = kling.text2video.get('1')\n"
        "assert task.task_result.videos[0].id == 'v'\n"
    ),
    "httpx": (
        "import httpx\n"
        f"answer = {ANSWER}\n"
        "transport = httpx.MockTransport(lambda r: httpx.Response(200, json=answer))\n"
        "with httpx.Client(base_url='https://maas.haoee.com/kling', transport=transport,"
        " headers={'Authorization': 'Bearer hk-bench-key-0000'}) as client:\n"
        "    task = client.get('/v1/videos/text2video/1').json()['data']\n"
        "assert task['task_result']['videos'][0]['id'] == 'v'\n"
    ),
}


def _once(name: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", SCRIPTS[name]], cwd=ROOT, check=True)
    return (time.perf_counter() - t0) * 1000


def run(runs: int = 12) -> dict[str, Any]:
    """`runs` alternating whole-process runs of each script (after one warm-up each)."""
    started = time.perf_counter()
    walls: dict[str, list[float]] = {name: [] for name in SCRIPTS}
    for name in SCRIPTS:  # warm the OS file cache and the bytecode caches once
        _once(name)
    for _ in range(runs):
        for name in SCRIPTS:
            walls[name].append(_once(name))
    ours, base = walls["haoee_kling"], walls["httpx"]
    return {
        "method": "fresh interpreter per run: import, construct, one get, typed result; wall",
        "runs_each": runs,
        "process_wall_ms": {name: summary(values, 1) for name, values in walls.items()},
        "ratio_p50": round(percentile(ours, 50) / percentile(base, 50), 3),
        "seconds": round(time.perf_counter() - started, 1),
    }

"""Cold start to the first typed result: a whole process, ours against raw httpx.

Each run is a fresh interpreter that imports, builds a client and reads one task through an
in-process `MockTransport` (no network), timed from interpreter start to exit (the process's
wall time, as a user waiting for a script feels it). Raw httpx does the same GET and
`json.loads` the answer; the client builds its typed `Task`. The two alternate run by run.

openai-python and runwayml do the same beside them, in a venv of their own that `make bench`
builds (`.venv-bench-others`, pins in `others-requirements.txt`; openai brings httpx2, which must
not reach the project's venv): import, construct with an httpx client on a `MockTransport`, one
typed GET (`models.retrieve`, `tasks.retrieve`). Each is compared with raw httpx run by the same
interpreter, in the same alternation. They are shown, not budgeted.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from ._common import ROOT, cached_bytecode_env, percentile, summary

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
# Other clients of media-generation APIs, the same work through their own typed calls.
OTHERS = {
    "openai": (
        "import httpx\n"
        "answer = {'id': 'gpt-4o', 'object': 'model', 'created': 1715367049,"
        " 'owned_by': 'system'}\n"
        "transport = httpx.MockTransport(lambda r: httpx.Response(200, json=answer))\n"
        "from openai import OpenAI\n"
        "with OpenAI(api_key='sk-bench-key-0000',"
        " http_client=httpx.Client(transport=transport)) as client:\n"
        "    model = client.models.retrieve('gpt-4o')\n"
        "assert model.owned_by == 'system'\n"
    ),
    "runwayml": (
        "import httpx\n"
        "answer = {'id': '17f20503-6c24-4c16-946b-35dbbce2af2f', 'status': 'SUCCEEDED',"
        " 'createdAt': '2024-06-27T19:49:32.334Z', 'output': ['https://cdn.example.org/v.mp4']}\n"
        "transport = httpx.MockTransport(lambda r: httpx.Response(200, json=answer))\n"
        "from runwayml import RunwayML\n"
        "with RunwayML(api_key='key-bench-0000',"
        " http_client=httpx.Client(transport=transport)) as client:\n"
        "    task = client.tasks.retrieve('17f20503-6c24-4c16-946b-35dbbce2af2f')\n"
        "assert task.output[0] == 'https://cdn.example.org/v.mp4'\n"
    ),
}
OTHERS_PYTHON = ROOT / ".venv-bench-others" / "bin" / "python"
if OTHERS_PYTHON.exists():
    SCRIPTS.update(OTHERS)
    SCRIPTS["httpx (others' venv)"] = SCRIPTS["httpx"]


def _once(name: str) -> float:
    python = (
        str(OTHERS_PYTHON) if name in OTHERS or name.endswith("(others' venv)") else sys.executable
    )
    t0 = time.perf_counter()
    subprocess.run([python, "-c", SCRIPTS[name]], cwd=ROOT, env=cached_bytecode_env(), check=True)
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
    others_base = walls.get("httpx (others' venv)", base)
    others = {
        name: round(percentile(walls[name], 50) / percentile(others_base, 50), 3)
        for name in OTHERS
        if name in walls
    }
    return {
        "method": "fresh interpreter per run: import, construct, one get, typed result; wall",
        "runs_each": runs,
        "process_wall_ms": {name: summary(values, 1) for name, values in walls.items()},
        "ratio_p50": round(percentile(ours, 50) / percentile(base, 50), 3),
        "others_ratio_p50": others,
        "others_missing": sorted(set(OTHERS) - set(others)),
        "seconds": round(time.perf_counter() - started, 1),
    }

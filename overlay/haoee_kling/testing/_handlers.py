"""What each operation does once a request is authenticated and valid per the spec.

Task operations (create / get / list of every task kind) share three handlers; identify-face
has its own, the element catalogues live in `_elements` and the other calls answered at once
(text to speech, image recognize, the custom-voice delete, account costs) in `_instant`.
Handlers return the envelope's `data` or raise `KlingError`. Deterministic triggers, in any
string field of a create body:

- `FAIL_MARKER` (`[fake:fail]`): the task is accepted and later ends `failed` with a
  content-safety `task_status_msg`;
- `REJECT_MARKER` (`[fake:reject]`): the create itself is refused, HTTP 400 code 1301.

Chains follow Kling: `video_id` must name a video this key generated whose task has succeeded,
else 404 code 1203 ("video not found"); `session_id` must come from this key's identify-face
within the session lifetime, else 404 code 1203; `element_list` ids must be elements this key
made or Kling's presets, else 404 code 1203.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .._spec import Operation
from ._call import JSON, Call, Handler, page_args
from ._elements import (
    advanced_element,
    check_elements,
    create_custom_element,
    list_advanced_preset_elements,
    list_custom_elements,
    list_preset_elements,
    owner,
)
from ._envelope import KlingError
from ._instant import account_costs, delete_voice, recognize_image, text_to_speech
from ._lifecycle import KINDS, Outcome, plan_timeline
from ._render import absolute_media, render_created, render_task
from ._specdata import body_field, model_fields
from ._store import Audio, Session, Task, Video, strings_in

if TYPE_CHECKING:
    from ._gateway import FakeGateway

__all__ = [
    "CONTENT_POLICY_MESSAGE",
    "FAIL_MARKER",
    "REJECT_MARKER",
    "check_body",
    "handler_for",
]

FAIL_MARKER = "[fake:fail]"
REJECT_MARKER = "[fake:reject]"
CONTENT_POLICY_MESSAGE = "The content did not pass the content-safety review"
RANDOM_FAILURE_MESSAGE = "Generation failed due to an internal error; please try again"


def _has_marker(body: JSON, marker: str) -> bool:
    return any(marker in text for text in strings_in(body))


def check_body(call: Call) -> None:
    """Checks every create body gets after schema validation: known model, content policy.

    Raises:
        KlingError: 404 1203 for a model Kling does not know, 400 1301 for `REJECT_MARKER`.
    """
    for path, known in model_fields(call.op.operation_id):
        value: Any = call.body
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and value not in known:
            raise KlingError(404, 1203, f"model not found: {value}")
    if _has_marker(call.body, REJECT_MARKER):
        raise KlingError(400, 1301, "content-safety policy triggered: the input was rejected")


# ---------------------------------------------------------------------- task chains
def _source_video(gw: FakeGateway, call: Call) -> Video | None:
    body = call.body
    if "session_id" in body:
        session = gw.store.find_session(call.key, body["session_id"], call.now)
        if session is None:
            raise KlingError(404, 1203, f"session not found or expired: {body['session_id']}")
        for index, face in enumerate(body.get("face_choose", [])):
            if face["face_id"] not in session.face_ids:
                field = f"face_choose[{index}].face_id"
                raise KlingError(400, 1201, f"{field}: {face['face_id']!r} is not in this session")
        return session.video
    source: JSON = body["input"] if isinstance(body.get("input"), dict) else body
    if source.get("video_id"):  # "" is "no video" (openapi/README.md, decision 39)
        video = gw.store.find_video(call.key, source["video_id"], call.now)
        if video is None:
            raise KlingError(404, 1203, f"video not found: {source['video_id']}")
        return video
    if "video_url" in source:
        return Video(gw.store.next_id(), "", call.key, "5", source_url=source["video_url"])
    return None


def _fate(gw: FakeGateway, task_id: str, body: JSON) -> tuple[Outcome, str]:
    if _has_marker(body, FAIL_MARKER):
        return "failed", CONTENT_POLICY_MESSAGE
    rate = gw.config.failure_rate
    if rate and random.Random(f"{gw.config.seed}:fail:{task_id}").random() < rate:
        return "failed", RANDOM_FAILURE_MESSAGE
    return "succeed", ""


def _duration(task: Task) -> str:
    if task.kind == "video_extend" and task.parent is not None:
        return f"{float(task.parent.duration) + 5:g}"
    if task.parent is not None:
        return task.parent.duration
    given = task.body.get("duration") or task.body.get("input", {}).get("duration")
    return str(given) if given else "5"


def _add_outputs(gw: FakeGateway, task: Task, n: int) -> None:
    shape = KINDS[task.kind].result
    if shape in ("video", "dubbed"):
        task.videos.append(Video(gw.store.next_id(), task.task_id, task.key, _duration(task)))
    if shape == "image":
        amount = task.body.get("series_amount")
        if task.body.get("result_type") == "series":
            # An Omni-Image series: `series_amount` images (the fake picks 4 for `auto`).
            n = amount if isinstance(amount, int) else 4
        task.images.extend(f"{task.task_id}-{i}.png" for i in range(n))
    if shape in ("audio", "dubbed"):
        length = task.body.get("duration") if shape == "audio" else None
        duration = f"{float(length):g}" if length is not None else _duration(task)
        task.audios.append(Audio(gw.store.next_id(), duration))
    if shape == "element":
        task.elements.append(advanced_element(int(gw.store.next_id()), task.key, task.body))
    if shape == "voice":
        voice_id = gw.store.next_id()
        sample = f"/media/{voice_id}.mp3"
        voice = {"voice_id": voice_id, "voice_name": task.body["voice_name"], "trial_url": sample}
        task.voices.append(voice | {"owned_by": owner(task.key)})


# ---------------------------------------------------------------------- task handlers
def create_task(gw: FakeGateway, call: Call) -> JSON:
    """Create a task of the operation's kind (see the module docstring for the rules)."""
    kind = call.op.kind or ""
    spec, body, store = KINDS[kind], call.body, gw.store
    # "" is "not given", as in Kling's own request examples (openapi/README.md, decision 39).
    external = body.get("external_task_id") or None
    if external is not None and store.external_taken(call.key, external):
        message = f"external_task_id: {external!r} already exists; it must be unique per account"
        raise KlingError(400, 1201, message)
    check_elements(gw, call)
    parent = _source_video(gw, call)
    # `n` counts where the operation has it (checked against its schema); elsewhere it is a
    # field the operation does not know, which Kling ignores (schemathesis sent `"n": [null]`).
    n_field = body_field(call.op.operation_id, "n")
    n = int(body.get("n") or n_field.get("default") or 1) if n_field else 1
    cost = n if spec.pool == "image" else 1
    limit = gw.config.concurrency.get(spec.pool)
    if limit is not None and store.active_cost(call.key, spec.pool, call.now) + cost > limit:
        message = "parallel task over resource pack limit"
        raise KlingError(429, 1303, message, {"Retry-After": str(gw.config.retry_after)})
    task_id = store.next_id()
    outcome, failure = _fate(gw, task_id, body)
    timeline = plan_timeline(gw.profile(kind), call.now, gw.config.seed, task_id, outcome)
    task = Task(
        task_id, kind, call.key, body, external, call.model_header, timeline, spec.pool, cost,
        failure=failure, parent=parent,
    )  # fmt: skip
    _add_outputs(gw, task, n)
    store.add_task(task)
    if body.get("callback_url"):
        gw.callbacks.track(task, call.base)
    return render_created(task)


def get_task(gw: FakeGateway, call: Call) -> JSON:
    """One task of this kind by task id or external task id; 404 1203 when unknown."""
    wanted = call.path["task_id"]
    task = gw.store.find_task(call.key, call.op.kind or "", wanted)
    if task is None:
        raise KlingError(404, 1203, f"task not found: {wanted}")
    return render_task(task, call.now, call.base)


def list_tasks(gw: FakeGateway, call: Call) -> list[JSON]:
    """One page of this key's tasks of this kind, newest first."""
    tasks = gw.store.page(call.key, call.op.kind or "", *page_args(call))
    return [render_task(task, call.now, call.base) for task in tasks]


# ---------------------------------------------------------------------- other operations
def identify_face(gw: FakeGateway, call: Call) -> JSON:
    """Find the (one) face of a video and open a lip-sync session for it."""
    video = _source_video(gw, call)
    assert video is not None  # the schema requires video_id or video_url
    session_id = gw.store.next_id()
    end = round(float(video.duration) * 1000)
    gw.store.add_session(
        Session(session_id, call.key, video, ("0",), call.now + gw.config.session_ttl)
    )
    gw.store.add_media(f"{session_id}-face-0.png")
    face = {"face_id": "0", "face_image": f"/media/{session_id}-face-0.png", "start_time": 0}
    data = {
        "session_id": session_id,
        "final_unit_deduction": "0.05",
        "face_data": [face | {"end_time": end}],
    }
    return absolute_media(data, call.base)


def speech(gw: FakeGateway, call: Call) -> JSON:
    """Text to speech (`_instant`), failed for `FAIL_MARKER` like a task."""
    failure = CONTENT_POLICY_MESSAGE if _has_marker(call.body, FAIL_MARKER) else ""
    return text_to_speech(gw, call, failure)


_BY_ID: dict[str, Handler] = {
    "identifyFace": identify_face,
    "textToSpeech": speech,
    "recognizeImage": recognize_image,
    "deleteCustomVoice": delete_voice,
    "getAccountCosts": account_costs,
    "createCustomElement": create_custom_element,
    "listCustomElements": list_custom_elements,
    "listPresetElements": list_preset_elements,
    "listAdvancedPresetElements": list_advanced_preset_elements,
}


def handler_for(op: Operation) -> Handler:
    """The handler of an operation: by its role for task kinds, else by its operationId.

    Raises:
        LookupError: the spec has an operation the fake does not implement (a test catches it).
    """
    if op.kind is not None:
        if op.method == "POST":
            return create_task
        has_id = any(p["in"] == "path" for p in op.parameters)
        return get_task if has_id else list_tasks
    try:
        return _BY_ID[op.operation_id]
    except KeyError:
        raise LookupError(f"the fake gateway does not implement {op.operation_id}") from None

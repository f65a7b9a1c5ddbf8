"""Calls answered at once: no task to get, list or wait for.

Identify-face, text to speech and image recognize (POSTs marked `x-kling-instant` in the spec,
billed, so retried only when they provably did not start) and the account's resource packs (a
free GET). Each is a plan like the namespaces' (`_kind_plans`): `_facades` runs it blocking on
`Kling` and awaited on `AsyncKling`. Bodies and queries are checked against the spec before
anything is sent; answers are read tolerantly and built into the generated models once.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .._client_state import Core
from .._config import NOT_GIVEN
from .._errors import APIError, InvalidRequestError, TaskFailedError
from ..check._inputs import merged_fields, prepare_body
from ..check._validation import Problem, validate_parameters
from ..http._translate import Reply
from ..plans._engine import Call, Plan
from ..plans._polling import classify_status
from ..plans._retries import request_plan
from ..read._reader import build_model, read_model, read_one
from ..read._shapes import generated_model

if TYPE_CHECKING:
    from haoee_kling_api.models import (
        AccountCosts,
        IdentifyFaceResult,
        ImageRecognizeResult,
        TtsResult,
    )

__all__ = [
    "INSTANT",
    "AccountPlans",
    "IdentifyFacePlans",
    "ImageRecognizePlans",
    "TtsPlans",
    "send",
]


def send(
    core: Core,
    op_id: str,
    *,
    idempotent: bool = True,
    model_name_header: Any = NOT_GIVEN,
    **call: Any,
) -> Plan[Reply]:
    """One request of an operation without a task kind, with the client's retry policy.

    Args:
        core: the client's settings and memory.
        op_id: the spec's operationId.
        idempotent: False for billed calls: retried only when they provably did not start.
        model_name_header: haoee `ModelName` to send instead of the default one.
        **call: the rest of the `Call` (body, query).
    """
    return request_plan(
        Call(
            op_id,
            timeout=core.config.timeout,
            model_name=core.header_for(None, "", model_name_header),
            **call,
        ),
        core.config.retry,
        core.clock,
        idempotent=idempotent,
    )


M = TypeVar("M")


class _InstantPlans(Generic[M]):
    """A synchronous, billed POST: its body checked, its answer's `data` read as one model.

    Subclasses name the operation, their namespace and the schema of the answer's `data`,
    whose generated model has the schema's name.
    """

    operation_id: str
    namespace: str
    schema: str

    def __init__(self, core: Core) -> None:
        self.core = core

    def model(self) -> type[M]:
        return cast("type[M]", generated_model(self.schema))

    def _create(self, body: Any, fields: dict[str, Any], model_name_header: Any) -> Plan[M]:
        what = f"{self.namespace}.create"
        prepared = prepare_body(self.operation_id, merged_fields(body, fields), call=what)
        reply = yield from send(
            self.core,
            self.operation_id,
            body=prepared,
            idempotent=False,
            model_name_header=model_name_header,
        )
        return read_model(
            self.model(), self.schema, reply.data, what=what, request_id=reply.request_id
        )


class IdentifyFacePlans(_InstantPlans["IdentifyFaceResult"]):
    """`kling.identify_face`: lip-sync step one, synchronous."""

    operation_id, namespace, schema = "identifyFace", "identify_face", "IdentifyFaceResult"

    def create(
        self, body: Any = None, /, *, model_name_header: Any = NOT_GIVEN, **fields: Any
    ) -> Plan[IdentifyFaceResult]:
        """Find the faces in a video (`video_id=` or `video_url=`).

        Billed and synchronous: retried only when it provably did not start.
        """
        return (yield from self._create(body, fields, model_name_header))


class TtsPlans(_InstantPlans["TtsResult"]):
    """`kling.tts`: text to speech, answered with the finished audio."""

    operation_id, namespace, schema = "textToSpeech", "tts", "TtsResult"

    def create(
        self, body: Any = None, /, *, model_name_header: Any = NOT_GIVEN, **fields: Any
    ) -> Plan[TtsResult]:
        """Speak `text` in the voice `voice_id` (`voice_language` zh or en; `voice_speed`).

        Billed and synchronous: retried only when it provably did not start. An answer whose
        `task_status` is `failed` raises `TaskFailedError` (with its `task_id` and
        `task_status_msg`) rather than returning a result without audio.
        """
        result = yield from self._create(body, fields, model_name_header)
        status = result.task_status  # a TaskStatus (a str), or unset when not sent
        if isinstance(status, str) and classify_status(status) == "failed":
            message = result.task_status_msg or "no reason given"
            raise TaskFailedError(
                f"text to speech {result.task_id} failed: {message}",
                task_id=result.task_id,
                kind="tts",
                last_status=str(status),
                task_status_msg=result.task_status_msg or None,
            )
        return result


class ImageRecognizePlans(_InstantPlans["ImageRecognizeResult"]):
    """`kling.image_recognize`: the subject, head, face and clothing masks of an image."""

    operation_id, namespace, schema = "recognizeImage", "image_recognize", "ImageRecognizeResult"

    def create(
        self, body: Any = None, /, *, model_name_header: Any = NOT_GIVEN, **fields: Any
    ) -> Plan[ImageRecognizeResult]:
        """Segment `image` (a URL, raw base64, bytes or a local path).

        Billed and synchronous: retried only when it provably did not start.
        """
        return (yield from self._create(body, fields, model_name_header))


def _millis(value: Any) -> Any:
    """A time as Unix milliseconds: an int is one already, a datetime is converted (a naive one
    is taken as local time); anything else is left for the spec's check to name."""
    if isinstance(value, datetime.datetime):
        return round(value.timestamp() * 1000)
    return value


class AccountPlans:
    """`kling.account`: the account's resource packs (official backend; free, QPS at most 1)."""

    operation_id = "getAccountCosts"

    def __init__(self, core: Core) -> None:
        self.core = core

    def costs(
        self,
        *,
        start_time: int | datetime.datetime,
        end_time: int | datetime.datetime,
        resource_pack_name: str | None = None,
        model_name_header: Any = NOT_GIVEN,
    ) -> Plan[AccountCosts]:
        """The resource packs valid between two times, with what is left of each.

        Args:
            start_time: start of the period: Unix milliseconds, or a datetime (naive = local).
            end_time: end of the period (not before `start_time`), the same way.
            resource_pack_name: only the pack of this name.
            model_name_header: haoee `ModelName` to send instead of the default one.

        Returns:
            `AccountCosts`: `resource_pack_subscribe_infos` lists the packs (quantities in
            units; `remaining_quantity` lags usage by up to 12 hours; times in Unix ms).

        Raises:
            InvalidRequestError: before any request: a time that is not an integer of
                milliseconds (or a datetime), or an end before the start.
            APIError: the server refused it, or answered with a non-zero inner `data.code`.
        """
        query: dict[str, Any] = {
            "start_time": _millis(start_time),
            "end_time": _millis(end_time),
        }
        if resource_pack_name is not None:
            query["resource_pack_name"] = resource_pack_name
        _check_query(self.operation_id, query)
        reply = yield from send(
            self.core, self.operation_id, query=query, model_name_header=model_name_header
        )
        what = "account.costs"
        data = read_one("AccountCosts", reply.data, what=what, request_id=reply.request_id)
        inner = data.get("code")
        if inner not in (None, 0):
            reason = data.get("msg") or "no message"
            message = f"{what}: the account answered code {inner}: {reason}"
            raise APIError(message, status_code=200, code=inner, request_id=reply.request_id)
        return build_model(
            cast("type[AccountCosts]", generated_model("AccountCosts")), data, what=what
        )


def _check_query(operation_id: str, query: dict[str, Any]) -> None:
    """Check a query against the spec's parameters and rules as the wire will carry it.

    Raises:
        InvalidRequestError: every problem, naming the parameter.
    """
    problems: list[Problem] = []
    wire: dict[str, str] = {}
    for name, value in query.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            kind = type(value).__name__
            message = f"{name}: must be an integer of Unix milliseconds or a datetime (got {kind})"
            problems.append(Problem(name, "type", message))
            continue
        wire[name] = str(value)
    # A value of the wrong type is left off the wire, so the spec's check would also call it
    # missing: report the type alone.
    problems = problems or validate_parameters(operation_id, {"query": wire})
    if problems:
        raise InvalidRequestError(problems)


INSTANT: dict[str, type[_InstantPlans[Any]]] = {
    plans.namespace: plans for plans in (IdentifyFacePlans, TtsPlans, ImageRecognizePlans)
}
"""Client namespace -> its plans, one per `x-kling-instant` operation (a test keeps them equal)."""

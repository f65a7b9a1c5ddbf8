"""`kling.custom_voice`: a task kind (create, get, list, wait) plus `delete`, answered at once.

The delete is the spec's `deleteCustomVoice` (`x-kling-instant: custom_voice.delete`): the
generated typed calls give `kling.custom_voice.delete(voice_id)` its signature and return type,
and hand it to the runners here (`SyncVoiceRunner`, `AsyncVoiceRunner`: the generated
`CustomVoiceRunner` protocols), which run `CustomVoicePlans.delete` blocking or awaited.
"""

from __future__ import annotations

import functools
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from .._config import NOT_GIVEN
from .._errors import TaskFailedError
from ..check._inputs import prepare_body
from ..plans._engine import Plan, arun, run
from ..plans._polling import classify_status
from ..read._reader import read_model
from ._instant import send
from ._kind_plans import AsyncKindRunner, KindPlans, SyncKindRunner, given

if TYPE_CHECKING:
    from haoee_kling_api.models import CustomVoiceDeleteResult

__all__ = ["AsyncVoiceRunner", "CustomVoicePlans", "SyncVoiceRunner"]

_DELETE = "deleteCustomVoice"


@functools.cache
def _deletion_type() -> type[CustomVoiceDeleteResult]:
    # The generated model loads with the first delete, not with `import haoee_kling`.
    from haoee_kling_api.models import CustomVoiceDeleteResult

    return CustomVoiceDeleteResult


class CustomVoicePlans(KindPlans):
    """`kling.custom_voice`: custom-voice tasks, and deleting the voices they made."""

    def delete(
        self, voice_id: str, *, model_name_header: Any = NOT_GIVEN
    ) -> Plan[CustomVoiceDeleteResult]:
        """Delete one of this account's custom voices (`deleteCustomVoice`).

        Args:
            voice_id: the voice's id (`task_result.voices[].voice_id` of a custom-voice task).
            model_name_header: haoee `ModelName` to send instead of the default one.

        Returns:
            The answer's `data`: the delete's `task_id` and `task_status`, when sent.

        Raises:
            InvalidRequestError: before any request: `voice_id` breaks the spec's limits.
            NotFoundError: no custom voice of this account has that id (code 1203).
            TaskFailedError: the answer says the delete failed (`task_status` failed).
        """
        what = "custom_voice.delete"
        body = prepare_body(_DELETE, {"voice_id": voice_id}, call=what)
        # Not billed, and deleting a voice twice does no harm, so it is retried like a read
        # (a retry after a lost answer may meet 1203: the voice is gone either way).
        reply = yield from send(
            self.core, _DELETE, body=body, idempotent=True, model_name_header=model_name_header
        )
        result = read_model(
            _deletion_type(),
            "CustomVoiceDeleteResult",
            reply.data,
            what=what,
            request_id=reply.request_id,
        )
        status = result.task_status  # a TaskStatus (a str), or unset when not sent
        if isinstance(status, str) and classify_status(status) == "failed":
            task_id = result.task_id if isinstance(result.task_id, str) else None
            raise TaskFailedError(
                f"deleting voice {voice_id} failed (task {task_id or 'without an id'})",
                task_id=task_id,
                kind=what,
                last_status=str(status),
            )
        return result


class SyncVoiceRunner(SyncKindRunner):
    """Runs `kling.custom_voice` blocking: a task kind's calls and `delete`."""

    plans: CustomVoicePlans

    def delete(self, *, voice_id: str, model_name_header: Any) -> CustomVoiceDeleteResult:
        plan = self.plans.delete(voice_id, model_name_header=given(model_name_header))
        return run(plan, self.sender, self.clock.sleep)


class AsyncVoiceRunner(AsyncKindRunner):
    """Runs `kling.custom_voice` awaited: a task kind's calls and `delete`."""

    plans: CustomVoicePlans

    def delete(
        self, *, voice_id: str, model_name_header: Any
    ) -> Coroutine[Any, Any, CustomVoiceDeleteResult]:
        plan = self.plans.delete(voice_id, model_name_header=given(model_name_header))
        return arun(plan, self.sender, self.clock.asleep)

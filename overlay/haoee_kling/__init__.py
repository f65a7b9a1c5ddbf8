"""haoee_kling: the Kling media-generation API through the haoee gateway.

```python
from haoee_kling import Kling
kling = Kling()                      # HAOEE_API_KEY, HAOEE_BASE_URL from the environment
task = kling.text2video.create(prompt="A fox in the snow", model_name="kling-v2-6")
done = kling.text2video.wait(task.task_id, on_progress=print)
paths = kling.download(done, "out/")
```

`AsyncKling` has the same names, awaited. Every error derives from `KlingError`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from haoee_kling_api.models import (
        AudioResult,
        CustomElement,
        IdentifyFaceResult,
        ImageResult,
        Task,
        TaskInfo,
        TaskResult,
        TaskStatus,
        VideoResult,
    )

    from ._batch_jobs import BatchError, InvalidJobsError
    from ._batch_run import BatchResult
    from ._capabilities import Capabilities, FeatureSupport
    from ._cost import Cost, task_cost
    from ._downloads import DownloadProgress
    from ._kind_names import UnknownKindError
    from ._listing import ListedTask
    from ._models import ModelInfo, Models
    from ._polling import PollPolicy, ProgressEvent, SubmitProgress
    from ._receiver import CallbackReceiver
    from ._results import Page, Skipped, WaitManyResult
    from ._validation import Problem
    from ._webhooks import Webhooks

    __version__: str

from ._client import AsyncKling, Kling
from ._clock import Clock, FakeClock, SystemClock
from ._config import NOT_GIVEN, NotGiven
from ._errors import (
    AccountError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConcurrencyLimitError,
    ConfigurationError,
    DownloadError,
    InvalidRequestError,
    InvalidWebhookSignatureError,
    KlingError,
    NotFoundError,
    PermissionDeniedError,
    PolicyError,
    RateLimitError,
    ServerError,
    TaskError,
    TaskFailedError,
    TaskNotFinishedError,
    UnexpectedResponseError,
    WaitTimeoutError,
)

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountError",
    "AsyncKling",
    "AudioResult",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchResult",
    "CallbackReceiver",
    "Capabilities",
    "Clock",
    "ConcurrencyLimitError",
    "ConfigurationError",
    "Cost",
    "CustomElement",
    "DownloadError",
    "DownloadProgress",
    "FakeClock",
    "FeatureSupport",
    "IdentifyFaceResult",
    "ImageResult",
    "InvalidJobsError",
    "InvalidRequestError",
    "InvalidWebhookSignatureError",
    "Kling",
    "KlingError",
    "ListedTask",
    "ModelInfo",
    "Models",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PermissionDeniedError",
    "PolicyError",
    "PollPolicy",
    "Problem",
    "ProgressEvent",
    "RateLimitError",
    "ServerError",
    "Skipped",
    "SubmitProgress",
    "SystemClock",
    "Task",
    "TaskError",
    "TaskFailedError",
    "TaskInfo",
    "TaskNotFinishedError",
    "TaskResult",
    "TaskStatus",
    "UnexpectedResponseError",
    "UnknownKindError",
    "VideoResult",
    "WaitManyResult",
    "WaitTimeoutError",
    "Webhooks",
    "__version__",
    "task_cost",
]

# Names that load on first use, each from its module: `from haoee_kling import Kling` stays
# cheap (`make bench`, start-up), and the models, the downloader, batches, callbacks and the
# capability map cost nothing until a program uses them.
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "AudioResult",
            "CustomElement",
            "IdentifyFaceResult",
            "ImageResult",
            "Task",
            "TaskInfo",
            "TaskResult",
            "TaskStatus",
            "VideoResult",
        ),
        "haoee_kling_api.models",
    ),
    "BatchError": "._batch_jobs",
    "BatchResult": "._batch_run",
    "CallbackReceiver": "._receiver",
    "Capabilities": "._capabilities",
    "Cost": "._cost",
    "DownloadProgress": "._downloads",
    "FeatureSupport": "._capabilities",
    "InvalidJobsError": "._batch_jobs",
    "ListedTask": "._listing",
    "ModelInfo": "._models",
    "Models": "._models",
    "Page": "._results",
    "PollPolicy": "._polling",
    "Problem": "._validation",
    "ProgressEvent": "._polling",
    "Skipped": "._results",
    "SubmitProgress": "._polling",
    "UnknownKindError": "._kind_names",
    "WaitManyResult": "._results",
    "Webhooks": "._webhooks",
    "task_cost": "._cost",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        from importlib import import_module

        value = getattr(import_module(module, __name__), name)
        globals()[name] = value  # looked up once
        return value
    if name == "__version__":  # read from the distribution's metadata on first use
        from ._version import package_version

        return package_version()
    raise AttributeError(f"module 'haoee_kling' has no attribute {name!r}")

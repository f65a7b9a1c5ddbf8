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

    from ._cost import Cost, task_cost
    from ._downloads import DownloadProgress
    from ._kind_names import UnknownKindError
    from .batch._jobs import BatchError, InvalidJobsError
    from .batch._result import BatchResult
    from .callbacks._receiver import CallbackReceiver
    from .callbacks._webhooks import Webhooks
    from .check._capabilities import Capabilities, FeatureSupport
    from .check._catalogue import ModelInfo, Models
    from .check._validation import Problem
    from .kinds._listing import ListedTask
    from .plans._polling import PollPolicy, ProgressEvent, SubmitProgress
    from .read._results import Page, Skipped, WaitManyResult

    __version__: str

from importlib import import_module

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
    "BatchError": ".batch._jobs",
    "BatchResult": ".batch._result",
    "CallbackReceiver": ".callbacks._receiver",
    "Capabilities": ".check._capabilities",
    "Cost": "._cost",
    "DownloadProgress": "._downloads",
    "FeatureSupport": ".check._capabilities",
    "InvalidJobsError": ".batch._jobs",
    "ListedTask": ".kinds._listing",
    "ModelInfo": ".check._catalogue",
    "Models": ".check._catalogue",
    "Page": ".read._results",
    "PollPolicy": ".plans._polling",
    "Problem": ".check._validation",
    "ProgressEvent": ".plans._polling",
    "Skipped": ".read._results",
    "SubmitProgress": ".plans._polling",
    "UnknownKindError": "._kind_names",
    "WaitManyResult": ".read._results",
    "Webhooks": ".callbacks._webhooks",
    "task_cost": "._cost",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(import_module(module, __name__), name)
        globals()[name] = value  # looked up once
        return value
    if name == "__version__":  # read from the distribution's metadata on first use
        from ._version import package_version

        return package_version()
    raise AttributeError(f"module 'haoee_kling' has no attribute {name!r}")

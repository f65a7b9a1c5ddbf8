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

    from ._capabilities import Capabilities, FeatureSupport
    from ._downloads import DownloadProgress

    __version__: str

from ._client import AsyncKling, Kling
from ._clock import Clock, FakeClock, SystemClock
from ._config import NOT_GIVEN, NotGiven
from ._cost import Cost, task_cost
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
from ._models import ModelInfo, Models
from ._polling import PollPolicy, ProgressEvent, SubmitProgress
from ._reading import Page, Skipped, WaitManyResult
from ._validation import Problem

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
    "InvalidRequestError",
    "Kling",
    "KlingError",
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
    "VideoResult",
    "WaitManyResult",
    "WaitTimeoutError",
    "__version__",
    "task_cost",
]

# The generated models package imports all of its ~80 modules; it is loaded on first use of a
# model name, so `import haoee_kling` stays cheap.
_MODELS = frozenset(
    {
        "AudioResult",
        "CustomElement",
        "IdentifyFaceResult",
        "ImageResult",
        "Task",
        "TaskInfo",
        "TaskResult",
        "TaskStatus",
        "VideoResult",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        from haoee_kling_api import models

        return getattr(models, name)
    if name in ("Capabilities", "FeatureSupport"):  # the capability map, too
        from . import _capabilities

        return getattr(_capabilities, name)
    if name == "DownloadProgress":  # the downloader, too, loads on first use
        from ._downloads import DownloadProgress

        return DownloadProgress
    if name == "__version__":  # read from the distribution's metadata on first use
        from ._version import package_version

        return package_version()
    raise AttributeError(f"module 'haoee_kling' has no attribute {name!r}")

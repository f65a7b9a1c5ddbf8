"""`Kling` and `AsyncKling`: construction, options, namespaces and lifecycle.

Both build the same frozen `Config`, the same auth and the same namespaces from the spec's
task kinds; they differ only in the httpx client and the runner (blocking or awaited).
"""

from __future__ import annotations

import copy
import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import httpx

if TYPE_CHECKING:
    from haoee_kling_api.calls import (
        AdvancedLipSyncCalls,
        AsyncAdvancedLipSyncCalls,
        AsyncEffectsCalls,
        AsyncImage2VideoCalls,
        AsyncImageExpandCalls,
        AsyncLipSyncCalls,
        AsyncMultiImage2ImageCalls,
        AsyncMultiImage2VideoCalls,
        AsyncOmniVideoCalls,
        AsyncText2VideoCalls,
        AsyncTextToAudioCalls,
        AsyncVideoExtendCalls,
        AsyncVideoToAudioCalls,
        EffectsCalls,
        Image2VideoCalls,
        ImageExpandCalls,
        LipSyncCalls,
        MultiImage2ImageCalls,
        MultiImage2VideoCalls,
        OmniVideoCalls,
        Text2VideoCalls,
        TextToAudioCalls,
        VideoExtendCalls,
        VideoToAudioCalls,
    )
    from haoee_kling_api.models import Task

    from ._facades import AsyncElements, SyncElements
    from ._reading import Page

from ._auth import default_base_url, make_auth
from ._clock import Clock, SystemClock
from ._config import NOT_GIVEN, Config, NotGiven
from ._core import Core
from ._facades import (
    AsyncIdentifyFace,
    AsyncTasks,
    SyncIdentifyFace,
    SyncTasks,
    kind_facade,
)
from ._logging import setup_logging
from ._models import Models
from ._namespaces import (
    ElementPlans,
    IdentifyFacePlans,
    KindPlans,
    namespaces,
)
from ._polling import PollPolicy
from ._resource import AsyncSender, SyncSender
from ._retries import RetryPolicy
from ._tasks import TasksPlans

__all__ = ["AsyncKling", "Kling"]

H = TypeVar("H", httpx.Client, httpx.AsyncClient)


class _Base(Generic[H]):
    _http: H
    _owns_http: bool
    _core: Core

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        backend: str = "haoee",
        access_key: str | None = None,
        secret_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        wait_timeout: float | NotGiven | None = NOT_GIVEN,
        poll_policy: PollPolicy | None = None,
        http_client: H | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        model_name_header: str | None = None,
        concurrency_wait: float = 300.0,
    ) -> None:
        setup_logging()
        self._clock: Clock = clock or SystemClock()
        auth = make_auth(
            backend,
            api_key=api_key,
            access_key=access_key,
            secret_key=secret_key,
            clock=self._clock,
        )
        config = Config(
            base_url=(base_url or default_base_url(backend, os.environ)).rstrip("/"),
            backend=backend,
            timeout=timeout,
            retry=RetryPolicy(max_retries=max_retries, concurrency_wait=concurrency_wait),
            wait_timeout=wait_timeout,
            poll_policy=poll_policy,
            model_name_header=model_name_header,
        )
        self._owns_http = http_client is None
        self._transport_for_downloads = transport
        # The unauthenticated client for result files, made on the first download; shared with
        # `with_options` copies (a shallow copy shares this dict) and closed by the original.
        self._downloads: dict[str, Any] = {}
        self._is_copy = False
        # A caller's own client is used as it is: requests carry absolute URLs and the auth.
        self._http = self._make_http(config, transport) if http_client is None else http_client
        self._auth = auth
        self._build(Core(config, self._clock, OrderedDict()))

    # What differs between the two clients, set by each subclass.
    _sender_type: type[SyncSender] | type[AsyncSender]
    _flavour: str
    _tasks_type: type[SyncTasks] | type[AsyncTasks]
    _identify_type: type[SyncIdentifyFace] | type[AsyncIdentifyFace]

    _http_type: type[httpx.Client] | type[httpx.AsyncClient]

    def _make_http(self, config: Config, transport: Any) -> H:
        http: H = self._http_type(  # type: ignore[assignment]
            transport=transport, timeout=httpx.Timeout(config.timeout)
        )
        return http

    def _build(self, core: Core) -> None:
        self._core = core
        sender = self._sender_type(self._http, core.config.base_url, self._auth, self._clock)
        kinds: dict[str, KindPlans] = {}
        for attribute, kind in namespaces().items():
            elements = attribute == "elements"
            kinds[kind] = (ElementPlans if elements else KindPlans)(core, kind)
            facade = kind_facade(kind, self._flavour)
            setattr(self, attribute, facade(kinds[kind], sender, self._clock))
        self.tasks = self._tasks_type(TasksPlans(core, kinds), sender, self._clock)
        self.identify_face = self._identify_type(IdentifyFacePlans(core), sender, self._clock)
        self.models = Models()

    def _download_options(self, on_progress: Any, watermarked: bool) -> dict[str, Any]:
        config = self._core.config
        if "client" not in self._downloads:
            transport: Any = self._transport_for_downloads
            self._downloads["client"] = self._http_type(
                transport=transport, timeout=httpx.Timeout(config.timeout), follow_redirects=True
            )
        return {
            "client": self._downloads["client"],
            "on_progress": on_progress,
            "watermarked": watermarked,
            "base_url": config.base_url,
            "clock": self._clock,
            "retry": config.retry,
        }

    @property
    def config(self) -> Config:
        """The frozen settings of this client."""
        return self._core.config

    def with_options(
        self,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        wait_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """A copy with other settings, sharing the connection pool and remembered headers.

        Args:
            timeout: per-request timeout, seconds (finite).
            max_retries: request retries.
            wait_timeout: default wait deadline, seconds, or None for none.

        Returns:
            A new client of the same class; closing it leaves this one open.
        """
        clone = copy.copy(self)
        clone._owns_http = False
        clone._is_copy = True
        config = self._core.config.copy(
            timeout=timeout, max_retries=max_retries, wait_timeout=wait_timeout
        )
        clone._build(Core(config, self._clock, self._core.memory))
        return clone

    def __repr__(self) -> str:
        cfg = self._core.config
        return (
            f"{type(self).__name__}(base_url={cfg.base_url!r}, backend={cfg.backend!r}, "
            f"timeout={cfg.timeout}, max_retries={cfg.retry.max_retries})"
        )


class Kling(_Base[httpx.Client]):
    """The blocking client. See the package docstring for the arguments and environment.

    Raises:
        ConfigurationError: no credentials (the message names the variable to set), or a
            setting out of range (`timeout` must be finite).
    """

    # One namespace per task kind of the spec (`_namespaces.namespaces()`; a test keeps these
    # annotations equal to it), declared for type checkers and editors.
    advanced_lip_sync: AdvancedLipSyncCalls[Page[Task]]
    effects: EffectsCalls[Page[Task]]
    image2video: Image2VideoCalls[Page[Task]]
    image_expand: ImageExpandCalls[Page[Task]]
    lip_sync: LipSyncCalls[Page[Task]]
    multi_image2image: MultiImage2ImageCalls[Page[Task]]
    multi_image2video: MultiImage2VideoCalls[Page[Task]]
    omni_video: OmniVideoCalls[Page[Task]]
    text2video: Text2VideoCalls[Page[Task]]
    text_to_audio: TextToAudioCalls[Page[Task]]
    video_extend: VideoExtendCalls[Page[Task]]
    video_to_audio: VideoToAudioCalls[Page[Task]]
    elements: SyncElements
    identify_face: SyncIdentifyFace
    models: Models
    tasks: SyncTasks
    _sender_type = SyncSender
    _http_type = httpx.Client
    _flavour = "sync"
    _tasks_type = SyncTasks
    _identify_type = SyncIdentifyFace

    def download(
        self,
        task_or_result: Any,
        dest_dir: str | Path,
        *,
        on_progress: Any = None,
        watermarked: bool = False,
    ) -> list[Path]:
        """Save every result file of a task into `dest_dir`: streamed, atomic, unauthenticated.

        Args:
            task_or_result: a Task, its `task_result`, or URLs.
            dest_dir: the folder (created if missing).
            on_progress: called with a `DownloadProgress` after every chunk.
            watermarked: also fetch the watermarked copies.

        Returns:
            The paths written, named `<task_id>-<index>.<ext>`.

        Raises:
            DownloadError: a file could not be fetched (e.g. expired) or arrived short; the
                result is malformed; a succeeded task has no files.
            TaskFailedError: the task failed. TaskNotFinishedError: it has not finished.
        """
        from ._downloads import download  # on first use: most calls never download

        return download(
            task_or_result, dest_dir, **self._download_options(on_progress, watermarked)
        )

    def close(self) -> None:
        """Close the connection pools this client created (not a caller's, not a copy's)."""
        if self._owns_http:
            self._http.close()
        if not self._is_copy and "client" in self._downloads:
            downloads = self._downloads.pop("client")
            if self._transport_for_downloads is None:  # a given transport is the caller's
                downloads.close()

    def __enter__(self) -> Kling:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncKling(_Base[httpx.AsyncClient]):
    """The async client: the same names as `Kling`, awaited; an async context manager."""

    advanced_lip_sync: AsyncAdvancedLipSyncCalls[Page[Task]]
    effects: AsyncEffectsCalls[Page[Task]]
    image2video: AsyncImage2VideoCalls[Page[Task]]
    image_expand: AsyncImageExpandCalls[Page[Task]]
    lip_sync: AsyncLipSyncCalls[Page[Task]]
    multi_image2image: AsyncMultiImage2ImageCalls[Page[Task]]
    multi_image2video: AsyncMultiImage2VideoCalls[Page[Task]]
    omni_video: AsyncOmniVideoCalls[Page[Task]]
    text2video: AsyncText2VideoCalls[Page[Task]]
    text_to_audio: AsyncTextToAudioCalls[Page[Task]]
    video_extend: AsyncVideoExtendCalls[Page[Task]]
    video_to_audio: AsyncVideoToAudioCalls[Page[Task]]
    elements: AsyncElements
    identify_face: AsyncIdentifyFace
    models: Models
    tasks: AsyncTasks
    _sender_type = AsyncSender
    _http_type = httpx.AsyncClient
    _flavour = "async"
    _tasks_type = AsyncTasks
    _identify_type = AsyncIdentifyFace

    async def download(
        self,
        task_or_result: Any,
        dest_dir: str | Path,
        *,
        on_progress: Any = None,
        watermarked: bool = False,
    ) -> list[Path]:
        """Save every result file of a task (see `Kling.download`)."""
        from ._downloads import adownload  # on first use: most calls never download

        return await adownload(
            task_or_result, dest_dir, **self._download_options(on_progress, watermarked)
        )

    async def close(self) -> None:
        """Close the connection pools this client created (not a caller's, not a copy's)."""
        if self._owns_http:
            await self._http.aclose()
        if not self._is_copy and "client" in self._downloads:
            downloads = self._downloads.pop("client")
            if self._transport_for_downloads is None:  # a given transport is the caller's
                await downloads.aclose()

    async def __aenter__(self) -> AsyncKling:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

"""`Kling` and `AsyncKling`: construction, options, namespaces and lifecycle.

Both build the same frozen `Config`, the same auth and the same namespaces from the spec's
task kinds; they differ only in the httpx client and the runner (blocking or awaited).
Namespaces are built on first use (`_Base.__getattr__`): constructing a client loads neither
the spec nor the plans, and a script that makes one call pays for one namespace.
"""

from __future__ import annotations

import copy
import functools
import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import httpx

if TYPE_CHECKING:
    import ssl  # annotations only: importing ssl costs 12 ms, and httpx loads it when needed

    from haoee_kling_api.calls import (
        AdvancedLipSyncCalls,
        AsyncAdvancedLipSyncCalls,
        AsyncAvatarImage2VideoCalls,
        AsyncCustomVoiceCalls,
        AsyncEffectsCalls,
        AsyncIdentifyFaceCalls,
        AsyncImage2VideoCalls,
        AsyncImageExpandCalls,
        AsyncImageGenerationCalls,
        AsyncImageRecognizeCalls,
        AsyncLipSyncCalls,
        AsyncMotionControlCalls,
        AsyncMultiImage2ImageCalls,
        AsyncMultiImage2VideoCalls,
        AsyncOmniImageCalls,
        AsyncOmniVideoCalls,
        AsyncText2VideoCalls,
        AsyncTextToAudioCalls,
        AsyncTtsCalls,
        AsyncVideoExtendCalls,
        AsyncVideoToAudioCalls,
        AsyncVirtualTryOnCalls,
        AvatarImage2VideoCalls,
        CustomVoiceCalls,
        EffectsCalls,
        IdentifyFaceCalls,
        Image2VideoCalls,
        ImageExpandCalls,
        ImageGenerationCalls,
        ImageRecognizeCalls,
        LipSyncCalls,
        MotionControlCalls,
        MultiImage2ImageCalls,
        MultiImage2VideoCalls,
        OmniImageCalls,
        OmniVideoCalls,
        Text2VideoCalls,
        TextToAudioCalls,
        TtsCalls,
        VideoExtendCalls,
        VideoToAudioCalls,
        VirtualTryOnCalls,
    )
    from haoee_kling_api.models import Task

    from .batch._run import AsyncBatch, SyncBatch
    from .callbacks._webhooks import Webhooks
    from .check._catalogue import Models
    from .http._sender import AsyncSender, SyncSender
    from .kinds._facades import AsyncAccount, AsyncElements, SyncAccount, SyncElements
    from .kinds._kind_plans import KindPlans
    from .kinds._tasks import AsyncTasks, SyncTasks
    from .plans._polling import PollPolicy
    from .read._results import Page

from ._client_state import Core
from ._clock import Clock, SystemClock
from ._config import NOT_GIVEN, Config, NotGiven, given
from ._logging import setup_logging
from ._settings import from_environment, poll_every
from .http._auth import default_base_url, make_auth
from .plans._retries import RetryPolicy

__all__ = ["AsyncKling", "Kling"]

H = TypeVar("H", httpx.Client, httpx.AsyncClient)
# The namespaces besides the task kinds', built on first use like them (`_namespace`).
_OTHER_SPACES = (
    "account",
    "batch",
    "identify_face",
    "image_recognize",
    "models",
    "tasks",
    "tts",
    "webhooks",
)


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
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
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
        # Arguments win over the environment (HAOEE_TIMEOUT, ...), which wins over defaults.
        env = from_environment(os.environ)
        if poll_policy is None and "poll_interval" in env:
            poll_policy = poll_every(env["poll_interval"])
        config = Config(
            base_url=(base_url or default_base_url(backend, os.environ)).rstrip("/"),
            backend=backend,
            timeout=given(timeout, env.get("timeout", 60.0)),
            retry=RetryPolicy(
                max_retries=given(max_retries, env.get("max_retries", 2)),
                concurrency_wait=concurrency_wait,
            ),
            wait_timeout=given(wait_timeout, env.get("wait_timeout", NOT_GIVEN)),
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

    # Blocking ("sync") or awaited ("async"): which runner, sender and batch each namespace gets.
    _flavour: str
    batch: Any

    _http_type: type[httpx.Client] | type[httpx.AsyncClient]

    def _make_http(self, config: Config, transport: Any) -> H:
        http: H = self._http_type(  # type: ignore[assignment]
            transport=transport, timeout=httpx.Timeout(config.timeout), verify=_tls(transport)
        )
        return http

    def _build(self, core: Core) -> None:
        self._core = core
        # A `with_options` copy starts from a shallow copy of the original: it drops the
        # namespaces built for the original's settings and builds its own on first use.
        # `webhooks` stays shared: what it remembers (replayed callbacks) is the client's.
        for name in getattr(self, "_built", ()):
            if name != "webhooks":
                self.__dict__.pop(name, None)
        self._built: set[str] = set()
        self._plans: dict[str, KindPlans] = {}
        self._senders: list[SyncSender | AsyncSender] = []

    if not TYPE_CHECKING:  # type checkers see the declared namespaces, and misspelt names fail

        def __getattr__(self, name: str) -> Any:
            # Only reached for a name not set yet: a namespace is built on its first use.
            if name.startswith("_"):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            value = self._namespace(name)
            self.__dict__[name] = value
            self._built.add(name)
            return value

    def __dir__(self) -> list[str]:
        # The namespaces not built yet are attributes all the same (REPL completion, help()).
        from .kinds._kind_plans import namespaces

        return sorted({*super().__dir__(), *namespaces(), *_OTHER_SPACES})

    def _sender(self) -> SyncSender | AsyncSender:
        if not self._senders:
            from .http._sender import AsyncSender, SyncSender

            kind = SyncSender if self._flavour == "sync" else AsyncSender
            base_url = self._core.config.base_url
            # httpx takes proxies from the environment only for a client it builds without a
            # transport (ours), or a caller's that trusts the environment.
            env_proxies = (
                self._transport_for_downloads is None
                if self._owns_http
                else bool(getattr(self._http, "trust_env", False))
            )
            self._senders.append(kind(self._http, base_url, self._auth, self._clock, env_proxies))
        return self._senders[0]

    def _kind_plans(self, kind: str) -> KindPlans:
        if kind not in self._plans:
            from .kinds._kind_plans import ElementPlans, KindPlans
            from .kinds._voices import CustomVoicePlans

            # The kinds whose namespace has calls beyond create / get / list / wait.
            extended = {"advanced_custom_element": ElementPlans, "custom_voice": CustomVoicePlans}
            self._plans[kind] = extended.get(kind, KindPlans)(self._core, kind)
        return self._plans[kind]

    def _namespace(self, name: str) -> Any:
        """Build the namespace called `name` (a task kind's, `tasks`, `tts`, `account`, ...)."""
        from .kinds import _facades
        from .kinds._instant import INSTANT, AccountPlans
        from .kinds._kind_plans import Runner, namespaces

        sync, kinds = self._flavour == "sync", namespaces()
        if name in kinds:
            kind = _facades.sync_kind if sync else _facades.async_kind
            return kind(self._kind_plans(kinds[name]), self._sender(), self._clock)
        if name == "tasks":
            # Its own module: listing across kinds loads only when `tasks` is first used.
            from .kinds import _tasks

            plans = _tasks.TasksPlans(self._core, {k: self._kind_plans(k) for k in kinds.values()})
            tasks = _tasks.SyncTasks if sync else _tasks.AsyncTasks
            return tasks(Runner(plans, self._sender(), self._clock))
        if name in INSTANT:  # answered at once: identify_face, tts, image_recognize
            instant = _facades.sync_instant if sync else _facades.async_instant
            return instant(name, INSTANT[name](self._core), self._sender(), self._clock)
        if name == "account":
            account = _facades.SyncAccount if sync else _facades.AsyncAccount
            return account(Runner(AccountPlans(self._core), self._sender(), self._clock))
        if name == "models":
            from .check._catalogue import Models

            return Models()
        if name == "webhooks":  # callback verification is pure CPU: one for both flavours
            from .callbacks._webhooks import Webhooks

            return Webhooks()
        if name == "batch":  # `download` is the subclass's (blocking or awaited)
            from .batch._run import AsyncBatch, SyncBatch

            batch = SyncBatch if sync else AsyncBatch
            return batch(self._core, self._sender(), getattr(self, "download"))  # noqa: B009
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _download_options(self, on_progress: Any, watermarked: bool) -> dict[str, Any]:
        config = self._core.config
        if "client" not in self._downloads:
            transport: Any = self._transport_for_downloads
            self._downloads["client"] = self._http_type(
                transport=transport,
                timeout=httpx.Timeout(config.timeout),
                follow_redirects=True,
                verify=_tls(transport),
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

    # One namespace per task kind of the spec (`_kind_names.namespaces()`; a test keeps these
    # annotations equal to it), declared for type checkers and editors.
    advanced_lip_sync: AdvancedLipSyncCalls[Page[Task]]
    avatar_image2video: AvatarImage2VideoCalls[Page[Task]]
    custom_voice: CustomVoiceCalls[Page[Task]]
    effects: EffectsCalls[Page[Task]]
    image2video: Image2VideoCalls[Page[Task]]
    image_expand: ImageExpandCalls[Page[Task]]
    image_generation: ImageGenerationCalls[Page[Task]]
    lip_sync: LipSyncCalls[Page[Task]]
    motion_control: MotionControlCalls[Page[Task]]
    multi_image2image: MultiImage2ImageCalls[Page[Task]]
    multi_image2video: MultiImage2VideoCalls[Page[Task]]
    omni_image: OmniImageCalls[Page[Task]]
    omni_video: OmniVideoCalls[Page[Task]]
    text2video: Text2VideoCalls[Page[Task]]
    text_to_audio: TextToAudioCalls[Page[Task]]
    video_extend: VideoExtendCalls[Page[Task]]
    video_to_audio: VideoToAudioCalls[Page[Task]]
    virtual_try_on: VirtualTryOnCalls[Page[Task]]
    elements: SyncElements
    identify_face: IdentifyFaceCalls
    tts: TtsCalls
    image_recognize: ImageRecognizeCalls
    account: SyncAccount
    models: Models
    tasks: SyncTasks
    webhooks: Webhooks
    batch: SyncBatch
    _http_type = httpx.Client
    _flavour = "sync"

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
    avatar_image2video: AsyncAvatarImage2VideoCalls[Page[Task]]
    custom_voice: AsyncCustomVoiceCalls[Page[Task]]
    effects: AsyncEffectsCalls[Page[Task]]
    image2video: AsyncImage2VideoCalls[Page[Task]]
    image_expand: AsyncImageExpandCalls[Page[Task]]
    image_generation: AsyncImageGenerationCalls[Page[Task]]
    lip_sync: AsyncLipSyncCalls[Page[Task]]
    motion_control: AsyncMotionControlCalls[Page[Task]]
    multi_image2image: AsyncMultiImage2ImageCalls[Page[Task]]
    multi_image2video: AsyncMultiImage2VideoCalls[Page[Task]]
    omni_image: AsyncOmniImageCalls[Page[Task]]
    omni_video: AsyncOmniVideoCalls[Page[Task]]
    text2video: AsyncText2VideoCalls[Page[Task]]
    text_to_audio: AsyncTextToAudioCalls[Page[Task]]
    video_extend: AsyncVideoExtendCalls[Page[Task]]
    video_to_audio: AsyncVideoToAudioCalls[Page[Task]]
    virtual_try_on: AsyncVirtualTryOnCalls[Page[Task]]
    elements: AsyncElements
    identify_face: AsyncIdentifyFaceCalls
    tts: AsyncTtsCalls
    image_recognize: AsyncImageRecognizeCalls
    account: AsyncAccount
    models: Models
    tasks: AsyncTasks
    webhooks: Webhooks
    batch: AsyncBatch
    _http_type = httpx.AsyncClient
    _flavour = "async"

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


def _tls(transport: object) -> ssl.SSLContext | bool:
    # A client given its own transport makes no TLS connection of its own: building the
    # context for it would only slow down its start (by the CA bundle's load). `True` is
    # httpx's default, which builds one only if a proxy from the environment needs it.
    return True if transport is not None else tls_context()


def tls_context() -> ssl.SSLContext:
    """The TLS settings every client of this process verifies servers with, built once.

    httpx builds a new `SSLContext` for each client it makes, loading the whole CA bundle each
    time (about 0.1 s of CPU): a client and its download client paid it twice, and a program
    that makes a client per request paid it on every one. The context is the one httpx would
    build: from `SSL_CERT_FILE` or `SSL_CERT_DIR` when set, else certifi's bundle; a change of
    either variable builds a new one.
    """
    return _tls_context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The arguments are the cache key: httpx reads the same two variables itself.
    return httpx.create_ssl_context()

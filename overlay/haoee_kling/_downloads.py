"""Saving result files: streamed, verified, atomic, and never authenticated.

Result URLs are anti-hotlink CDN links that expire after 30 days. They are fetched with a
separate httpx client that has no auth, so no key ever reaches a file host. Each file is
streamed into a temporary file next to its destination, its length checked against
Content-Length, then renamed into place (a reader never sees half a file). Transient failures
(connection, 429, 5xx) are retried with the client's backoff.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from ._clock import Clock
from ._engine import Plan, arun, run
from ._errors import DownloadError, KlingError
from ._logging import redact
from ._retries import RetryPolicy, retry_plan
from ._translate import map_transport_error

__all__ = [
    "DownloadProgress",
    "Fetch",
    "ResultFile",
    "adownload",
    "download",
    "download_plan",
    "result_files",
]

_CHUNK = 1 << 16
_EXTENSIONS = (".mp4", ".mov", ".png", ".jpg", ".jpeg", ".webp", ".mp3", ".wav", ".m4a")


@dataclass(frozen=True)
class ResultFile:
    """One file to fetch: its URL and the file name to give it."""

    url: str
    name: str


@dataclass(frozen=True)
class DownloadProgress:
    """What `on_progress` receives while a file downloads.

    Attributes:
        path: the destination file.
        received: bytes written so far.
        total: the expected size in bytes (Content-Length), or None when not sent.
    """

    path: Path
    received: int
    total: int | None


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def _ext(url: str, default: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return suffix if suffix in _EXTENSIONS else default


def result_files(task_or_result: Any, *, watermarked: bool = False) -> list[ResultFile]:
    """The files of a task (or its `task_result`, or a list of URLs), named
    `<task_id>-<index>.<ext>` (watermarked copies `<task_id>-<index>-watermark.<ext>`)."""
    data = _plain(task_or_result)
    if isinstance(data, str):
        data = [data]
    if isinstance(data, list):
        return [ResultFile(u, f"file-{i}{_ext(u, '.bin')}") for i, u in enumerate(data)]
    if not isinstance(data, Mapping):
        raise TypeError(f"cannot find result files in {type(task_or_result).__name__}")
    stem = str(data.get("task_id") or "result")
    result = data.get("task_result", data) or {}
    files: list[ResultFile] = []
    for index, video in enumerate(result.get("videos") or []):
        files.append(ResultFile(video["url"], f"{stem}-{index}{_ext(video['url'], '.mp4')}"))
        if watermarked and video.get("watermark_url"):
            url = video["watermark_url"]
            files.append(ResultFile(url, f"{stem}-{index}-watermark{_ext(url, '.mp4')}"))
    for position, image in enumerate(result.get("images") or []):
        index = image.get("index", position)
        files.append(ResultFile(image["url"], f"{stem}-{index}{_ext(image['url'], '.png')}"))
        if watermarked and image.get("watermark_url"):
            url = image["watermark_url"]
            files.append(ResultFile(url, f"{stem}-{index}-watermark{_ext(url, '.png')}"))
    for index, audio in enumerate(result.get("audios") or []):
        for key, ext in (("url_mp3", ".mp3"), ("url_wav", ".wav")):
            if audio.get(key):
                files.append(ResultFile(audio[key], f"{stem}-{index}{ext}"))
    return files


def _error_for(status: int, url: str) -> KlingError:
    hint = " (result URLs expire after 30 days)" if status in (403, 404, 410) else ""
    return DownloadError(
        f"download failed: HTTP {status} for {redact(url)}{hint}",
        url=redact(url),
        retryable=status in (408, 429) or status >= 500,
    )


@dataclass(frozen=True)
class Fetch:
    """The I/O action of a download plan: stream one file to `dest`."""

    file: ResultFile
    dest: Path


def download_plan(
    files: list[ResultFile], folder: Path, retry: RetryPolicy, clock: Clock
) -> Plan[list[Path]]:
    """Fetch every file in turn, each with the client's retries.

    Returns:
        The destination paths, in result order.
    """
    paths: list[Path] = []
    for file in files:
        yield from retry_plan(Fetch(file, folder / file.name), retry, clock)
        paths.append(folder / file.name)
    return paths


class _Writer:
    """Writes one download to a temp file beside its destination, then renames it in place."""

    def __init__(self, fetch: Fetch, response: httpx.Response, on_progress: Progress) -> None:
        if response.status_code != 200:
            raise _error_for(response.status_code, fetch.file.url)
        raw = response.headers.get("content-length")
        self.total = int(raw) if raw and raw.isdigit() else None
        self.received = 0
        self._fetch, self._on_progress = fetch, on_progress
        self.temp = fetch.dest.with_name(f".{fetch.dest.name}.{uuid.uuid4().hex[:8]}.part")
        self._out = self.temp.open("wb")

    def write(self, chunk: bytes) -> None:
        """Append a chunk and report progress."""
        self._out.write(chunk)
        self.received += len(chunk)
        if self._on_progress:
            self._on_progress(DownloadProgress(self._fetch.dest, self.received, self.total))

    def finish(self) -> None:
        """Check the length against Content-Length, then rename into place.

        Raises:
            DownloadError: fewer (or more) bytes arrived than announced.
        """
        self._out.close()
        url = self._fetch.file.url
        if self.total is not None and self.received != self.total:
            raise DownloadError(
                f"download of {redact(url)} ended short: {self.received} of {self.total} bytes",
                url=redact(url),
            )
        self.temp.replace(self._fetch.dest)

    def discard(self) -> None:
        """Remove the temp file (a no-op after `finish`)."""
        self._out.close()
        self.temp.unlink(missing_ok=True)


Progress = Callable[[DownloadProgress], Any] | None


def _prepare(
    task_or_result: Any, dest_dir: str | Path, watermarked: bool
) -> tuple[list[ResultFile], Path]:
    folder = Path(dest_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return result_files(task_or_result, watermarked=watermarked), folder


def download(
    task_or_result: Any,
    dest_dir: str | Path,
    *,
    on_progress: Progress = None,
    watermarked: bool = False,
    transport: Any = None,
    timeout: float = 60.0,
    clock: Clock,
    retry: RetryPolicy,
) -> list[Path]:
    """Download every result file of a task into `dest_dir` (created if missing).

    Args:
        task_or_result: a Task, its `task_result`, a dict of either, or URLs.
        dest_dir: the folder to write into.
        on_progress: called with `DownloadProgress` after every chunk.
        watermarked: also fetch the watermarked copies.
        transport: an httpx transport for the unauthenticated client (tests).
        timeout: per-request timeout, seconds.
        clock: for backoff sleeps.
        retry: the retry policy.

    Returns:
        The paths written, in result order.

    Raises:
        DownloadError: a file could not be fetched or arrived short.
        APIConnectionError: the file host could not be reached after the retries.
    """
    files, folder = _prepare(task_or_result, dest_dir, watermarked)
    # A separate client: no auth, so no key reaches a file host. A given transport belongs to
    # the API client, so it is not closed here.
    client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=True)

    def fetch(action: Fetch) -> None:
        """Stream one file (the plan's I/O action)."""
        writer: _Writer | None = None
        try:
            with client.stream("GET", action.file.url) as response:
                writer = _Writer(action, response, on_progress)
                for chunk in response.iter_bytes(_CHUNK):
                    writer.write(chunk)
            writer.finish()
        except httpx.HTTPError as exc:
            raise map_transport_error(exc) from exc
        finally:
            if writer is not None:
                writer.discard()

    try:
        return run(download_plan(files, folder, retry, clock), fetch, clock.sleep)
    finally:
        if transport is None:
            client.close()


async def adownload(
    task_or_result: Any,
    dest_dir: str | Path,
    *,
    on_progress: Progress = None,
    watermarked: bool = False,
    transport: Any = None,
    timeout: float = 60.0,
    clock: Clock,
    retry: RetryPolicy,
) -> list[Path]:
    """The async `download` (same arguments, same result, same errors)."""
    files, folder = _prepare(task_or_result, dest_dir, watermarked)
    client = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=True)

    async def fetch(action: Fetch) -> None:
        """Stream one file (the plan's I/O action)."""
        writer: _Writer | None = None
        try:
            async with client.stream("GET", action.file.url) as response:
                writer = _Writer(action, response, on_progress)
                async for chunk in response.aiter_bytes(_CHUNK):
                    writer.write(chunk)
            writer.finish()
        except httpx.HTTPError as exc:
            raise map_transport_error(exc) from exc
        finally:
            if writer is not None:
                writer.discard()

    try:
        return await arun(download_plan(files, folder, retry, clock), fetch, clock.asleep)
    finally:
        if transport is None:
            await client.aclose()

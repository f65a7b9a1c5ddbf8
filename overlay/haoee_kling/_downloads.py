"""Saving result files: streamed, verified, atomic, and never authenticated.

Result URLs are anti-hotlink CDN links that expire after 30 days. They are fetched with a
separate httpx client that has no auth, so no key ever reaches a file host: one per `Kling` /
`AsyncKling`, made on the first download and kept for the next ones (its connections too). Each
file is streamed into a temporary file next to its destination, its length checked against
Content-Length and its first bytes against the media its name says (an `.mp4` must be an
ISO-BMFF file, a `.png` an image, ...: a 200 answer holding an HTML page, a JSON error or
nothing is a `DownloadError` carrying the task id, and no file is left behind), then renamed
into place (a reader never sees half a file). Redirects are followed, but never from https down
to plain http; no file is larger than `MAX_DOWNLOAD_BYTES`. Transient failures (connection,
429, 5xx) are retried with the client's backoff.

File names come only from sanitised server values, and every path is checked to lie inside the
destination. A malformed result (an item without a URL, a list that is an object) is a
`DownloadError` naming the task and the item; a failed or unfinished task, or a succeeded one
without files, is an error too, never an empty list.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ._clock import Clock
from ._errors import (
    DownloadError,
    KlingError,
    TaskFailedError,
    TaskNotFinishedError,
    retryable_status,
)
from ._logging import redact
from .check._inputs import detect_format
from .http._translate import map_transport_error
from .plans._engine import Plan, arun, run
from .plans._polling import classify_status
from .plans._retries import RetryPolicy, retry_plan

__all__ = [
    "MAX_DOWNLOAD_BYTES",
    "DownloadProgress",
    "Fetch",
    "ResultFile",
    "adownload",
    "destination_problem",
    "download",
    "download_plan",
    "result_files",
    "safe_part",
]

_CHUNK = 1 << 16
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_PART = 64
_EXTENSIONS = (".mp4", ".mov", ".png", ".jpg", ".jpeg", ".webp", ".mp3", ".wav", ".m4a")
# What the first bytes of a file named with each extension may be (`detect_format`'s names).
# Within one kind of media any format passes: a name's extension may be the kind's default
# (`.png` for an image URL without one) while the file host serves a JPEG. `.bin` (URLs passed
# as they are) is not checked.
_CONTAINER = frozenset({"mp4", "mov", "m4a"})
_IMAGE = frozenset({"jpg", "png", "gif", "webp"})
_AUDIO = frozenset({"mp3", "wav", "aac", "m4a"})
_MEDIA = {
    ".mp4": _CONTAINER,
    ".mov": _CONTAINER,
    ".m4a": _CONTAINER,
    ".png": _IMAGE,
    ".jpg": _IMAGE,
    ".jpeg": _IMAGE,
    ".webp": _IMAGE,
    ".mp3": _AUDIO,
    ".wav": _AUDIO,
}
_HEAD = 16
MAX_DOWNLOAD_BYTES = 4 << 30
"""The largest result file saved (4 GiB, far above any Kling result): a file host that sends
more, or announces more in Content-Length, is a `DownloadError`, so it cannot fill the disk."""


@dataclass(frozen=True)
class ResultFile:
    """One file to fetch: its URL and the file name to give it."""

    url: str
    name: str
    task_id: str | None = None


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


def safe_part(value: Any, fallback: str) -> str:
    """A server-given value as part of a file name: letters, digits, `.`, `_` and `-` only,
    no leading dots, at most 64 characters; `fallback` when nothing usable is left."""
    text = _UNSAFE.sub("_", str(value)).strip("._")[:_MAX_PART]
    return text or fallback


class _Files:
    """Collects the files of one task, with names unique within the task."""

    def __init__(self, stem: str, base_url: str | None, task_id: str | None = None) -> None:
        self.stem, self.base_url, self.task_id = stem, base_url, task_id
        self.files: list[ResultFile] = []
        self._names: set[str] = set()

    def add(self, url: Any, where: str, suffix: str, default_ext: str) -> None:
        if not isinstance(url, str) or not url.strip():
            raise _malformed(self.stem, f"{where} has no URL (got {url!r:.80})")
        absolute = _absolute(url.strip(), self.base_url, self.stem, where)
        try:
            httpx.URL(absolute)
        except (httpx.InvalidURL, ValueError) as exc:
            raise _malformed(self.stem, f"{where} URL is not a valid URL ({exc})") from None
        name = f"{self.stem}-{suffix}{_ext(absolute, default_ext)}"
        stem, ext = name.rsplit(".", 1)
        copy = 1
        while name in self._names:  # two items with the same index must not overwrite
            copy += 1
            name = f"{stem}-{copy}.{ext}"
        self._names.add(name)
        self.files.append(ResultFile(absolute, name, self.task_id))


def _malformed(task: str, problem: str) -> DownloadError:
    error = DownloadError(f"cannot download task {task}: {redact(problem)}", url="")
    error.attach(task_id=task)
    return error


def _absolute(url: str, base_url: str | None, task: str, where: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    if not scheme and base_url:
        # A path from the gateway ("/files/a.mp4", "//cdn/a.mp4"): fetched from the gateway's
        # host, still without the Authorization header.
        return urljoin(base_url.rstrip("/") + "/", url)
    reason = f"{scheme}: URLs are not fetched" if scheme else "it is relative (no base URL)"
    raise _malformed(task, f"{where} URL {url!r:.80} cannot be downloaded: {reason}")


def _items(result: Mapping[str, Any], key: str, task: str) -> list[Mapping[str, Any]]:
    items = result.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise _malformed(task, f"task_result.{key} is {type(items).__name__}, not a list")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _malformed(task, f"task_result.{key}[{index}] is not an object")
    return items


def _check_finished(data: Mapping[str, Any], task: str) -> None:
    status = data.get("task_status")
    if status is None:
        return  # a bare task_result, or a task whose status was not read: try its files
    outcome = classify_status(str(status))
    if outcome == "failed":
        raise TaskFailedError(
            f"task {task} failed, so it has no files: "
            f"{data.get('task_status_msg') or 'no reason given'}",
            task_id=task,
            kind="task",
            last_status=str(status),
            task_status_msg=data.get("task_status_msg"),
        )
    if outcome == "pending":
        raise TaskNotFinishedError(
            f"task {task} is {status}, not finished: wait for it first",
            task_id=task,
            kind="task",
            last_status=str(status),
        )


def result_files(
    task_or_result: Any, *, watermarked: bool = False, base_url: str | None = None
) -> list[ResultFile]:
    """The files of a task (or its `task_result`, or a list of URLs), named
    `<task_id>-<index>.<ext>` (watermarked copies `<task_id>-<index>-watermark.<ext>`).

    Names are built only from sanitised server values (`safe_part`), so no answer can place a
    file outside the destination.

    Args:
        task_or_result: a Task, its `task_result`, a dict of either, a URL or a list of URLs;
            or an answer holding a `task_result` (text to speech, image recognize).
        watermarked: also list the watermarked copies.
        base_url: the gateway's base URL, to resolve URLs given as paths.

    Raises:
        TaskFailedError: the task failed. TaskNotFinishedError: it has not finished.
        DownloadError: the result is malformed (names the task and the item), or a
            succeeded task has no files.
        TypeError: `task_or_result` is none of the above.
    """
    data = _plain(task_or_result)
    if isinstance(data, str):
        data = [data]
    if isinstance(data, list):
        urls = _Files("file", base_url)
        for index, url in enumerate(data):
            urls.add(url, f"URL {index}", str(index), ".bin")
        return urls.files
    if not isinstance(data, Mapping):
        raise TypeError(f"cannot find result files in {type(task_or_result).__name__}")
    task = safe_part(data.get("task_id") or "result", "result")
    _check_finished(data, task)
    # A task, or an answer holding a `task_result` without being one (image recognize).
    is_task = "task_id" in data or "task_status" in data or "task_result" in data
    result = (data.get("task_result") or {}) if is_task else data
    if not isinstance(result, Mapping):
        raise _malformed(task, f"task_result is {type(result).__name__}, not an object")
    task_id = data.get("task_id")
    found = _Files(task, base_url, str(task_id) if task_id is not None else None)
    for index, video in enumerate(_items(result, "videos", task)):
        found.add(video.get("url"), f"task_result.videos[{index}]", str(index), ".mp4")
        if watermarked and video.get("watermark_url"):
            found.add(video["watermark_url"], "watermark", f"{index}-watermark", ".mp4")
    for position, image in enumerate(_items(result, "images", task)):
        if image.get("is_contain") is False and not image.get("url"):
            continue  # an image-recognize type the image does not show: it has no mask
        # Generated images have an index; image-recognize masks a type (`face_seg`) instead.
        label = safe_part(image.get("index", image.get("type", position)), str(position))
        found.add(image.get("url"), f"task_result.images[{position}]", label, ".png")
        if watermarked and image.get("watermark_url"):
            found.add(image["watermark_url"], "watermark", f"{label}-watermark", ".png")
    for position, image in enumerate(_items(result, "series_images", task)):
        label = "series-" + safe_part(image.get("index", position), str(position))
        found.add(image.get("url"), f"task_result.series_images[{position}]", label, ".png")
        if watermarked and image.get("watermark_url"):
            found.add(image["watermark_url"], "watermark", f"{label}-watermark", ".png")
    for index, audio in enumerate(_items(result, "audios", task)):
        # Generated sound comes as url_mp3 + url_wav; speech (text to speech) as one `url`.
        keys = (("url_mp3", ".mp3"), ("url_wav", ".wav"), ("url", ".mp3"))
        renditions = [(k, e) for k, e in keys if audio.get(k)]
        if not renditions:
            raise _malformed(task, f"task_result.audios[{index}] has no url_mp3, url_wav or url")
        for key, ext in renditions:
            found.add(audio[key], f"task_result.audios[{index}].{key}", str(index), ext)
    for index, voice in enumerate(_items(result, "voices", task)):
        where = f"task_result.voices[{index}].trial_url"
        found.add(voice.get("trial_url"), where, f"voice-{index}", ".mp3")
    if not found.files:
        raise _malformed(task, "its result has no files (no videos, images, audios or voices)")
    return found.files


def _error_for(status: int, url: str) -> KlingError:
    hint = " (result URLs expire after 30 days)" if status in (403, 404, 410) else ""
    return DownloadError(
        f"download failed: HTTP {status} for {redact(url)}{hint}",
        url=redact(url),
        retryable=retryable_status(status),
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
    inside = folder.resolve()
    for file in files:
        dest = folder / file.name
        if dest.resolve().parent != inside:  # names are sanitised; this is the last guard
            raise DownloadError(f"refusing to write {file.name!r} outside {folder}", url="")
        try:
            yield from retry_plan(Fetch(file, dest), retry, clock)
        except KlingError as error:
            error.attach(task_id=file.task_id)
            raise
        paths.append(dest)
    return paths


class _Writer:
    """Writes one download to a temp file beside its destination, then renames it in place."""

    def __init__(self, fetch: Fetch, response: httpx.Response, on_progress: Progress) -> None:
        if response.status_code != 200:
            raise _error_for(response.status_code, fetch.file.url)
        if urlsplit(fetch.file.url).scheme.lower() == "https" and response.url.scheme != "https":
            # Redirects are followed, but not down to plain http, where anyone on the way can
            # swap the file.
            raise DownloadError(
                f"download of {redact(fetch.file.url)} was redirected to plain http "
                f"({redact(str(response.url))}): refused",
                url=redact(fetch.file.url),
            )
        raw = response.headers.get("content-length")
        self.total = int(raw) if raw and raw.isdigit() else None
        if self.total is not None and self.total > MAX_DOWNLOAD_BYTES:
            raise _too_large(fetch.file.url)
        self.received = 0
        self.head = b""
        self._fetch, self._on_progress = fetch, on_progress
        self.temp = fetch.dest.with_name(f".{fetch.dest.name}.{uuid.uuid4().hex[:8]}.part")
        self._out = self.temp.open("wb")

    def write(self, chunk: bytes) -> None:
        """Append a chunk and report progress."""
        if self.received + len(chunk) > MAX_DOWNLOAD_BYTES:
            raise _too_large(self._fetch.file.url)
        self._out.write(chunk)
        if len(self.head) < _HEAD:
            self.head += chunk[: _HEAD - len(self.head)]
        self.received += len(chunk)
        if self._on_progress:
            self._on_progress(DownloadProgress(self._fetch.dest, self.received, self.total))

    def finish(self) -> None:
        """Check the length against Content-Length and the bytes against the name, then
        rename into place.

        Raises:
            DownloadError: fewer (or more) bytes arrived than announced, or the bytes are not
                the media the file's name says (an HTML page, a JSON error, nothing).
        """
        self._out.close()
        url = self._fetch.file.url
        if self.total is not None and self.received != self.total:
            raise DownloadError(
                f"download of {redact(url)} ended short: {self.received} of {self.total} bytes",
                url=redact(url),
            )
        expected = _MEDIA.get(self._fetch.dest.suffix.lower())
        found = detect_format(self.head)
        if expected is not None and found not in expected:
            what = f"a {found} file" if found else _describe(self.head)
            raise DownloadError(
                f"download of {redact(url)} is not a {self._fetch.dest.suffix} file: the file "
                f"host sent {what} (an error or login page?); nothing was saved",
                url=redact(url),
            )
        self.temp.replace(self._fetch.dest)

    def discard(self) -> None:
        """Remove the temp file (a no-op after `finish`)."""
        self._out.close()
        self.temp.unlink(missing_ok=True)


Progress = Callable[[DownloadProgress], Any] | None


def destination_problem(folder: str | Path) -> str | None:
    """What would stop files being saved into `folder` (created if missing), else None.

    Cheap and local, so callers ask before a task is created: a file where a folder must be,
    or a folder that cannot be written, costs nothing when found first.
    """
    probe = Path(folder).expanduser().absolute()
    while not probe.exists():
        if probe.is_symlink():
            return f"{probe} is a broken link"
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is a file, not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable"
    return None


def _too_large(url: str) -> DownloadError:
    return DownloadError(
        f"download of {redact(url)} is larger than {MAX_DOWNLOAD_BYTES:,} bytes: not saved",
        url=redact(url),
    )


def _describe(head: bytes) -> str:
    """What bytes that are no known media look like, for the error message."""
    text = head.lstrip()[:1]
    if not head:
        return "no bytes"
    if text == b"<":
        return "an HTML or XML page"
    if text in (b"{", b"["):
        return "JSON"
    return "bytes that are no known media"


def _prepare(
    task_or_result: Any, dest_dir: str | Path, watermarked: bool, base_url: str | None
) -> tuple[list[ResultFile], Path]:
    files = result_files(task_or_result, watermarked=watermarked, base_url=base_url)
    folder = Path(dest_dir)
    problem = destination_problem(folder)
    if problem is not None:  # named with the task, which is fine: save it elsewhere
        data = _plain(task_or_result)
        task = str(data.get("task_id") or "") if isinstance(data, Mapping) else ""
        error = DownloadError(f"cannot save the files into {folder}: {problem}", url="")
        error.attach(task_id=task or None)
        raise error
    folder.mkdir(parents=True, exist_ok=True)
    return files, folder


def download(
    task_or_result: Any,
    dest_dir: str | Path,
    *,
    client: httpx.Client,
    on_progress: Progress = None,
    watermarked: bool = False,
    base_url: str | None = None,
    clock: Clock,
    retry: RetryPolicy,
) -> list[Path]:
    """Download every result file of a task into `dest_dir` (created if missing).

    Args:
        task_or_result: a Task, its `task_result`, a dict of either, or URLs.
        dest_dir: the folder to write into.
        on_progress: called with `DownloadProgress` after every chunk.
        client: the unauthenticated httpx client that fetches files (never the API's, so no
            key reaches a file host); the caller owns and closes it.
        watermarked: also fetch the watermarked copies.
        base_url: the gateway's base URL, to resolve result URLs given as paths.
        clock: for backoff sleeps.
        retry: the retry policy.

    Returns:
        The paths written, in result order.

    Raises:
        DownloadError: a file could not be fetched or arrived short; the result is malformed;
            a succeeded task has no files.
        TaskFailedError: the task failed. TaskNotFinishedError: it has not finished yet.
        APIConnectionError: the file host could not be reached after the retries.
    """
    files, folder = _prepare(task_or_result, dest_dir, watermarked, base_url)

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

    return run(download_plan(files, folder, retry, clock), fetch, clock.sleep)


async def adownload(
    task_or_result: Any,
    dest_dir: str | Path,
    *,
    client: httpx.AsyncClient,
    on_progress: Progress = None,
    watermarked: bool = False,
    base_url: str | None = None,
    clock: Clock,
    retry: RetryPolicy,
) -> list[Path]:
    """The async `download` (same arguments, same result, same errors)."""
    files, folder = _prepare(task_or_result, dest_dir, watermarked, base_url)

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

    return await arun(download_plan(files, folder, retry, clock), fetch, clock.asleep)

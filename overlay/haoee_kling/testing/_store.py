"""The fake gateway's memory: tasks, their outputs and the indexes the API looks them up by.

Everything is scoped by API key, as Kling scopes it by account: one key never sees another's
tasks, videos, sessions or elements. Ids are 18-digit numeric strings from one deterministic
sequence, like Kling's (`842250903629086785`). Status is not stored; it is computed from each
task's timeline and the clock when the task is read (see `_lifecycle`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._lifecycle import Timeline

__all__ = ["ID_START", "Audio", "Session", "Store", "Task", "Video", "media_refs", "strings_in"]

ID_START = 842_250_903_629_086_785
"""The first id the sequence hands out (the spec's example task id)."""

JSON = dict[str, Any]


@dataclass(frozen=True)
class Video:
    """A generated video (usable as `video_id` once its task has succeeded) or a source by URL.

    Attributes:
        source_url: the caller's URL for a video Kling did not make (`video_url` inputs).
    """

    id: str
    task_id: str
    key: str
    duration: str
    source_url: str | None = None


@dataclass(frozen=True)
class Audio:
    """A generated audio track, served as MP3 and WAV."""

    id: str
    duration: str


@dataclass
class Task:
    """One stored task and everything needed to render it at any moment."""

    task_id: str
    kind: str
    key: str
    body: JSON
    external_task_id: str | None
    model_header: str | None
    timeline: Timeline
    pool: str
    cost: int
    failure: str = ""
    parent: Video | None = None
    videos: list[Video] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    audios: list[Audio] = field(default_factory=list)
    elements: list[JSON] = field(default_factory=list)
    voices: list[JSON] = field(default_factory=list)


@dataclass(frozen=True)
class Session:
    """An identify-face session: the faces found in one video, valid until `expires`."""

    session_id: str
    key: str
    video: Video | None
    face_ids: tuple[str, ...]
    expires: float


class Store:
    """In-memory state of one fake gateway; every method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget every task, video, session and element; restart the id sequence."""
        with self._lock:
            self._next = ID_START
            self._tasks: dict[str, Task] = {}
            self._by_kind: defaultdict[tuple[str, str], list[Task]] = defaultdict(list)
            self._external: dict[tuple[str, str], Task] = {}
            self._videos: dict[str, Video] = {}
            self._sessions: dict[str, Session] = {}
            self._custom_elements: defaultdict[str, list[JSON]] = defaultdict(list)
            self._deleted_voices: set[tuple[str, str]] = set()
            self._media: dict[str, str | None] = {}

    def next_id(self) -> str:
        """The next id of the sequence, as an 18-digit string."""
        with self._lock:
            value = self._next
            self._next += 1
            return str(value)

    # ------------------------------------------------------------------ tasks
    def add_task(self, task: Task) -> None:
        """Store a new task and index its external id, outputs and media names."""
        with self._lock:
            self._tasks[task.task_id] = task
            self._by_kind[(task.key, task.kind)].append(task)
            if task.external_task_id is not None:
                self._external[(task.key, task.external_task_id)] = task
            for video in task.videos:
                self._videos[video.id] = video
            for name in media_names(task):
                self._media[name] = task.task_id

    def get(self, task_id: str) -> Task | None:
        """A task by id, whatever its key and kind."""
        with self._lock:
            return self._tasks.get(task_id)

    def external_taken(self, key: str, external_task_id: str) -> bool:
        """Whether this key already used `external_task_id` (unique per account)."""
        with self._lock:
            return (key, external_task_id) in self._external

    def find_task(self, key: str, kind: str, task_or_external_id: str) -> Task | None:
        """A task of this key and kind by task id, or else by external task id."""
        with self._lock:
            task = self._tasks.get(task_or_external_id)
            if task is None or task.key != key:
                task = self._external.get((key, task_or_external_id))
            return task if task is not None and task.kind == kind else None

    def page(self, key: str, kind: str, page_num: int, page_size: int) -> list[Task]:
        """One page of this key's tasks of one kind, newest first."""
        with self._lock:
            tasks = self._by_kind.get((key, kind), [])
            end = len(tasks) - (page_num - 1) * page_size
            return list(reversed(tasks[max(end - page_size, 0) : max(end, 0)]))

    def active_cost(self, key: str, pool: str, now: float) -> int:
        """Concurrency units this key holds in `pool`: tasks not yet finished at `now`."""
        with self._lock:
            return sum(
                t.cost
                for t in self._tasks.values()
                if t.key == key and t.pool == pool and t.timeline.is_active(now)
            )

    def tasks(self) -> list[Task]:
        """Every task, oldest first."""
        with self._lock:
            return list(self._tasks.values())

    # ------------------------------------------------------------------ chains
    def find_video(self, key: str, video_id: str, now: float) -> Video | None:
        """A video this key may use as a source: its task must have succeeded by `now`."""
        with self._lock:
            video = self._videos.get(video_id)
            if video is None or video.key != key:
                return None
            done = self._tasks[video.task_id].timeline.status_at(now) == "succeed"
            return video if done else None

    def add_session(self, session: Session) -> None:
        """Remember an identify-face session."""
        with self._lock:
            self._sessions[session.session_id] = session

    def find_session(self, key: str, session_id: str, now: float) -> Session | None:
        """A live session of this key."""
        with self._lock:
            session = self._sessions.get(session_id)
            ok = session is not None and session.key == key and now < session.expires
            return session if ok else None

    def add_custom_element(self, key: str, element: JSON) -> None:
        """Remember a legacy (synchronous) custom element and publish its pictures."""
        with self._lock:
            self._custom_elements[key].append(element)
            for name in media_refs(element):
                self._media[name] = None

    def custom_elements(self, key: str) -> list[JSON]:
        """This key's legacy custom elements, newest first."""
        with self._lock:
            return list(reversed(self._custom_elements[key]))

    def element_ids(self, key: str, now: float) -> set[int]:
        """Ids of the elements this key has made (legacy, or advanced and succeeded)."""
        with self._lock:
            ids = {int(e["element_id"]) for e in self._custom_elements[key]}
            for task in self._tasks.values():
                if task.key == key and task.timeline.status_at(now) == "succeed":
                    ids.update(int(e["element_id"]) for e in task.elements)
            return ids

    def delete_voice(self, key: str, voice_id: str, now: float) -> bool:
        """Delete a custom voice of this key: one its succeeded task made and not yet deleted.

        Returns:
            False when the key has no such voice (never made, not finished, or deleted).
        """
        with self._lock:
            if (key, voice_id) in self._deleted_voices:
                return False
            for task in self._tasks.values():
                if task.key != key or task.timeline.status_at(now) != "succeed":
                    continue
                if any(voice.get("voice_id") == voice_id for voice in task.voices):
                    self._deleted_voices.add((key, voice_id))
                    return True
            return False

    # ------------------------------------------------------------------ media
    def add_media(self, name: str) -> None:
        """Publish a media file that belongs to no task (e.g. a face thumbnail)."""
        with self._lock:
            self._media[name] = None

    def media_ready(self, name: str, now: float, retention: float) -> bool:
        """Whether `name` was issued and its task (if any) has succeeded by `now`, at most
        `retention` seconds before."""
        with self._lock:
            if name not in self._media:
                return False
            task_id = self._media[name]
            if task_id is None:
                return True
            timeline = self._tasks[task_id].timeline
            return timeline.status_at(now) == "succeed" and now - timeline.finished <= retention


def media_names(task: Task) -> list[str]:
    """The file names (under `/media/`) of every output of a task."""
    names = [f"{v.id}.mp4" for v in task.videos] + [f"{v.id}-wm.mp4" for v in task.videos]
    names += task.images + [f"{name[:-4]}-wm.png" for name in task.images]
    names += [f"{a.id}.{ext}" for a in task.audios for ext in ("mp3", "wav")]
    return names + list(media_refs(task.elements)) + list(media_refs(task.voices))


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (dict values and list items, depth first)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def media_refs(value: Any) -> Iterator[str]:
    """The media names of every `/media/...` string inside a JSON value."""
    for text in strings_in(value):
        if text.startswith("/media/"):
            yield text[len("/media/") :]

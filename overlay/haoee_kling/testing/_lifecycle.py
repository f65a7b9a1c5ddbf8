"""How long fake tasks take, and where a task is at a given moment.

Each task kind has a duration profile shaped like real Kling jobs: a few seconds queued in
`submitted`, then `processing` for a log-normally distributed time (videos take minutes, images
and sound effects tens of seconds). Durations are drawn once per task from a generator seeded
with the gateway's seed and the task id, so the same seed gives the same timings every run.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "KINDS",
    "DurationProfile",
    "KindSpec",
    "Outcome",
    "ResultShape",
    "Timeline",
    "plan_timeline",
]

Outcome = Literal["succeed", "failed"]
ResultShape = Literal["video", "image", "audio", "dubbed", "element", "voice"]


@dataclass(frozen=True)
class DurationProfile:
    """Timing of one task kind, in fake seconds.

    Attributes:
        queue: bounds of the uniform time spent in `submitted`.
        median: median time in `processing` (log-normal).
        sigma: spread of the log-normal (0.4 puts 95% within about 0.45x to 2.2x the median).
        low: shortest processing time.
        high: longest processing time.
    """

    queue: tuple[float, float]
    median: float
    sigma: float
    low: float
    high: float

    def sample(self, rng: random.Random) -> tuple[float, float]:
        """Draw (queued seconds, processing seconds)."""
        queued = rng.uniform(*self.queue)
        drawn = rng.lognormvariate(math.log(self.median), self.sigma)
        return queued, min(max(drawn, self.low), self.high)


VIDEO = DurationProfile(queue=(2.0, 8.0), median=120.0, sigma=0.4, low=60.0, high=300.0)
IMAGE = DurationProfile(queue=(1.0, 4.0), median=20.0, sigma=0.35, low=10.0, high=40.0)
AUDIO = DurationProfile(queue=(1.0, 3.0), median=15.0, sigma=0.3, low=10.0, high=30.0)
ELEMENT = DurationProfile(queue=(2.0, 5.0), median=35.0, sigma=0.3, low=20.0, high=60.0)


@dataclass(frozen=True)
class KindSpec:
    """What a task kind produces and which concurrency pool it draws from.

    Attributes:
        result: the shape of `task_result` (`dubbed` = a video and its audio track; `voice` =
            a custom voice with an MP3 sample).
        pool: the concurrency pool (Kling counts video, image and virtual try-on packs
            separately, R §6).
        profile: the default duration profile.
    """

    result: ResultShape
    pool: str
    profile: DurationProfile


KINDS: dict[str, KindSpec] = {
    "text2video": KindSpec("video", "video", VIDEO),
    "image2video": KindSpec("video", "video", VIDEO),
    "multi_image2video": KindSpec("video", "video", VIDEO),
    "video_extend": KindSpec("video", "video", VIDEO),
    "lip_sync": KindSpec("video", "video", VIDEO),
    "advanced_lip_sync": KindSpec("video", "video", VIDEO),
    "effects": KindSpec("video", "video", VIDEO),
    "omni_video": KindSpec("video", "video", VIDEO),
    "motion_control": KindSpec("video", "video", VIDEO),
    "avatar_image2video": KindSpec("video", "video", VIDEO),
    "multi_image2image": KindSpec("image", "image", IMAGE),
    "image_expand": KindSpec("image", "image", IMAGE),
    "omni_image": KindSpec("image", "image", IMAGE),
    "image_generation": KindSpec("image", "image", IMAGE),
    "virtual_try_on": KindSpec("image", "virtual_try_on", IMAGE),
    "text_to_audio": KindSpec("audio", "audio", AUDIO),
    "video_to_audio": KindSpec("dubbed", "audio", AUDIO),
    "advanced_custom_element": KindSpec("element", "element", ELEMENT),
    "custom_voice": KindSpec("voice", "element", ELEMENT),
}
"""Every `x-kling-kind` of the spec (a test keeps the two in step)."""


@dataclass(frozen=True)
class Timeline:
    """When a task changes state, Unix seconds; `outcome` is its terminal status."""

    created: float
    started: float
    finished: float
    outcome: Outcome

    def status_at(self, now: float) -> str:
        """The task's status at `now`."""
        if now < self.started:
            return "submitted"
        if now < self.finished:
            return "processing"
        return self.outcome

    def updated_at(self, now: float) -> float:
        """The time of the last status change at or before `now`."""
        if now < self.started:
            return self.created
        if now < self.finished:
            return self.started
        return self.finished

    def is_active(self, now: float) -> bool:
        """Whether the task still holds concurrency (submitted or processing)."""
        return now < self.finished


def plan_timeline(
    profile: DurationProfile, created: float, seed: int, task_id: str, outcome: Outcome
) -> Timeline:
    """Draw a task's timeline; the same seed and task id give the same timeline."""
    queued, running = profile.sample(random.Random(f"{seed}:{task_id}"))
    return Timeline(created, created + queued, created + queued + running, outcome)

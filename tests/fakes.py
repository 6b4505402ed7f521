"""Hand-written fakes for the hearing side, recording what they were given."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np

from voicecoach.audio.source import SAMPLE_RATE
from voicecoach.bench.spoken_user import ScriptedUser
from voicecoach.hearing.recognizer import Hypothesis

CHUNK = 800  # 50 ms at 16 kHz


class ScriptedRecognizer:
    """Gives out prepared hypotheses, one list per chunk fed; records what it was fed."""

    name = "scripted"
    endpoint_silence_s = 1.0

    def __init__(self, per_chunk: Iterable[list[Hypothesis]], at_finish: list[Hypothesis] = ()):  # type: ignore[assignment]
        self.per_chunk = list(per_chunk)
        self.at_finish = list(at_finish)
        self.fed_samples = 0
        self.resets = 0
        self.finished = 0

    def accept(self, samples: np.ndarray) -> list[Hypothesis]:
        self.fed_samples += len(samples)
        return self.per_chunk.pop(0) if self.per_chunk else []

    def finish(self) -> list[Hypothesis]:
        self.finished += 1
        out, self.at_finish = self.at_finish, []
        return out

    def reset(self) -> None:
        self.resets += 1


def partial(text: str, confidence: float = 1.0) -> Hypothesis:
    return Hypothesis(text, final=False, confidence=confidence, speech_end_s=None)


def final(text: str, end: float = 0.5, confidence: float = 1.0) -> Hypothesis:
    return Hypothesis(text, final=True, confidence=confidence, speech_end_s=end)


def silence(chunks: int = 1) -> np.ndarray:
    return np.zeros(CHUNK * chunks, dtype=np.int16)


class TypedRecognizer:
    """Hears the scripted user as if their lines were typed: each line's words, as a final
    result, once the stream has passed the end of them (`deaf`: never). `heard_at` adds words
    nobody said, at stream seconds. Counts time from the samples fed: a fake clock."""

    name = "typed"
    endpoint_silence_s = 0.5

    def __init__(self, user: ScriptedUser, deaf: bool = False,
                 heard_at: dict[float, str] | None = None) -> None:
        self.user, self.deaf = user, deaf
        self.heard_at = dict(heard_at or {})
        self.fed_samples = 0
        self._heard = 0  # of user.said

    def accept(self, samples: np.ndarray) -> list[Hypothesis]:
        self.fed_samples += len(samples)
        now = self.fed_samples / SAMPLE_RATE
        out = []
        while self._heard < len(self.user.said) and now >= self.user.said[self._heard].end_s:
            said = self.user.said[self._heard]
            self._heard += 1
            if not self.deaf:
                out.append(final(self.user.script[said.line].text, said.end_s))
        for at in [at for at in self.heard_at if now >= at]:
            out.append(final(self.heard_at.pop(at), at))
        return out

    def finish(self) -> list[Hypothesis]:
        return []

    def reset(self) -> None:
        self.fed_samples = 0


def running_threads(name: str) -> list[threading.Thread]:
    """The live threads called `name`: what a part has started and not yet joined."""
    return [thread for thread in threading.enumerate()
            if thread.name == name and thread.is_alive()]

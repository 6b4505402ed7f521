"""Hand-written fakes for the hearing side, recording what they were given."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

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

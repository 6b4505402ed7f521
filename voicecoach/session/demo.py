"""`voicecoach demo`: a scripted user, in a voice other than the coach's, talks to the real
pipeline (recogniser -> engine -> speech) on stream time, with no microphone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS, Voice, synthesize

BLOCK = SAMPLE_RATE // 20
USER_VOICE = Voice("en-us+f2", 140)  # the coach speaks through pyttsx3's default voice


@dataclass(frozen=True)
class Line:
    after_s: float  # seconds after the previous line ended (or the start)
    text: str


# "pause" comes while the coach is still reading the introduction: a barge-in.
DEMO_SCRIPT: tuple[Line, ...] = (
    Line(0.5, "start glutes"),
    Line(5.0, "pause"),
    Line(3.0, "repeat"),
    Line(6.0, "resume"),
    Line(20.0, "slower"),
    Line(8.0, "next"),
    Line(12.0, "that hurts"),
    Line(8.0, "stop"),
)


class ScriptedUser:
    """An audio source: a quiet room, and the scripted lines spoken at their moments."""

    def __init__(self, script: Sequence[Line], voice: Voice = USER_VOICE, tail_s: float = 4.0,
                 seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)
        track: list[Samples] = []
        self.spoken_at: list[tuple[float, str]] = []
        position = 0
        for line in script:
            gap = round(line.after_s * SAMPLE_RATE)
            track.append(np.zeros(gap, dtype=np.int16))
            position += gap
            speech = synthesize(line.text, voice)
            self.spoken_at.append((position / SAMPLE_RATE, line.text))
            track.append(speech)
            position += len(speech)
        track.append(np.zeros(round(tail_s * SAMPLE_RATE), dtype=np.int16))
        self._track = np.concatenate(track)
        self._position = 0

    def read(self, timeout: float | None = None) -> Samples | None:
        if self._position >= len(self._track):
            return None
        chunk = self._track[self._position : self._position + BLOCK].astype(np.float64)
        self._position += BLOCK
        chunk += self._rng.normal(0.0, NOISE_FLOOR_RMS, len(chunk))  # no mic is silent
        return np.clip(chunk, -32768, 32767).astype(np.int16)

    def close(self) -> None:
        pass

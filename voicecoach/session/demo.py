"""`voicecoach demo`: a scripted user, in a voice other than the coach's, talks to the real
pipeline (recogniser -> engine -> speech) on stream time, with no microphone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS, Voice, synthesize

BLOCK = SAMPLE_RATE // 20
# espeak-ng, always: the coach speaks with Piper's joe (a man's neural voice), so the two are
# easy to tell apart in demo-conversation.wav, and the user stays the same if the coach falls
# back to pyttsx3.
USER_VOICE = Voice("en-us+f2", 140)


@dataclass(frozen=True)
class Line:
    after_s: float  # seconds of waiting before saying it
    text: str
    over_the_coach: bool = False  # False: wait until the coach has been quiet for after_s


# "pause" comes while the coach is still reading the introduction: a barge-in. Everything else
# waits politely for the coach to finish, as a person would (the safety brief included).
DEMO_SCRIPT: tuple[Line, ...] = (
    Line(0.5, "start glutes"),
    Line(1.0, "yes i'm okay to continue"),  # the safety brief, read on a first run
    Line(6.0, "pause", over_the_coach=True),
    Line(1.5, "repeat"),
    Line(1.5, "resume"),
    Line(5.0, "slower"),
    Line(3.0, "next"),
    Line(6.0, "that hurts"),
    Line(3.0, "stop"),
)


class ScriptedUser:
    """An audio source: a quiet room, and the scripted lines spoken when their moment comes.

    `coach_speaking()` tells whether the coach is talking at the current block, so the user can
    wait for a pause in the coach's speech like a person would."""

    def __init__(self, script: Sequence[Line], coach_speaking: Callable[[], bool],
                 voice: Voice = USER_VOICE, tail_s: float = 3.0, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)
        self._script = list(script)
        self._speech = [synthesize(line.text, voice) for line in self._script]
        self._coach_speaking = coach_speaking
        self._waited = 0  # samples waited for the next line
        self._current: Samples | None = None
        self._tail = round(tail_s * SAMPLE_RATE)

    def read(self, timeout: float | None = None) -> Samples | None:
        block = np.zeros(BLOCK, dtype=np.float64)
        if self._current is None and self._script:
            line = self._script[0]
            quiet = line.over_the_coach or not self._coach_speaking()
            self._waited = self._waited + BLOCK if quiet else 0
            if self._waited >= line.after_s * SAMPLE_RATE:
                self._script.pop(0)
                self._current = self._speech.pop(0)
                self._waited = 0
        if self._current is not None:
            part = self._current[:BLOCK]
            block[: len(part)] += part
            self._current = self._current[BLOCK:] if len(self._current) > BLOCK else None
        elif not self._script:
            if self._tail <= 0:
                return None
            self._tail -= BLOCK
        block += self._rng.normal(0.0, NOISE_FLOOR_RMS, BLOCK)  # no microphone is silent
        return np.clip(block, -32768, 32767).astype(np.int16)

    def close(self) -> None:
        pass

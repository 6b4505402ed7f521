"""Recording the user's enrollment clips from a live source: ask for a phrase, cut the
utterance out of the stream with PocketSphinx's endpointer, check it, ask again if it will not do.

Time is the stream's (samples read / 16 000), never the wall clock, so a recorded or synthetic
source is heard exactly as a microphone would deliver it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..audio.source import SAMPLE_RATE, AudioSource, Samples
from .enrollment_clips import ClipProblem, clip_problem

# What enrollment asks for, about a minute in all at two takes each. The words that protect the
# user come first (a missed "stop" or "that hurts" costs most); then the commands of a running
# step, the answers, the sides and a start. Together they hold most of English's vowels and
# many consonants in the coach's own words, which is what a global MLLR transform learns from.
PHRASES: tuple[str, ...] = (
    "stop", "pause", "that hurts", "resume", "next", "go back", "repeat", "slower",
    "lighter", "yes", "no", "left", "right", "start glutes",
)
REPEATS = 2
LISTEN_SECONDS = 8.0  # waiting for the user to begin
MAX_UTTERANCE_SECONDS = 5.0  # a phrase longer than this is not the phrase
TRIES = 3  # takes of one phrase before it is skipped
_ADVICE = {
    ClipProblem.NOTHING_HEARD: "nothing heard: say it again, clearly",
    ClipProblem.TOO_QUIET: "too quiet: say it again a little louder, or move closer",
    ClipProblem.CLIPPED: "too loud, the microphone clipped: say it again a little softer, or "
                         "turn the input level down",
}


class SourceEnded(Exception):
    """The source ran out (a file's end, a closed microphone) before anything was said."""


def _endpointer() -> Any:
    import pocketsphinx

    # STRICT, as the recogniser: looser modes take a quiet room for speech.
    return pocketsphinx.Endpointer(window=0.3, ratio=0.9, vad_mode=pocketsphinx.Vad.STRICT)


class UtteranceCutter:
    """Feeds audio to the endpointer and hands back each utterance once its speech ends."""

    def __init__(self) -> None:
        self._endpointer = _endpointer()
        self._frame_bytes: int = self._endpointer.frame_bytes
        self._pending = bytearray()
        self._speech = bytearray()
        self.seconds_fed = 0.0

    @property
    def in_speech(self) -> bool:
        return bool(self._endpointer.in_speech)

    @property
    def speech_seconds(self) -> float:
        return len(self._speech) / 2 / SAMPLE_RATE

    def feed(self, samples: Samples) -> Samples | None:
        self._pending += samples.astype("<i2").tobytes()
        self.seconds_fed += len(samples) / SAMPLE_RATE
        while len(self._pending) >= self._frame_bytes:
            frame = bytes(self._pending[: self._frame_bytes])
            del self._pending[: self._frame_bytes]
            speech = self._endpointer.process(frame)
            if speech is not None:
                self._speech += speech
                if not self._endpointer.in_speech:
                    return self._take()
        return None

    def flush(self) -> Samples | None:
        """What was being said when the stream ended, if anything."""
        if self._endpointer.in_speech and self._pending:
            tail = self._endpointer.end_stream(bytes(self._pending))
            if tail is not None:
                self._speech += tail
        self._pending.clear()
        return self._take() if self._speech else None

    def _take(self) -> Samples:
        utterance = np.frombuffer(bytes(self._speech), dtype="<i2").astype(np.int16)
        self._speech.clear()
        return utterance


def record_utterance(
    source: AudioSource,
    listen_seconds: float = LISTEN_SECONDS,
    max_seconds: float = MAX_UTTERANCE_SECONDS,
) -> Samples | None:
    """The next thing said on `source`, or None if nobody began within `listen_seconds`. An
    utterance running past `max_seconds` is cut there; SourceEnded if the source runs out
    before anything is said."""
    cutter = UtteranceCutter()
    while True:
        chunk = source.read(timeout=1.0)
        if chunk is None:
            tail = cutter.flush()
            if tail is None:
                raise SourceEnded
            return tail
        utterance = cutter.feed(chunk)
        if utterance is not None:
            return utterance
        if cutter.in_speech and cutter.speech_seconds >= max_seconds:
            return cutter.flush()
        if not cutter.in_speech and cutter.seconds_fed >= listen_seconds:
            return None


@dataclass(frozen=True)
class Take:
    phrase: str
    number: int  # 1-based: which take of the phrase this is
    of: int


def enroll_from(
    source: AudioSource,
    ask: Callable[[Take], None],
    tell: Callable[[str], None],
    phrases: Sequence[str] = PHRASES,
    repeats: int = REPEATS,
    listen_seconds: float = LISTEN_SECONDS,
) -> list[tuple[str, Samples]]:
    """Asks for each phrase `repeats` times and returns the good takes as (phrase, audio).
    A take that is too quiet, clipped or unheard is asked for again, up to TRIES times. If the
    source ends, the takes so far are returned."""
    examples: list[tuple[str, Samples]] = []
    try:
        _take_all(source, ask, tell, phrases, repeats, listen_seconds, examples)
    except SourceEnded:
        tell("the audio ended before enrollment did: keeping the takes so far")
    return examples


def _take_all(
    source: AudioSource,
    ask: Callable[[Take], None],
    tell: Callable[[str], None],
    phrases: Sequence[str],
    repeats: int,
    listen_seconds: float,
    examples: list[tuple[str, Samples]],
) -> None:
    for phrase in phrases:
        for number in range(1, repeats + 1):
            for attempt in range(1, TRIES + 1):
                ask(Take(phrase, number, repeats))
                audio = record_utterance(source, listen_seconds)
                problem = ClipProblem.NOTHING_HEARD if audio is None else clip_problem(audio)
                if problem is None and audio is not None:
                    examples.append((phrase, audio))
                    break
                if attempt < TRIES:
                    tell(_ADVICE[problem or ClipProblem.NOTHING_HEARD])
                else:
                    tell(f"{problem}: leaving this take of {phrase!r} out")

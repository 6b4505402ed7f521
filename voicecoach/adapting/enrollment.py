"""Recording the user's enrollment clips from a live source: ask for a phrase, cut the
utterance out of the stream with PocketSphinx's endpointer, check it, ask again if it will not do.
Then a few ordinary sentences read aloud (`ordinary_speech.py`), so that the verifier learns what
the user's other talk sounds like too.

Time is the stream's (samples read / 16 000), never the wall clock, so a recorded or synthetic
source is heard exactly as a microphone would deliver it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..audio.clip_folders import ClipProblem, clip_problem
from ..audio.source import SAMPLE_RATE, AudioSource, Samples
from ..hearing.ordinary_speech import SENTENCES, transcript_of

# What enrollment asks for, about a minute in all at two takes each. The words that protect the
# user come first (a missed "stop" or "that hurts" costs most); then the commands of a running
# step, the answers, the sides and a start. Together they hold most of English's vowels and
# many consonants in the coach's own words, which is what a global MLLR transform learns from.
PHRASES: tuple[str, ...] = (
    "stop", "pause", "that hurts", "resume", "next", "go back", "repeat", "slower",
    "lighter", "yes", "no", "left", "right", "start glutes",
)
REPEATS = 2
LISTEN_S = 8.0  # waiting for the user to begin
MAX_UTTERANCE_S = 5.0  # a phrase longer than this is not the phrase
TRIES = 3  # takes of one phrase before it is skipped
# A sentence read aloud: the reader may pause at a comma, so it ends only after a longer pause.
MAX_READING_S = 15.0
READING_PAUSE_S = 1.0  # quiet after the last word: the reading is over
MIN_READING_S = 1.2  # shorter than this, a word or two of the sentence was heard
_ADVICE = {
    ClipProblem.NOTHING_HEARD: "nothing heard: say it again, clearly",
    ClipProblem.TOO_QUIET: "too quiet: say it again a little louder, or move closer",
    ClipProblem.CLIPPED: "too loud, the microphone clipped: say it again a little softer, or "
                         "turn the input level down",
    ClipProblem.PART_HEARD: "only part of it was heard: read the whole sentence, then wait a "
                            "moment",
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
    listen_seconds: float = LISTEN_S,
    max_seconds: float = MAX_UTTERANCE_S,
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


def record_reading(
    source: AudioSource,
    listen_seconds: float = LISTEN_S,
    max_seconds: float = MAX_READING_S,
    pause_seconds: float = READING_PAUSE_S,
) -> Samples | None:
    """A sentence read aloud on `source`: its utterances joined until the reader has been quiet
    for `pause_seconds`, or it has run `max_seconds`. None if nobody began within
    `listen_seconds`; SourceEnded if the source runs out before anything is said."""
    cutter = UtteranceCutter()
    parts: list[Samples] = []
    heard_until = 0.0  # stream seconds: when the last utterance was handed back
    while True:
        chunk = source.read(timeout=1.0)
        if chunk is None:
            tail = cutter.flush()
            if tail is not None:
                parts.append(tail)
            if not parts:
                raise SourceEnded
            break
        utterance = cutter.feed(chunk)
        if utterance is not None:
            parts.append(utterance)
            heard_until = cutter.seconds_fed
        elif cutter.in_speech:
            if sum(map(len, parts)) / SAMPLE_RATE + cutter.speech_seconds >= max_seconds:
                tail = cutter.flush()
                parts += [tail] if tail is not None else []
                break
        elif parts and cutter.seconds_fed - heard_until >= pause_seconds:
            break
        elif not parts and cutter.seconds_fed >= listen_seconds:
            return None
    return np.concatenate(parts)


@dataclass(frozen=True)
class Take:
    phrase: str
    number: int  # 1-based: which take of the phrase this is
    of: int
    reading: bool = False  # a sentence read aloud, not a command said


def enroll_from(
    source: AudioSource,
    ask: Callable[[Take], None],
    tell: Callable[[str], None],
    phrases: Sequence[str] = PHRASES,
    repeats: int = REPEATS,
    listen_seconds: float = LISTEN_S,
    sentences: Sequence[str] = SENTENCES,
) -> list[tuple[str, Samples]]:
    """Asks for each phrase `repeats` times, then for each sentence to be read once, and
    returns the good takes as (transcript, audio); a sentence's transcript is its words without
    punctuation. A take that is too quiet, clipped or unheard is asked for again, up to TRIES
    times. If the source ends, the takes so far are returned."""
    examples: list[tuple[str, Samples]] = []
    takes = [Take(phrase, number, repeats) for phrase in phrases
             for number in range(1, repeats + 1)]
    takes += [Take(sentence, 1, 1, reading=True) for sentence in sentences]
    try:
        for take in takes:
            _take_one(source, ask, tell, take, listen_seconds, examples)
    except SourceEnded:
        tell("the audio ended before enrollment did: keeping the takes so far")
    return examples


def _take_one(
    source: AudioSource,
    ask: Callable[[Take], None],
    tell: Callable[[str], None],
    take: Take,
    listen_seconds: float,
    examples: list[tuple[str, Samples]],
) -> None:
    for attempt in range(1, TRIES + 1):
        ask(take)
        if take.reading:
            audio = record_reading(source, listen_seconds)
        else:
            audio = record_utterance(source, listen_seconds)
        problem = _problem(audio, take)
        if problem is None and audio is not None:
            examples.append((transcript_of(take.phrase) if take.reading else take.phrase, audio))
            return
        if attempt < TRIES:
            tell(_ADVICE[problem or ClipProblem.NOTHING_HEARD])
        else:
            what = "this sentence" if take.reading else f"this take of {take.phrase!r}"
            tell(f"{problem}: leaving {what} out")


def _problem(audio: Samples | None, take: Take) -> ClipProblem | None:
    if audio is None:
        return ClipProblem.NOTHING_HEARD
    problem = clip_problem(audio)
    if problem is None and take.reading and len(audio) < MIN_READING_S * SAMPLE_RATE:
        return ClipProblem.PART_HEARD
    return problem

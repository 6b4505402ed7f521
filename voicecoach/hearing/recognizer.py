"""The shape every recogniser has: audio in, hypotheses out, on a clock counted in samples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..audio.source import SAMPLE_RATE, Samples
from ..core.grammar import CommandGrammar

REJECTED = ""  # the text of a hypothesis the recogniser judged not to be a command


@dataclass(frozen=True)
class Hypothesis:
    text: str  # grammar words, normalised; REJECTED for out-of-grammar speech
    final: bool  # False: a partial result of an utterance still going on
    confidence: float  # 0..1
    speech_end_s: float | None  # stream seconds at which the last word ended, when known
    speech_start_s: float | None = None  # stream seconds at which the speech began, when known
    # Other sentences the recogniser found in the same speech (keyword spotting): more
    # proposals for the verifier to choose among. Empty for partial results.
    alternatives: tuple[str, ...] = ()


class Recognizer(Protocol):
    name: str
    # How much silence the recogniser waits for before it closes an utterance by itself:
    # acting on a partial result only pays when the listener can be surer sooner than this.
    endpoint_silence_s: float

    def accept(self, samples: Samples) -> list[Hypothesis]:
        """Feed the next chunk; returns the partial and final results it produced."""

    def finish(self) -> list[Hypothesis]:
        """End the utterance in progress now (the stream ended, or the listener acts early)
        and return its final result; the rest of that utterance's audio is then ignored."""

    def reset(self) -> None:
        """Forget the utterance in progress (after acting on it early)."""


@runtime_checkable
class NarrowableRecognizer(Recognizer, Protocol):
    """A recogniser that can listen for a subset of the grammar (the coach's current state)."""

    def listen_for(self, grammar: CommandGrammar) -> None:
        """From the next utterance on, hear only `grammar`'s sentences (a `narrowed` one)."""


class StreamClock:
    """Stream time: samples fed so far / sample rate. Deterministic, unlike the wall clock."""

    def __init__(self) -> None:
        self.samples = 0

    def add(self, count: int) -> None:
        self.samples += count

    @property
    def seconds(self) -> float:
        return self.samples / SAMPLE_RATE

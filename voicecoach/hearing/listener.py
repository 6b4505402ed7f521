"""From hypotheses to decisions: act on a partial result when the grammar says nothing longer
could follow it ("pause", "stop"), otherwise on the final result; never twice per utterance."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..audio.source import Samples
from ..core.grammar import CommandGrammar
from ..core.intents import Command
from .recognizer import REJECTED, Hypothesis, Recognizer, StreamClock

# A partial result must stay the same for this much audio before we act on it: the first
# syllable of "start" briefly looks like "stop", and "marvin went..." like "harder" until the
# next word arrives. Vosk's endpoint waits 0.5-1 s of silence, so acting after 0.3 s still gains.
EARLY_STABLE_SECONDS = 0.3


@dataclass(frozen=True)
class Decision:
    text: str  # what was recognised ("" when the speech was rejected)
    command: Command | None  # None: not a command; nothing should change
    confidence: float
    speech_end_s: float | None  # stream seconds, when the recogniser knows
    decided_s: float  # stream seconds of audio consumed when the decision was taken
    early: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "intent": self.command.intent.value if self.command else None,
            "slots": dict(self.command.slots) if self.command else {},
            "confidence": round(self.confidence, 3),
            "speech_end_s": None if self.speech_end_s is None else round(self.speech_end_s, 3),
            "decided_s": round(self.decided_s, 3),
        }


@dataclass
class CommandListener:
    """Acting early means asking the recogniser to end the utterance now: its final result
    then carries a real confidence and goes through the same rejection as any other."""

    recognizer: Recognizer
    grammar: CommandGrammar
    early: bool = True  # act on complete, unextendable partial results
    clock: StreamClock = field(default_factory=StreamClock)
    _partial_text: str = ""
    _partial_since: float = 0.0

    def feed(self, samples: Samples) -> list[Decision]:
        self.clock.add(len(samples))
        return self._decide(self.recognizer.accept(samples))

    def finish(self) -> list[Decision]:
        return self._decide(self.recognizer.finish())

    def restart(self) -> None:
        """A new stream (the next input file): the clock and the recogniser start afresh."""
        self.recognizer.reset()
        self.clock = StreamClock()
        self._partial_text = ""

    def _decide(self, hypotheses: list[Hypothesis], early: bool = False) -> list[Decision]:
        decisions: list[Decision] = []
        for hypothesis in hypotheses:
            if hypothesis.final:
                self._partial_text = ""
                decisions.append(self._decision(hypothesis, early))
            elif self._ready_early(hypothesis):
                self._partial_text = ""
                decisions += self._decide(self.recognizer.finish(), early=True)
                break  # what else came with this chunk belonged to the utterance just closed
        return decisions

    def _ready_early(self, hypothesis: Hypothesis) -> bool:
        if hypothesis.text != self._partial_text:
            self._partial_text = hypothesis.text
            self._partial_since = self.clock.seconds
            return False
        stable = self.clock.seconds - self._partial_since >= EARLY_STABLE_SECONDS - 1e-9
        return self.acts_early and stable and self.grammar.can_decide_early(hypothesis.text)

    @property
    def acts_early(self) -> bool:
        """Early only when it is earlier: PocketSphinx's own endpoint comes as soon as we
        could be sure, so there acting on partials would add mistakes and gain nothing."""
        return self.early and self.recognizer.endpoint_silence_s > EARLY_STABLE_SECONDS

    def _decision(self, hypothesis: Hypothesis, early: bool) -> Decision:
        command = self.grammar.parse(hypothesis.text) if hypothesis.text != REJECTED else None
        return Decision(
            text=hypothesis.text,
            command=command,
            confidence=hypothesis.confidence,
            speech_end_s=hypothesis.speech_end_s,
            decided_s=self.clock.seconds,
            early=early,
        )

"""From hypotheses to decisions: act on a partial result when the grammar says nothing longer
could follow it ("pause", "stop"), otherwise on the final result; never twice per utterance.

The listener hears only what makes sense in the coach's current state (`listen_for`): the
recogniser is narrowed to that state's sentences when it can be, and anything else is not a
command. With a verifier, each final result is only a proposal: the utterance's audio is
checked, and the listener acts only when the verifier agrees (or, for "that hurts", when two
of the recogniser's passes agree and the verifier hears no other command).
With a conditioner, every sample passes through it first (a noise floor, level control, a
clipping notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from ..audio.source import Samples
from ..core.grammar import CommandGrammar
from ..core.intents import Command, Intent
from ..core.vocabulary import Vocabulary, VocabularyState
from .recent_audio import RecentAudio
from .recognizer import REJECTED, Hypothesis, NarrowableRecognizer, Recognizer, StreamClock
from .spotted import Spotted
from .verification import Verifier

# A partial result must stay the same for this much audio before we act on it: the first
# syllable of "start" briefly looks like "stop", and "marvin went..." like "harder" until the
# next word arrives. Vosk's endpoint waits 0.5-1 s of silence, so acting after 0.3 s still gains.
EARLY_STABLE_S = 0.3
# The audio handed to the verifier: the utterance with this much room around it (the
# classifier was trained on speech cut this way).
BEFORE_SPEECH_S, AFTER_SPEECH_S = 0.3, 0.3
UNKNOWN_START_S = 1.5  # how far back an utterance may have begun when the recogniser can't say
# "Coach ... start glutes": the wake word said on its own addresses the command that begins
# within this many seconds of it (people pause after a name, and the endpointer ends it there).
WAKE_WORD_WAIT_S = 4.0
# The spotter and the recogniser hearing the same "that hurts": the spotter's window ends within
# this long of the utterance's end (its hits come 80 ms apart, the recogniser's end is found by
# a speech detector), and the command is acted on once.
SAME_UTTERANCE_S = 1.5
URGENT_INTENTS = frozenset({Intent.PAIN, Intent.STOP})  # what a spotter may hear


class Spotter(Protocol):
    """Hears urgent commands in the running audio, without an utterance's end
    (urgent_spotter.py)."""

    def feed(self, samples: Samples) -> list[Spotted]: ...

    def reset(self, start_s: float = 0.0) -> None:
        """Forget what was heard; the stream now stands at `start_s` seconds."""


class AudioConditioner(Protocol):
    def process(self, chunk: Samples) -> Samples:
        """As many samples as `chunk`, possibly a fixed delay late."""

    def flush(self) -> Samples:
        """What the delay still holds, at the end of a stream."""

    def reset(self) -> None: ...


@dataclass(frozen=True)
class Decision:
    text: str  # what was recognised ("" when the speech was rejected)
    command: Command | None  # None: not a command; nothing should change
    confidence: float
    speech_end_s: float | None  # stream seconds, when the recogniser knows
    decided_s: float  # stream seconds of audio consumed when the decision was taken
    early: bool = False
    # The verifier's probability for what it favoured; None: nothing checked.
    verified: float | None = None
    woke: bool = False  # the wake word alone: the next command, if it comes soon, is addressed
    # The command is heard for certain: the verifier singles it out among every command it
    # knows (`Verdict.unambiguous`), or none runs and the detector decides everything alone.
    # An answer to a safety question needs it.
    certain: bool = False
    spotted: bool = False  # heard by the urgent-word spotter, not the recogniser
    # Sure enough to act on while the coach is speaking; the spotter needs more there, since it
    # also hears what the echo canceller leaves of the coach's own "that hurts" and "stop".
    over_coach: bool = True

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "intent": self.command.intent.value if self.command else None,
            "slots": dict(self.command.slots) if self.command else {},
            "confidence": round(self.confidence, 3),
            "speech_end_s": None if self.speech_end_s is None else round(self.speech_end_s, 3),
            "decided_s": round(self.decided_s, 3),
            "verified": None if self.verified is None else round(self.verified, 3),
            **({"spotted": True} if self.spotted else {}),
        }


@dataclass
class CommandListener:
    """Acting early means asking the recogniser to end the utterance now: its final result
    then carries a real confidence and goes through the same rejection as any other."""

    recognizer: Recognizer
    grammar: CommandGrammar  # everything the coach understands
    early: bool = True  # act on complete, unextendable partial results
    clock: StreamClock = field(default_factory=StreamClock)
    verifier: Verifier | None = None
    conditioner: AudioConditioner | None = None
    spotter: Spotter | None = None
    _partial_text: str = ""
    _partial_since: float = 0.0
    _vocabulary: Vocabulary | None = None
    _hearing: CommandGrammar | None = None  # the grammar narrowed to the vocabulary
    _narrowed: dict[frozenset[Intent], CommandGrammar] = field(default_factory=dict)
    _recent: RecentAudio = field(default_factory=RecentAudio)
    _woken_at: float | None = None  # stream seconds: when the wake word alone was heard
    # Stream seconds each intent was last acted on, by the spotter or by the recogniser.
    _spotted_at: dict[Intent, float] = field(default_factory=dict)
    _decided_at: dict[Intent, float] = field(default_factory=dict)
    _spotting: bool = False  # the spotter runs: the coach acts on an urgent command it hears

    def __post_init__(self) -> None:
        self._spot_when_urgent(self._vocabulary)

    @property
    def hearing(self) -> CommandGrammar:
        """The sentences the listener acts on now."""
        return self._hearing or self.grammar

    def listen_for(self, vocabulary: Vocabulary | None) -> None:
        """Hear only `vocabulary`'s commands from now on (None: every command)."""
        if vocabulary == self._vocabulary:
            return
        self._vocabulary = vocabulary
        self._spot_when_urgent(vocabulary)
        hearing = None
        if vocabulary is not None:
            # By the intents alone: the engine's other rules (the wake word, answers waiting
            # for their question) change what it acts on, not what is heard.
            if vocabulary.intents not in self._narrowed:
                self._narrowed[vocabulary.intents] = self.grammar.narrowed(vocabulary)
            hearing = self._narrowed[vocabulary.intents]
        if hearing is self._hearing:
            return
        self._hearing = hearing
        if isinstance(self.recognizer, NarrowableRecognizer):
            self.recognizer.listen_for(self.hearing)

    def _spot_when_urgent(self, vocabulary: Vocabulary | None) -> None:
        """The spotter runs while a session is on, where the coach acts on an urgent command
        said on its own. Between sessions there is nothing to stop and no pressure to ease
        (the recogniser still hears "that hurts"), and `serve` may wait there all day: the
        spotter would spend a Raspberry Pi's CPU on nothing."""
        spotting = self.spotter is not None and (vocabulary is None or (
            vocabulary.state is not VocabularyState.IDLE and not vocabulary.addressed_only
            and bool(vocabulary.intents & URGENT_INTENTS)))
        if spotting and not self._spotting and self.spotter is not None:
            self.spotter.reset(self.clock.seconds)
        self._spotting = spotting

    def feed(self, samples: Samples) -> list[Decision]:
        if self.conditioner is not None:
            samples = self.conditioner.process(samples)
        return self._heard(samples)

    def _heard(self, samples: Samples) -> list[Decision]:
        self.clock.add(len(samples))
        self._recent.add(samples)
        spotted = self.spotter.feed(samples) if self.spotter and self._spotting else []
        return self._decide(self.recognizer.accept(samples)) + self._spotted(spotted)

    def finish(self) -> list[Decision]:
        decisions = [] if self.conditioner is None else self._heard(self.conditioner.flush())
        return decisions + self._decide(self.recognizer.finish())

    def restart(self) -> None:
        """A new stream (the next input file): the clock and the recogniser start afresh."""
        self.recognizer.reset()
        if self.conditioner is not None:
            self.conditioner.reset()
        self.clock = StreamClock()
        self._recent.clear()
        self._partial_text = ""
        self._woken_at = None
        self._spotted_at.clear()
        self._decided_at.clear()
        if self.spotter is not None:
            self.spotter.reset()

    def _decide(self, hypotheses: list[Hypothesis], early: bool = False) -> list[Decision]:
        decisions: list[Decision] = []
        for hypothesis in hypotheses:
            if hypothesis.final:
                self._partial_text = ""
                decision = self._decision(hypothesis, early)
                if decision is not None:
                    decisions.append(decision)
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
        stable = self.clock.seconds - self._partial_since >= EARLY_STABLE_S - 1e-9
        return self.acts_early and stable and self.hearing.can_decide_early(hypothesis.text)

    @property
    def acts_early(self) -> bool:
        """Early only when it is earlier: PocketSphinx's own endpoint comes as soon as we
        could be sure, so there acting on partials would add mistakes and gain nothing."""
        return self.early and self.recognizer.endpoint_silence_s > EARLY_STABLE_S

    def _decision(self, hypothesis: Hypothesis, early: bool) -> Decision | None:
        """None: the spotter heard this utterance's command already, and it was acted on."""
        proposals = self._proposals(hypothesis)
        command = proposals[0] if proposals and hypothesis.text != REJECTED else None
        verified = None
        certain = self.verifier is None
        if self.verifier is not None and proposals:
            verdict = self.verifier.verify(self._utterance(hypothesis), proposals, self.hearing,
                                           self._agreed(hypothesis))
            command = verdict.command
            verified = verdict.probability if verdict.checked else None
            certain = verdict.checked and verdict.unambiguous
        woke = command is None and self.hearing.wakes(hypothesis.text)
        if woke:
            self._woken_at = self.clock.seconds
        elif command is not None:
            command = self._addressed(command, hypothesis)
        if command is not None and self._spotted_already(command.intent, hypothesis):
            return None
        if command is not None:
            self._decided_at[command.intent] = self.clock.seconds
        return Decision(
            text=command.text if command is not None else hypothesis.text,
            command=command,
            confidence=hypothesis.confidence,
            speech_end_s=hypothesis.speech_end_s,
            decided_s=self.clock.seconds,
            early=early,
            verified=verified,
            woke=woke,
            certain=certain and command is not None,
        )

    def _spotted_already(self, intent: Intent, hypothesis: Hypothesis) -> bool:
        spotted = self._spotted_at.get(intent)
        if spotted is None:
            return False
        end = self.clock.seconds if hypothesis.speech_end_s is None else hypothesis.speech_end_s
        return abs(end - spotted) <= SAME_UTTERANCE_S

    def _spotted(self, spotted: Sequence[Spotted]) -> list[Decision]:
        """The spotter's hits the coach listens for now, in an utterance the recogniser has not
        acted on: not again if it heard the same command, and not at all if the verifier,
        judging the whole utterance, confirmed another ("next" is not "ouch")."""
        decisions: list[Decision] = []
        for hit in spotted:
            intent = Intent(hit.label)
            sentences = self.hearing.sentences_for(intent)
            heard_already = any(hit.at_s - decided <= SAME_UTTERANCE_S
                                for decided in self._decided_at.values())
            if not sentences or heard_already:
                continue
            command = self.hearing.parse(min(sentences, key=len))  # "ouch", "stop"
            if command is None:
                continue
            self._spotted_at[intent] = hit.at_s
            decisions.append(Decision(text=command.text, command=command,
                                      confidence=hit.probability, speech_end_s=hit.at_s,
                                      decided_s=self.clock.seconds, verified=hit.probability,
                                      spotted=True, over_coach=hit.over_coach))
        return decisions

    def _addressed(self, command: Command, hypothesis: Hypothesis) -> Command:
        """`command` as said after the wake word, when the wake word alone came just before."""
        woken_at, self._woken_at = self._woken_at, None
        wake = self.hearing.wake_word
        if command.addressed or woken_at is None or wake is None:
            return command
        began = hypothesis.speech_start_s
        if began is None:
            began = self.clock.seconds - UNKNOWN_START_S
        if began - woken_at > WAKE_WORD_WAIT_S:
            return command
        return replace(command, addressed=True, text=f"{wake} {command.text}")

    def _proposals(self, hypothesis: Hypothesis) -> list[Command]:
        """The commands the recogniser proposes, best first, each once; the alternatives
        only count when a verifier will check them."""
        texts: Sequence[str] = [hypothesis.text] if hypothesis.text != REJECTED else []
        if self.verifier is not None:
            texts = [*texts, *hypothesis.alternatives]
        proposals: dict[tuple[object, ...], Command] = {}
        for text in texts:
            command = self.hearing.parse(text)
            if command is not None:
                proposals.setdefault(_key(command), command)
        return list(proposals.values())

    def _agreed(self, hypothesis: Hypothesis) -> list[Command]:
        """The recogniser's confident transcript, when it has one: the grammar's best sentence,
        heard again by another of its passes (the best single word or keyword spotting, which
        hear the utterance with the room around it). One pass alone snaps any speech onto a
        command: trusted alone, it took twice as many near-misses for "that hurts" (see
        verification.py)."""
        best = self.hearing.parse(hypothesis.text) if hypothesis.text != REJECTED else None
        if best is None:
            return []
        again = (self.hearing.parse(text) for text in hypothesis.alternatives)
        if any(found is not None and _same_command(found, best) for found in again):
            return [best]
        return []

    def _utterance(self, hypothesis: Hypothesis) -> Samples:
        now = self.clock.seconds
        end = now if hypothesis.speech_end_s is None else hypothesis.speech_end_s
        start = hypothesis.speech_start_s
        if start is None or start >= end:
            start = end - UNKNOWN_START_S
        return self._recent.between(start - BEFORE_SPEECH_S, min(now, end + AFTER_SPEECH_S))


def _key(command: Command) -> tuple[object, ...]:
    return (command.intent, tuple(sorted(command.slots.items())))


def _same_command(one: Command, other: Command) -> bool:
    """The same intent and slots, however it was said ("ouch" and "that hurts" are one)."""
    return _key(one) == _key(other)

"""Propose, then verify: a recogniser proposes commands, a classifier on speech embeddings
checks the utterance's audio, and the coach acts only when the two agree.

The recogniser (a grammar snaps any speech onto its nearest sentence; keyword spotting fires
on anything close) is good at *which* command and poor at *whether* one was said; the
classifier, trained on thousands of synthetic commands and other words, is the other way round.

Each intent has its own threshold, set from what a mistake costs: a missed "that hurts" or
"stop" costs far more than a stray "pause" (one "resume" undoes it), and a false "stop" ends the
session, so it needs more evidence than "pause" but less than an ordinary command would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..audio.source import Samples
from ..core.grammar import CommandGrammar
from ..core.intents import Command, Intent
from .command_classifier import label_for

if TYPE_CHECKING:
    from .command_classifier import CommandClassifier

# The classifier's probability a proposal's label needs (the highest among the commands the
# state allows, and at least this). Chosen from the measured costs above; see benchmarks/.
DEFAULT_THRESHOLD = 0.5
THRESHOLDS: Mapping[Intent, float] = {
    Intent.PAIN: 0.25,  # a false one only eases the pressure; a missed one hurts
    Intent.PAUSE: 0.3,  # a false one costs a "resume"
    Intent.STOP: 0.35,  # missed, the user is stuck; false, the session ends (and can restart)
    Intent.YES: 0.4,
    Intent.NO: 0.4,
}


@dataclass(frozen=True)
class Verdict:
    command: Command | None  # the proposal confirmed, or None: act on nothing
    label: str  # the label the classifier favoured among what it was asked about
    probability: float  # its probability (0 when nothing was checked)
    checked: bool = True  # False: no classifier could judge it (the detector decided alone)


class Verifier(Protocol):
    def verify(self, audio: Samples, proposals: Sequence[Command],
               grammar: CommandGrammar) -> Verdict:
        """Which of `proposals` (best first) the utterance `audio` really is, if any; `grammar`
        holds the sentences that make sense now."""


class EmbeddingVerifier:
    def __init__(self, classifier: CommandClassifier,
                 thresholds: Mapping[Intent, float] = THRESHOLDS,
                 default_threshold: float = DEFAULT_THRESHOLD) -> None:
        self.classifier = classifier
        self._thresholds = dict(thresholds)
        self._default = default_threshold

    def threshold(self, intent: Intent) -> float:
        return self._thresholds.get(intent, self._default)

    def verify(self, audio: Samples, proposals: Sequence[Command],
               grammar: CommandGrammar) -> Verdict:
        if not proposals:
            return Verdict(None, "", 0.0, checked=False)
        trained = self.classifier.trained_sentences
        best = proposals[0]
        if best.text not in trained:
            # A sentence the classifier never learned (a user's new routine name, until
            # `voicecoach train` has run): the detector decides alone.
            return Verdict(best, label_for(best), 0.0, checked=False)
        known = set(self.classifier.labels)
        allowed = {
            label for sentence in grammar.sentences
            if (command := grammar.parse(sentence)) is not None
            and (label := label_for(command)) in known
        }
        probabilities = self.classifier.probabilities(audio, allowed)
        commands = {label: p for label, p in probabilities.items() if label in allowed}
        if not commands:
            return Verdict(None, "", 0.0)
        favoured = max(commands, key=lambda label: commands[label])
        for proposal in proposals:
            label = label_for(proposal)
            if label == favoured and commands[label] >= self.threshold(proposal.intent):
                return Verdict(proposal, label, commands[label])
        return Verdict(None, favoured, commands[favoured])

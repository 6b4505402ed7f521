"""Propose, then verify: a recogniser proposes commands, a classifier on speech embeddings
checks the utterance's audio, and the coach acts when the two agree, or, for "that hurts", when
the recogniser is sure and the classifier hears no other command in it, or, with a model whose
training chose lead ceilings, on the classifier's command alone when it is sure of it.

The recogniser (a grammar snaps any speech onto its nearest sentence; keyword spotting fires
on anything close) proposes; the classifier, trained on thousands of synthetic commands and
other words, judges which of the state's commands the audio sounds like, and whether it is
other speech. Each intent has its own ceiling on "other speech", set from what a mistake costs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..audio.source import Samples
from ..core.grammar import CommandGrammar
from ..core.intents import Command, Intent
from .command_classifier import OTHER, Floats, label_for
from .utterance import crop_utterance

if TYPE_CHECKING:
    from .command_classifier import CommandClassifier

# When the classifier agrees with a proposal: the proposal's label is the one it favours among
# the commands the state allows, with at least half of their probability, and the classifier's
# probability that the utterance is other speech at most this ceiling, per intent.
#
# The ceilings are that close to 1 because the classifier, trained on synthetic speech only, is
# far too sure that real voices are "other". On the shared Speech Commands recordings (each
# command in its state, the other words in four states), one ceiling for all gave: 0.99 -> 62%
# of commands understood, 5.2% of other words acted on; 1 - 1e-3 -> 72%, 7.1%; 1 - 1e-4 -> 77%,
# 9.8%; 1 - 1e-6 -> 80%, 15%; none -> 83%, 29%. These per-intent ceilings gave 77%, 8.1%.
# Chosen on those recordings (so these figures are a few points optimistic), by
# what a mistake costs: a missed "that hurts" or "stop" costs far more than a stray "pause" (one
# "resume" undoes it); a false "firmer" presses harder, so ordinary commands need more.
# A model's card may carry ceilings of its own (`ceilings_of`); these serve one that has none.
# Training does not choose them: chosen on synthetic held-out voices, they threw away real ones
# (training/ceilings.py).
DEFAULT_OTHER_CEILING = 1 - 1e-3
URGENT_INTENTS = frozenset({Intent.PAIN, Intent.STOP, Intent.PAUSE})
ANSWER_INTENTS = frozenset({Intent.YES, Intent.NO, Intent.RESUME, Intent.SIDE})
_URGENT, _ANSWERS = 1 - 1e-5, 1 - 1e-4
OTHER_CEILINGS: Mapping[Intent, float] = {
    **dict.fromkeys(URGENT_INTENTS, _URGENT), **dict.fromkeys(ANSWER_INTENTS, _ANSWERS)}
MIN_SHARE = 0.5  # of the allowed commands' probability

# Never throw away a "that hurts" that was heard right. The classifier calls most real voices
# "other" (in quiet rooms, real "stop", "ouch" and "that hurts" transcribed right were rejected
# at 0.0-0.09), and a missed "that hurts" is the worst mistake the coach can make. So for pain
# the recogniser's confident transcript is acted on unless the classifier is confident it is
# another command (one other command with at least MIN_SHARE of the commands' probability);
# "other speech" alone does not veto it. Confident: two of the recogniser's passes heard it
# alike (`agreed`: its grammar's best sentence, found again by the single-word or the
# keyword-spotting pass). A false "that hurts" costs a gentler step and a question.
# Chosen on synthetic speech only: held-out espeak-ng voices and Piper joe saying the 10 urgent
# sentences, and 40 near-misses of them ("couch", "hearts", "stomp"...: the hardest negatives)
# in four states, in quiet and over the first half in time of each shared noise recording.
# There the classifier already accepts most right transcripts, so little was gained (stop
# understood in noise 6 -> 7 of 24); near-misses acted on as "that hurts" rose 24 -> 39 of 943
# hearings in quiet (20 -> 22 of 534 in noise), as stop 43 -> 47 (9 -> 10), mostly "couch" as
# "ouch". Trusting the grammar pass alone, with no second pass agreeing, doubled that rise.
# Measured once on the shared Speech Commands recordings, with stop too: no command gained
# (stop 6 of 10 either way), other words acted on as stop 10 -> 13 of 960 hearings and as pain
# 9 -> 12, ordinary sentences 3 -> 4 of 370 (the new one a "stop"). A false stop ends the
# session, so stop is left to the classifier, as pause is (a stray pause is already the
# commonest false action, and a missed one costs little).
HEARD_RIGHT_INTENTS = frozenset({Intent.PAIN})
# When the recogniser proposes a command but heard the wrong one, the classifier often heard the
# right one: on Kokoro voices held out from training, in rooms with noise, reverberation and the
# coach's echo, the recogniser proposed the right command in 64% of utterances and the
# classifier favoured it in 73%; in 11-15% only the classifier had it, and was sure of it. So
# a command the recogniser did not propose is acted on ("led" by the classifier) when the
# classifier gives it at least LEAD_SHARE of the commands' probability and "other speech" at
# most its intent's lead ceiling, chosen by training (`leads_of`). Never a command that presses
# harder or hurries (a false one breaks what the coach said about pressure), and never in place
# of a "that hurts" or "stop" the recogniser heard.
LEAD_SHARE = 0.9
NEVER_LED = frozenset({Intent.FIRMER, Intent.FASTER})
NEVER_REPLACED = frozenset({Intent.PAIN, Intent.STOP})
# The room left around the speech when the utterance is cut again for the classifier (it was
# trained on 0.1-0.5 s before, 0-0.3 s after).
ROOM_BEFORE_S, ROOM_AFTER_S = 0.3, 0.05


def _per_intent(card: Mapping[str, object], key: str) -> dict[Intent, float] | None:
    """The card's ceilings under `key`, by intent (an intent set to None has none); None when
    the card has no such entry."""
    chosen = card.get(key)
    if not isinstance(chosen, Mapping):
        return None
    return {Intent(name): float(value) for name, value in chosen.items() if value is not None}


def leads_of(card: Mapping[str, object]) -> dict[Intent, float]:
    """The lead ceilings a model's training chose (its card's `lead_ceilings`; none: the
    classifier never leads)."""
    return _per_intent(card, "lead_ceilings") or {}


def ceilings_of(card: Mapping[str, object]) -> dict[Intent, float] | None:
    """The confirming ceilings a model's card carries (`other_ceilings`), or None for a model
    that has none."""
    return _per_intent(card, "other_ceilings")


@dataclass(frozen=True)
class Verdict:
    command: Command | None  # the proposal confirmed, or None: act on nothing
    label: str  # the label the classifier favoured among what it was asked about
    probability: float  # its probability (0 when nothing was checked)
    checked: bool = True  # False: no classifier could judge it (the detector decided alone)
    # The classifier, asked about every command it knows and not only the few this state
    # allows, favours the confirmed one too: what an answer to a safety question needs. Among
    # yes, no, stop and "that hurts", "slower" can sound most like yes, and "hold on" like no;
    # among every command, they sound like slower and pause.
    unambiguous: bool = False


class Verifier(Protocol):
    def verify(self, audio: Samples, proposals: Sequence[Command], grammar: CommandGrammar,
               agreed: Sequence[Command] = ()) -> Verdict:
        """Which of `proposals` (best first) the utterance `audio` really is, if any; `grammar`
        holds the sentences that make sense now; `agreed`: the proposals the recogniser is sure
        of (two of its passes heard them alike)."""


@dataclass(frozen=True)
class Judgement:
    """What the classifier made of one utterance, among the commands the state allows."""

    favoured: str  # the allowed command label it favours
    probability: float  # that label's probability
    share: float  # its share of the allowed commands' probability
    other: float  # the probability of other speech
    features: Floats


def confirmed(judgement: Judgement, proposals: Sequence[Command], agreed: Sequence[Command],
              other_ceiling: Callable[[Intent], float]) -> tuple[Command | None, bool]:
    """The proposal the judgement confirms (None: none), and whether the classifier confirmed
    it (False: the recogniser's confident transcript of a command heard right went through)."""
    for proposal in proposals:
        if (label_for(proposal) == judgement.favoured and judgement.share >= MIN_SHARE
                and judgement.other <= other_ceiling(proposal.intent)):
            return proposal, True
    for proposal in agreed:
        heard_as_another = (label_for(proposal) != judgement.favoured
                            and judgement.share >= MIN_SHARE)
        if proposal.intent in HEARD_RIGHT_INTENTS and not heard_as_another:
            return proposal, False
    return None, False


def led(judgement: Judgement, proposals: Sequence[Command],
        lead_ceiling: Callable[[Intent], float | None]) -> str | None:
    """The label the classifier leads to when no proposal was confirmed, or None."""
    intent = Intent(judgement.favoured.split(":")[0])
    ceiling = lead_ceiling(intent)
    if (ceiling is None or intent in NEVER_LED or judgement.share < LEAD_SHARE
            or judgement.other > ceiling):
        return None
    if any(p.intent in NEVER_REPLACED and p.intent is not intent for p in proposals):
        return None
    return judgement.favoured


class EmbeddingVerifier:
    def __init__(self, classifier: CommandClassifier,
                 ceilings: Mapping[Intent, float] = OTHER_CEILINGS,
                 default_ceiling: float = DEFAULT_OTHER_CEILING,
                 leads: Mapping[Intent, float] | None = None) -> None:
        self.classifier = classifier
        self._ceilings = dict(ceilings)
        self._default = default_ceiling
        self._leads = dict(leads or {})

    def other_ceiling(self, intent: Intent) -> float:
        return self._ceilings.get(intent, self._default)

    def lead_ceiling(self, intent: Intent) -> float | None:
        return self._leads.get(intent)

    def verify(self, audio: Samples, proposals: Sequence[Command], grammar: CommandGrammar,
               agreed: Sequence[Command] = ()) -> Verdict:
        if not proposals:
            return Verdict(None, "", 0.0, checked=False)
        best = proposals[0]
        if best.text not in self.classifier.trained_sentences:
            # A sentence the classifier never learned (a user's new routine name, until
            # `voicecoach train` has run): the detector decides alone.
            return Verdict(best, label_for(best), 0.0, checked=False)
        judgement = self.judge(audio, grammar)
        if judgement is None:
            return Verdict(None, "", 0.0)
        command, by_classifier = confirmed(judgement, proposals, agreed, self.other_ceiling)
        if command is None and (label := led(judgement, proposals, self.lead_ceiling)):
            command, by_classifier = _command_for(label, grammar), True
        # Heard right by the recogniser alone: never unambiguous, so an answer to a safety
        # question still needs the classifier.
        unambiguous = by_classifier and (
            self._favoured_among_all(judgement.features) == judgement.favoured)
        return Verdict(command, judgement.favoured, judgement.probability,
                       unambiguous=unambiguous)

    def judge(self, audio: Samples, grammar: CommandGrammar) -> Judgement | None:
        """The classifier's view of `audio` among `grammar`'s commands (None: it knows none
        of them)."""
        known = set(self.classifier.labels)
        allowed = {
            label for sentence in grammar.sentences
            if (command := grammar.parse(sentence)) is not None
            and (label := label_for(command)) in known
        }
        features = self.classifier.features(crop_utterance(audio, ROOM_BEFORE_S, ROOM_AFTER_S))
        probabilities = self.classifier.probabilities_of(features, allowed)
        commands = {label: p for label, p in probabilities.items() if label in allowed}
        if not commands:
            return None
        favoured = max(commands, key=lambda label: commands[label])
        share = commands[favoured] / (sum(commands.values()) or 1.0)
        return Judgement(favoured, commands[favoured], share, probabilities.get(OTHER, 0.0),
                         features)

    def _favoured_among_all(self, features: Floats) -> str | None:
        """The command label the classifier favours among all it knows, with at least half of
        their probability; None when none does."""
        everything = [label for label in self.classifier.labels if label != OTHER]
        commands = {label: p for label, p in
                    self.classifier.probabilities_of(features, everything).items()
                    if label != OTHER}
        favoured = max(commands, key=lambda label: commands[label])
        share = commands[favoured] / (sum(commands.values()) or 1.0)
        return favoured if share >= MIN_SHARE else None


def _command_for(label: str, grammar: CommandGrammar) -> Command | None:
    """The first of `grammar`'s sentences that says the command `label` names."""
    for sentence in grammar.sentences:
        command = grammar.parse(sentence)
        if command is not None and label_for(command) == label:
            return command
    return None

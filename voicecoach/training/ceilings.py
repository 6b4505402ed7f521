"""The verifier's lead ceilings, chosen per kind of command on the voices held out from
training, with the recogniser in the loop, by what a mistake costs.

The coach acts on a command the recogniser proposed when the classifier agrees, with the fixed
confirming ceilings on "other speech" (verification.py): ceilings chosen on synthetic held-out
voices did not carry over to real ones. The Kokoro-trained model with ceilings chosen on
Kokoro's choosing speakers with the recogniser in the loop (0.5-0.8) understood 31 of the 60
shared real recorded commands, where the same model with ceilings chosen on the classifier alone
(0.95 for urgent commands and answers) understood 47, and the shipped model with the fixed ones
48: a classifier trained on synthetic speech takes real voices for other speech. What training
chooses is where the classifier may lead: act on a command the
recogniser did not propose when the classifier is sure of it. A lead fires only when the
classifier is sure, so on a voice it hears less well it fires less, never more.

The held-out clips are heard as the coach hears them (the proposing recogniser, listening by
state, the new model verifying); each kind's lead may add at most its budget of false actions
(a command of the kind acted on in other speech, or in place of the command said) to what
confirming alone takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..audio.source import Samples
from ..core.grammar import CommandGrammar
from ..core.intents import Command, Intent
from ..core.vocabulary import OTHER_SPEECH_STATES, state_for, vocabulary_for
from ..hearing.backends import Backend
from ..hearing.command_classifier import CommandClassifier, label_for
from ..hearing.decisions import hear
from ..hearing.pipeline import HearingOptions, build_listener
from ..hearing.verification import (
    ANSWER_INTENTS,
    DEFAULT_OTHER_CEILING,
    OTHER_CEILINGS,
    URGENT_INTENTS,
    EmbeddingVerifier,
    Judgement,
    Verdict,
    confirmed,
    led,
)

# Lead ceilings tried (None: the classifier never leads to the kind's commands).
LEAD_TRIED = (None, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


@dataclass(frozen=True)
class Kind:
    name: str
    intents: frozenset[Intent]
    budget: float  # percent of held-out hearings its lead may add to false actions


# Budgets on the false actions a lead adds, of all the held-out hearings: the commands, and hard
# other speech (near-misses of the commands: "couch", "hearts", "stomp"; parts of them, common
# words and ordinary sentences, each heard in the four states the coach listens in most). A
# false "that hurts" costs a gentler step and a question, a false "yes" answers a safety
# question, a false ordinary command one more command.
KINDS = (
    Kind("urgent", URGENT_INTENTS, 0.5),
    Kind("answers", ANSWER_INTENTS, 0.25),
    Kind("others", frozenset(Intent) - URGENT_INTENTS - ANSWER_INTENTS, 0.5),
)


@dataclass(frozen=True)
class Asked:
    """One utterance the verifier was asked about: the recogniser's proposals (best first),
    those two of its passes agreed on, and what the classifier made of it (None: a sentence
    the classifier never learned, where the recogniser decides alone)."""

    proposals: tuple[Command, ...]
    agreed: tuple[Command, ...]
    judgement: Judgement | None


@dataclass(frozen=True)
class Hearing:
    """One held-out clip heard in one state."""

    expected: Command | None  # None: other speech
    asked: tuple[Asked, ...]


Ceiling = Callable[[Intent], float]
Lead = Callable[[Intent], float | None]


def _never_led(intent: Intent) -> float | None:
    return None


def acted_on(hearing: Hearing, ceiling_of: Ceiling, lead_of: Lead = _never_led) -> list[str]:
    """The commands (labels) the coach would act on in `hearing` with these ceilings."""
    acted: list[str] = []
    for asked in hearing.asked:
        if asked.judgement is None:
            acted.append(label_for(asked.proposals[0]))
            continue
        command, _ = confirmed(asked.judgement, asked.proposals, asked.agreed, ceiling_of)
        if command is not None:
            acted.append(label_for(command))
        elif (label := led(asked.judgement, asked.proposals, lead_of)) is not None:
            acted.append(label)
    return acted


class _Recorder(EmbeddingVerifier):
    """Asks the classifier as the coach's verifier would, keeps what it was asked and said,
    and acts on nothing (each clip is heard afresh, so acting changes nothing that follows)."""

    def __init__(self, classifier: CommandClassifier) -> None:
        super().__init__(classifier)
        self.asked: list[Asked] = []

    def verify(self, audio: Samples, proposals: Sequence[Command], grammar: CommandGrammar,
               agreed: Sequence[Command] = ()) -> Verdict:
        if proposals:
            judgement = None
            if proposals[0].text in self.classifier.trained_sentences:
                judgement = self.judge(audio, grammar)
                if judgement is None:  # it knows none of this state's commands
                    return Verdict(None, "", 0.0)
                judgement = replace(judgement, features=np.zeros(0, dtype=np.float32))
            self.asked.append(Asked(tuple(proposals), tuple(agreed), judgement))
        return Verdict(None, "", 0.0, checked=False)


def listen(classifier: CommandClassifier, grammar: CommandGrammar,
           clips: Sequence[tuple[Samples, str | None]],
           advance: Callable[[int], None] = lambda n: None) -> list[Hearing]:
    """Each clip (audio, the sentence said or None for other speech) heard by the coach's
    hearing (PocketSphinx proposing, as the coach listens by default) with `classifier`
    verifying: a command in the state that acts on it, other speech in each of the four
    states the coach listens in most."""
    listener = build_listener(grammar, HearingOptions(backend=Backend.POCKETSPHINX,
                                                      profile=False))
    recorder = _Recorder(classifier)
    listener.verifier = recorder
    heard: list[Hearing] = []
    for audio, sentence in clips:
        expected = None if sentence is None else grammar.parse(sentence)
        states = list(OTHER_SPEECH_STATES) if expected is None else [state_for(expected.intent)]
        for state in states:
            listener.listen_for(vocabulary_for(state))
            recorder.asked.clear()
            hear(listener, audio)
            heard.append(Hearing(expected, tuple(recorder.asked)))
        advance(1)
    listener.listen_for(None)
    return heard


def _understood(acted: Sequence[str], expected: Command) -> bool:
    return list(acted) == [label_for(expected)]


def _intent_of(label: str) -> Intent:
    return Intent(label.split(":")[0])


def figures(heard: Sequence[Hearing], kind: Kind, ceiling_of: Ceiling,
            lead_of: Lead = _never_led) -> tuple[float, float]:
    """(this kind's commands understood, % of them; false actions of this kind, % of all
    hearings). A false action is a command of the kind acted on in other speech, or in place
    of the command that was said: in a session both do what the user did not ask."""
    own = understood = false = 0
    for hearing in heard:
        acted = acted_on(hearing, ceiling_of, lead_of)
        said = None if hearing.expected is None else label_for(hearing.expected)
        if hearing.expected is not None and hearing.expected.intent in kind.intents:
            own += 1
            understood += acted == [said]
        false += any(_intent_of(label) in kind.intents and label != said for label in acted)
    return 100 * understood / max(own, 1), 100 * false / max(len(heard), 1)


@dataclass(frozen=True)
class Chosen:
    leads: dict[str, float | None]  # per intent: the lead ceiling (None: never led)
    tried: dict[str, object]  # per kind, how each lead ceiling tried did (for the model card)


def choose(heard: Sequence[Hearing]) -> Chosen:
    """Per kind, the lead ceiling that understands most of the kind's commands while adding at
    most the kind's budget of false actions to what confirming alone takes; among equals, the
    strictest. Kinds are chosen in order of what a miss costs, each with the leads already
    chosen (a proposal of one kind can stand before another's)."""
    leads: dict[Intent, float | None] = dict.fromkeys(Intent)
    tried: dict[str, object] = {}
    for kind in KINDS:
        rows = {lead: figures(heard, kind, confirming, _trying(kind, lead, leads))
                for lead in LEAD_TRIED}
        alone = rows[None][1]
        within = [lead for lead in LEAD_TRIED if rows[lead][1] - alone <= kind.budget + 1e-9]
        best = max(within, key=lambda lead: (rows[lead][0], -LEAD_TRIED.index(lead)))
        leads.update(dict.fromkeys(kind.intents, best))
        tried[kind.name] = {
            "budget_added_percent": kind.budget, "chosen": best,
            "by_lead_ceiling": {str(lead): {"understood": round(u, 1), "acted_on": round(a, 2)}
                                for lead, (u, a) in rows.items()},
        }
    return Chosen({i.value: lead for i, lead in leads.items()}, tried)


def confirming(intent: Intent) -> float:
    """The ceilings every model confirms with (verification.py says why they are fixed)."""
    return OTHER_CEILINGS.get(intent, DEFAULT_OTHER_CEILING)


def _trying(kind: Kind, lead: float | None,
            leads: Mapping[Intent, float | None]) -> Lead:
    """`lead` for the kind's intents, those chosen so far for the rest."""
    def lead_of(intent: Intent) -> float | None:
        return lead if intent in kind.intents else leads[intent]

    return lead_of


def summary(heard: Sequence[Hearing], chosen: Chosen) -> dict[str, float]:
    """Commands understood and other-speech hearings acted on (any command), %, confirming
    alone and with the leads chosen: the coach's hearing of the held-out voices as a whole."""
    def lead_of(intent: Intent) -> float | None:
        return chosen.leads[intent.value]

    commands = [h for h in heard if h.expected is not None]
    others = [h for h in heard if h.expected is None]
    result: dict[str, float] = {"commands": len(commands), "other_hearings": len(others)}
    for name, leading in (("confirming_alone", _never_led), ("with_leads", lead_of)):
        understood = sum(_understood(acted_on(h, confirming, leading), h.expected)
                         for h in commands if h.expected is not None)
        acted = sum(bool(acted_on(h, confirming, leading)) for h in others)
        result[f"{name}_understood"] = round(100 * understood / max(len(commands), 1), 1)
        result[f"{name}_acted_on"] = round(100 * acted / max(len(others), 1), 2)
    return result

"""The verifier's ceilings on "other speech" are chosen by training, per kind of command, on
voices held out from training, and the coach hears with the ceilings its model chose."""

from __future__ import annotations

import numpy as np

from voicecoach.audio.synthetic import Voice, synthesize
from voicecoach.core.grammar import CommandGrammar
from voicecoach.core.intents import Command, Intent
from voicecoach.hearing.command_classifier import OTHER, needed_labels, user_model_path
from voicecoach.hearing.pipeline import _verifier
from voicecoach.hearing.verification import (
    OTHER_CEILINGS,
    EmbeddingVerifier,
    Judgement,
    ceilings_of,
)
from voicecoach.library import load_library
from voicecoach.training.ceilings import KINDS, Asked, Hearing, choose, listen, summary

from .audio_helpers import needs_espeak
from .classifier_helpers import random_classifier

NO_FEATURES = np.zeros(0, dtype=np.float32)


GRAMMAR: CommandGrammar = load_library().grammar


def command(text: str) -> Command:
    parsed = GRAMMAR.parse(text)
    assert parsed is not None
    return parsed


def asked(proposed: str, favoured: str, other: float, share: float = 1.0) -> Asked:
    """The recogniser proposed `proposed`; the classifier favoured `favoured` with this share
    of the commands' probability and this probability of other speech."""
    return Asked((command(proposed),), (), Judgement(favoured, 0.5, share, other, NO_FEATURES))


def missed(said: str, proposed: str, other: float) -> Hearing:
    """`said`, heard by the recogniser as `proposed`; the classifier favours `said`."""
    return Hearing(command(said), (asked(proposed, command(said).intent.value, other),))


def test_each_kind_leads_as_far_as_its_budget_of_added_false_actions_allows() -> None:
    urgent = next(kind for kind in KINDS if kind.name == "urgent")
    # 10 "stop"s heard as "slower", the classifier sure of them at 0.015-0.15 other speech;
    # 1000 near-misses heard as "slower" where the classifier favours "stop": 4 of them at 0.03.
    heard = [missed("stop", "slower", 0.015)] * 5 + [missed("stop", "slower", 0.15)] * 5
    heard += [Hearing(None, (asked("slower", "stop", p),)) for p in [0.03] * 4 + [1.0] * 996]
    chosen = choose(heard)
    assert urgent.budget == 0.5  # percent: 5 of the 1000 may be added as urgent
    assert chosen.leads["stop"] == chosen.leads["pain"] == chosen.leads["pause"] == 0.2
    tried = chosen.tried["urgent"]["by_lead_ceiling"]  # type: ignore[index]
    assert tried["None"] == {"understood": 0.0, "acted_on": 0.0}
    assert tried["0.02"] == {"understood": 50.0, "acted_on": 0.0}
    assert tried["0.2"] == {"understood": 100.0, "acted_on": 0.4}


def test_a_lead_that_adds_more_false_actions_than_the_budget_is_not_taken() -> None:
    heard = [missed("next", "repeat", 0.03)] * 10
    heard += [Hearing(None, (asked("repeat", "next", 0.03),))] * 10 + [Hearing(None, ())] * 990
    assert choose(heard).leads["next"] is None  # 1% added: twice the others' budget


def test_among_leads_that_understand_as_much_the_strictest_is_chosen() -> None:
    heard = [missed("next", "repeat", 0.03)] * 10 + [Hearing(None, ())] * 990
    chosen = choose(heard)
    assert chosen.leads["next"] == 0.05  # the strictest that lets all 10 through
    assert chosen.leads["stop"] is None  # no urgent command was missed: no need to lead
    assert summary(heard, chosen)["with_leads_understood"] == 100.0
    assert summary(heard, chosen)["confirming_alone_understood"] == 0.0


def test_training_confirms_with_the_fixed_ceilings() -> None:
    # A proposal the classifier gives 0.9999 of other speech: the fixed ceilings confirm a
    # "stop" (1 - 1e-5) but not a "next" (1 - 1e-3).
    heard = [Hearing(command("stop"), (asked("stop", "stop", 0.9999),)),
             Hearing(command("next"), (asked("next", "next", 0.9999),))]
    assert summary(heard, choose(heard))["confirming_alone_understood"] == 50.0


def test_a_command_the_classifier_splits_with_another_is_not_acted_on() -> None:
    heard = [Hearing(None, (asked("stop", "stop", 0.1, share=0.4),))] * 100
    assert summary(heard, choose(heard))["confirming_alone_acted_on"] == 0.0
    heard = [Hearing(command("next"), (asked("next", "repeat", 0.0, share=0.6),))]
    assert summary(heard, choose(heard))["with_leads_understood"] == 0.0


@needs_espeak
def test_held_out_clips_are_heard_by_the_coachs_recogniser_and_asked_of_the_classifier() -> None:
    labels = (*sorted(needed_labels(GRAMMAR)), OTHER)
    classifier = random_classifier(labels, GRAMMAR.sentences)
    silence = np.zeros(8000, dtype=np.int16)
    said = np.concatenate([silence, synthesize("stop", Voice("en-us", 150)), silence])
    heard = listen(classifier, GRAMMAR, [(said, "stop"), (said, None)])
    assert [h.expected for h in heard] == [command("stop"), None, None, None, None]
    assert heard[0].asked and heard[0].asked[0].proposals[0] == command("stop")
    assert heard[0].asked[0].judgement is not None


def test_the_coach_hears_with_the_ceilings_its_model_chose() -> None:
    grammar = load_library().grammar
    labels = (*sorted(needed_labels(grammar)), OTHER)
    chosen = {intent.value: 0.9 for intent in Intent}
    model = random_classifier(labels, grammar.sentences, card={"other_ceilings": chosen})
    model.save(user_model_path())
    verifier = _verifier(grammar, None, lambda line: None)
    assert isinstance(verifier, EmbeddingVerifier)
    assert verifier.other_ceiling(Intent.STOP) == 0.9
    assert ceilings_of(model.card) == dict.fromkeys(Intent, 0.9)


def test_a_model_that_chose_no_ceilings_is_heard_with_the_default_ones() -> None:
    grammar = load_library().grammar
    labels = (*sorted(needed_labels(grammar)), OTHER)
    random_classifier(labels, grammar.sentences, card={}).save(user_model_path())
    verifier = _verifier(grammar, None, lambda line: None)
    assert isinstance(verifier, EmbeddingVerifier)
    assert verifier.other_ceiling(Intent.STOP) == OTHER_CEILINGS[Intent.STOP]

"""The verifier's ceilings on "other speech" are chosen by training, per kind of command, on
voices held out from training, and the coach hears with the ceilings its model chose."""

from __future__ import annotations

from voicecoach.core.intents import Intent
from voicecoach.hearing.command_classifier import OTHER, needed_labels, user_model_path
from voicecoach.hearing.pipeline import _verifier
from voicecoach.hearing.verification import OTHER_CEILINGS, EmbeddingVerifier, ceilings_of
from voicecoach.library import load_library
from voicecoach.training.ceilings import KINDS, Hearing, choose

from .classifier_helpers import random_classifier


def other_speech(others: list[float]) -> list[Hearing]:
    """Other speech the classifier takes for "stop" (share 1), with these probabilities of
    other speech."""
    return [Hearing(OTHER, "stop", 1.0, p) for p in others]


def test_each_kind_gets_the_most_lenient_ceiling_that_keeps_within_its_budget() -> None:
    urgent = next(kind for kind in KINDS if kind.name == "urgent")
    # 1000 other-speech hearings: 50 the classifier is only 0.97 sure of, 30 at 0.9999.
    heard = other_speech([0.97] * 50 + [0.9999] * 30 + [1.0] * 920)
    heard += [Hearing("stop", "stop", 1.0, 0.99), Hearing("pause", "pause", 1.0, 0.5)]
    ceilings, tried = choose(heard)
    assert urgent.budget == 6.0  # percent: 60 of the 1000 may be acted on as urgent
    assert ceilings["stop"] == ceilings["pain"] == ceilings["pause"] == 0.999
    assert tried["urgent"]["by_ceiling"]["0.999"] == {"understood": 100.0, "acted_on": 5.0}
    assert tried["urgent"]["by_ceiling"]["0.9999"]["acted_on"] == 8.0


def test_other_speech_taken_for_another_kind_spends_only_that_kinds_budget() -> None:
    heard = other_speech([0.6] * 100 + [1.0] * 900)
    heard += [Hearing(OTHER, "next", 1.0, 0.2)] * 20
    ceilings, _ = choose(heard)
    assert ceilings["stop"] == 0.5  # 10% at anything more lenient: the strictest tried
    assert ceilings["next"] == 1 - 1e-6  # 2%, within the others' 3%


def test_a_command_the_classifier_splits_with_another_is_not_counted_as_acted_on() -> None:
    heard = [Hearing(OTHER, "stop", 0.4, 0.1)] * 100
    ceilings, _ = choose(heard)
    assert ceilings["stop"] == 1 - 1e-6


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

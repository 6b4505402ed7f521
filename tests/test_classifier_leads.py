"""When the recogniser heard the wrong command and the classifier is sure of the right one, the
coach acts on the classifier's ("led"), within the lead ceilings its model's training chose;
never to press harder or hurry, and never in place of a "that hurts" or "stop" it heard."""

from __future__ import annotations

from voicecoach.core import Intent
from voicecoach.core.vocabulary import VocabularyState, vocabulary_for
from voicecoach.hearing.command_classifier import OTHER, needed_labels, user_model_path
from voicecoach.hearing.pipeline import _verifier
from voicecoach.hearing.verification import EmbeddingVerifier, Verdict, leads_of
from voicecoach.library import load_library

from .classifier_helpers import random_classifier
from .test_answers_heard import GRAMMAR, FixedClassifier, silence

RUNNING = GRAMMAR.narrowed(vocabulary_for(VocabularyState.RUNNING))
LEADS = dict.fromkeys(Intent, 0.2)


def verdict(logits: dict[str, float], proposed: str,
            leads: dict[Intent, float] | None = None) -> Verdict:
    proposal = RUNNING.parse(proposed)
    assert proposal is not None
    verifier = EmbeddingVerifier(FixedClassifier(logits), leads=LEADS if leads is None else leads)
    return verifier.verify(silence(20), [proposal], RUNNING)


# "next" with nearly all of the commands' probability, and other speech at about 0.05.
SURE_OF_NEXT = {"next": 3.0, "repeat": -6.0, "slower": -6.0, "pain": -6.0, "stop": -6.0,
                "firmer": -6.0}


def test_a_command_the_recogniser_missed_is_acted_on_when_the_classifier_is_sure_of_it() -> None:
    led = verdict(SURE_OF_NEXT, "repeat")
    assert led.command is not None and led.command.intent is Intent.NEXT
    assert led.command.text in RUNNING.sentences


def test_a_model_whose_training_chose_no_lead_ceilings_never_leads() -> None:
    assert verdict(SURE_OF_NEXT, "repeat", leads={}).command is None


def test_the_classifier_does_not_lead_when_it_is_not_sure_enough() -> None:
    # Other speech about 0.5 (over the 0.2 lead ceiling).
    assert verdict({**SURE_OF_NEXT, "next": 0.0}, "repeat").command is None
    # "next" favoured, but with 0.73 of the commands' probability: under LEAD_SHARE.
    split = {**SURE_OF_NEXT, "repeat": 2.0}
    assert verdict(split, "slower").command is None


def test_the_classifier_never_leads_to_more_pressure() -> None:
    sure_of_firmer = {**SURE_OF_NEXT, "next": -6.0, "firmer": 3.0}
    assert verdict(sure_of_firmer, "slower").command is None


def test_the_classifier_never_leads_away_from_a_pain_report_or_a_stop_heard() -> None:
    assert verdict(SURE_OF_NEXT, "that hurts").command is None
    assert verdict(SURE_OF_NEXT, "stop").command is None
    sure_of_pain = {**SURE_OF_NEXT, "next": -6.0, "pain": 3.0}
    # One urgent command is not swapped for another by the classifier alone either.
    assert verdict(sure_of_pain, "stop").command is None


def test_the_coach_hears_with_the_lead_ceilings_its_model_chose() -> None:
    grammar = load_library().grammar
    labels = (*sorted(needed_labels(grammar)), OTHER)
    chosen = {intent.value: (0.1 if intent is Intent.NEXT else None) for intent in Intent}
    random_classifier(labels, grammar.sentences, card={"lead_ceilings": chosen}).save(
        user_model_path())
    verifier = _verifier(grammar, None, lambda line: None)
    assert isinstance(verifier, EmbeddingVerifier)
    assert verifier.lead_ceiling(Intent.NEXT) == 0.1
    assert verifier.lead_ceiling(Intent.STOP) is None
    assert leads_of({}) == {}

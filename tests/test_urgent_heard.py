"""A "that hurts" the recogniser heard right is never thrown away: real espeak-ng speech
through the real PocketSphinx recogniser, checked by a classifier with hand-set weights that
calls everything "other speech" (as the shipped one does most real voices) or hears another
command in it."""

from __future__ import annotations

import pytest

from voicecoach.audio.synthetic import Voice, synthesize, with_room
from voicecoach.core import Intent
from voicecoach.core.vocabulary import VocabularyState, vocabulary_for
from voicecoach.hearing.backends import Backend, build_recognizer
from voicecoach.hearing.listener import CommandListener, Decision
from voicecoach.hearing.verification import EmbeddingVerifier

from .audio_helpers import needs_espeak
from .test_answers_heard import GRAMMAR, FixedClassifier

# Every command of a running step far below "other speech" (logit 0): the classifier is sure
# the utterance is not a command at all, and has no clear favourite among the commands.
OTHER_SPEECH = {"stop": -12.0, "pause": -12.0, "pain": -12.0, "slower": -12.0}
# "pause" with 0.79 of the commands' probability: it hears another command in the utterance.
HEARS_PAUSE = {**OTHER_SPEECH, "pause": -9.0}
# "pause" favoured, but with under half of the commands' probability: only a leaning.
LEANS_TO_PAUSE = {**OTHER_SPEECH, "pause": -11.0}


def heard(text: str, logits: dict[str, float]) -> list[Decision]:
    recognizer = build_recognizer(Backend.POCKETSPHINX, GRAMMAR, proposing=True)
    verifier = EmbeddingVerifier(FixedClassifier(logits))
    listener = CommandListener(recognizer, GRAMMAR, verifier=verifier)
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    audio = with_room(synthesize(text, Voice("en-us", 160)), 0.5, 1.0)
    decisions = [d for start in range(0, len(audio), 800)
                 for d in listener.feed(audio[start:start + 800])]
    return [d for d in decisions + listener.finish() if d.text]


@needs_espeak
def test_a_pain_report_heard_right_is_acted_on_though_the_verifier_calls_it_other() -> None:
    [decision] = heard("ouch", OTHER_SPEECH)
    assert decision.command is not None and decision.command.intent is Intent.PAIN
    # Acted on, but never certain: an answer to a safety question still needs the classifier.
    assert not decision.certain


@needs_espeak
def test_a_pain_report_the_verifier_hears_as_another_command_is_not_acted_on() -> None:
    # The boundary of the rule: a clear share for another command vetoes the transcript, a
    # mere leaning towards one does not.
    assert all(decision.command is None for decision in heard("ouch", HEARS_PAUSE))
    [leaning] = heard("ouch", LEANS_TO_PAUSE)
    assert leaning.command is not None and leaning.command.intent is Intent.PAIN


@needs_espeak
@pytest.mark.parametrize("said", ["stop", "pause"])
def test_a_stop_or_pause_heard_right_still_needs_the_verifier_where_ouch_does_not(
        said: str) -> None:
    # A false stop ends the session (measured: more of them, and no stop gained); a stray pause
    # is already the commonest false action, and a missed one costs little.
    assert all(decision.command is None for decision in heard(said, OTHER_SPEECH))
    [ouch] = heard("ouch", OTHER_SPEECH)
    assert ouch.command is not None and ouch.command.intent is Intent.PAIN

"""The coach listens for what makes sense now: the engine's vocabulary follows its state, and the
grammar narrows to it."""

from __future__ import annotations

from voicecoach.core import Command, CommandGrammar, Heard, Intent, SessionEngine, SpeechFinished
from voicecoach.core.vocabulary import INTENTS, Vocabulary, VocabularyState, vocabulary_for

from .conftest import make_routine

ROUTINE = make_routine("glutes")
GRAMMAR = CommandGrammar.for_routines({"glutes": ["glutes"]})


def started_engine(wake_word: bool = False) -> SessionEngine:
    engine = SessionEngine({"glutes": ROUTINE}, wake_word=wake_word)
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"}, addressed=True)), 0.0)
    return engine


def test_idle_listens_for_starting_a_routine_not_for_steering_one():
    engine = SessionEngine({"glutes": ROUTINE})
    assert engine.vocabulary == Vocabulary(VocabularyState.IDLE)
    assert Intent.START in engine.vocabulary.intents
    assert Intent.NEXT not in engine.vocabulary.intents


def test_with_a_wake_word_idle_listens_only_for_addressed_sentences():
    assert SessionEngine({"glutes": ROUTINE}, wake_word=True).vocabulary.addressed_only
    assert not started_engine(wake_word=True).vocabulary.addressed_only  # in a session: none


def test_the_introduction_hears_go_and_a_side():
    engine = started_engine()
    assert engine.vocabulary.state is VocabularyState.STARTING
    assert {Intent.RESUME, Intent.SIDE, Intent.STOP} <= engine.vocabulary.intents


def test_a_both_sided_steps_instruction_hears_left_and_right_then_the_hold_does_not():
    engine = started_engine()
    engine.handle(SpeechFinished(), 1.0)  # the introduction has been heard: step 1, left side
    assert engine.vocabulary.state is VocabularyState.SIDE
    engine.handle(SpeechFinished(), 2.0)  # its instruction has been heard: the hold runs
    assert engine.vocabulary.state is VocabularyState.RUNNING
    assert Intent.SIDE not in engine.vocabulary.intents
    assert Intent.RESUME not in engine.vocabulary.intents  # "go" means nothing while running


def test_paused_hears_go_and_not_pause():
    engine = started_engine()
    engine.handle(Heard(Command(Intent.PAUSE)), 1.0)
    assert engine.vocabulary.state is VocabularyState.PAUSED
    assert Intent.RESUME in engine.vocabulary.intents
    assert Intent.PAUSE not in engine.vocabulary.intents


def test_a_question_hears_yes_no_stop_and_pain_only():
    engine = started_engine()
    engine.handle(Heard(Command(Intent.SAFETY)), 1.0)
    assert engine.vocabulary.state is VocabularyState.ASKED
    assert {Intent.YES, Intent.NO, Intent.STOP, Intent.PAIN} <= engine.vocabulary.intents
    assert Intent.NEXT not in engine.vocabulary.intents


def test_every_state_can_stop_or_report_pain_once_a_session_runs():
    for state in set(VocabularyState) - {VocabularyState.IDLE}:
        assert {Intent.STOP, Intent.PAIN} <= INTENTS[state], state


def test_a_narrowed_grammar_holds_only_its_states_sentences():
    asked = GRAMMAR.narrowed(vocabulary_for(VocabularyState.ASKED))
    assert asked.parse("yes") is not None
    assert asked.parse("next") is None
    assert GRAMMAR.narrowed(vocabulary_for(VocabularyState.RUNNING)).parse("go") is None
    paused = vocabulary_for(VocabularyState.PAUSED)
    assert GRAMMAR.narrowed(paused).parse("go") == GRAMMAR.parse("go")


def test_a_narrowed_wake_grammar_tells_addressed_sentences_from_the_rest():
    # Both stay, so that "start glutes" is not heard as "coach start glutes".
    grammar = CommandGrammar.for_routines({"glutes": ["glutes"]}, wake_word="coach")
    idle = grammar.narrowed(vocabulary_for(VocabularyState.IDLE, wake_word=True))
    addressed, plain = idle.parse("coach start glutes"), idle.parse("start glutes")
    assert addressed is not None and addressed.addressed
    assert plain is not None and not plain.addressed

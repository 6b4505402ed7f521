"""Answers to the coach's questions: taken only once the question has been said to its end, and,
for a safety question, only when heard for certain. The engine on an injected clock."""

from __future__ import annotations

import pytest

from voicecoach.core import (
    Command,
    Heard,
    Intent,
    PainReported,
    Precautions,
    Routine,
    SafetyBriefAnswered,
    Say,
    SessionEngine,
    SessionStarted,
    SessionState,
    SpeechFinished,
    Tick,
)
from voicecoach.core.grammar import CASUAL_ANSWERS, CommandGrammar
from voicecoach.core.messages import Action
from voicecoach.core.phrasebook import (
    OKAY_TO_CONTINUE,
    PAIN_ADVICE,
    SAFETY_BRIEF,
    SECOND_PAIN_QUESTION,
    SHALL_WE_STOP,
    WONT_START,
    YES_OR_NO_AGAIN,
)
from voicecoach.core.speaking_time import speaking_seconds
from voicecoach.session.transcript import left_alone

from .coach_driver import CoachDriver

BRIEF = f"{SAFETY_BRIEF} {OKAY_TO_CONTINUE}"
YES, NO = Command(Intent.YES, text="yes"), Command(Intent.NO, text="no")


def said(actions: list[Action]) -> list[str]:
    return [action.text for action in actions if isinstance(action, Say)]


@pytest.fixture
def engine(routines: dict[str, Routine]) -> SessionEngine:
    """A first run: the brief is due before "start glutes", asked at 0 s."""
    engine = SessionEngine(routines)
    engine.handle(Precautions(safety_brief=True), 0.0)
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    assert engine.state is SessionState.ASKING
    return engine


# --- the answer comes after the warnings ------------------------------------------------------


def test_yes_said_five_seconds_into_the_safety_brief_neither_cuts_it_off_nor_consents(
        engine: SessionEngine):
    early = engine.handle(Heard(YES), 5.0)
    assert early == []  # no word over the brief, no consent, no start
    assert engine.state is SessionState.ASKING
    engine.handle(SpeechFinished(), 32.0)  # the brief has been read, red flags and all
    answered = engine.handle(Heard(YES), 33.0)
    assert SafetyBriefAnswered(accepted=True) in answered
    assert any(isinstance(action, SessionStarted) for action in answered)


def test_babble_heard_as_no_eight_seconds_into_the_safety_check_does_not_end_the_session(
        routines: dict[str, Routine]):
    engine = SessionEngine(routines)
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    engine.handle(SpeechFinished(), 10.0)  # the introduction
    engine.handle(SpeechFinished(), 20.0)  # step 1's instruction: holding
    engine.handle(Heard(Command(Intent.SAFETY)), 30.0)
    assert engine.handle(Heard(NO), 38.0) == []
    assert engine.running and engine.state is SessionState.ASKING
    engine.handle(SpeechFinished(), 60.0)
    carried_on = engine.handle(Heard(YES), 61.0)
    assert SafetyBriefAnswered(accepted=True) in carried_on
    assert engine.state is SessionState.HOLDING


def test_other_words_said_over_the_brief_leave_it_alone(engine: SessionEngine):
    for intent in (Intent.NEXT, Intent.SLOWER, Intent.RESUME):
        assert engine.handle(Heard(Command(intent)), 6.0) == []
    assert engine.state is SessionState.ASKING


def test_stop_over_the_brief_acts_at_once_where_yes_was_left_alone(engine: SessionEngine):
    assert engine.handle(Heard(YES), 4.0) == []
    stopped = engine.handle(Heard(Command(Intent.STOP)), 5.0)
    assert said(stopped) == [WONT_START]
    assert engine.state is SessionState.IDLE
    assert not any(isinstance(action, SafetyBriefAnswered) for action in stopped)


def test_that_hurts_acts_at_once_over_the_safety_check_and_the_brief_is_read_again_in_full(
        started: CoachDriver):
    engine = started.engine
    engine.handle(Heard(Command(Intent.SAFETY)), 30.0)
    hurt = engine.handle(Heard(Command(Intent.PAIN)), 34.0)
    assert PAIN_ADVICE in said(hurt)
    assert any(isinstance(action, PainReported) for action in hurt)
    engine.handle(SpeechFinished(), 40.0)  # the pain advice said; the brief never finished
    assert engine.handle(Heard(YES), 41.0) == []
    again = engine.handle(Tick(), 60.0)  # twenty seconds of quiet: the whole brief again
    assert said(again) == [BRIEF]
    engine.handle(SpeechFinished(), 90.0)
    assert SafetyBriefAnswered(accepted=True) in engine.handle(Heard(YES), 91.0)


def test_repeat_over_the_brief_reads_it_again_and_its_answer_still_waits(
        engine: SessionEngine):
    assert said(engine.handle(Heard(Command(Intent.REPEAT)), 5.0)) == [BRIEF]
    assert engine.handle(Heard(YES), 10.0) == []
    engine.handle(SpeechFinished(), 36.0)
    assert SafetyBriefAnswered(accepted=True) in engine.handle(Heard(YES), 37.0)


def test_a_speaker_that_never_reports_back_opens_the_question_at_the_briefs_estimated_end(
        engine: SessionEngine):
    end = speaking_seconds(BRIEF)
    assert engine.next_deadline() == pytest.approx(end)
    assert engine.handle(Heard(YES), end - 1.0) == []
    assert said(engine.handle(Tick(), end)) == []  # not said again: it counts as said
    assert SafetyBriefAnswered(accepted=True) in engine.handle(Heard(YES), end + 1.0)


def test_a_typed_yes_need_not_wait_for_the_brief_to_be_spoken(engine: SessionEngine):
    # At the keyboard the brief is on the screen from its first word.
    answered = engine.handle(Heard(YES, typed=True), 2.0)
    assert SafetyBriefAnswered(accepted=True) in answered


def test_the_listener_is_told_that_answers_wait_for_the_brief(engine: SessionEngine):
    grammar = CommandGrammar.for_routines({"glutes": ["glutes"]})
    yes, stop = grammar.parse("yes"), grammar.parse("stop")
    assert yes is not None and stop is not None
    assert left_alone(yes, engine.vocabulary, None) == (
        "yes before the question had been said to its end")
    assert left_alone(stop, engine.vocabulary, None) is None
    engine.handle(SpeechFinished(), 32.0)
    assert left_alone(yes, engine.vocabulary, None) is None


# --- a misheard answer does not decide a safety question ------------------------------------


def test_an_uncertain_yes_to_the_safety_brief_is_asked_again_and_consents_to_nothing(
        engine: SessionEngine):
    engine.handle(SpeechFinished(), 32.0)
    asked = engine.handle(Heard(YES, certain=False), 33.0)  # "slower", heard as "sure"
    assert said(asked) == [YES_OR_NO_AGAIN]
    assert not any(isinstance(action, (SafetyBriefAnswered, SessionStarted)) for action in asked)
    assert engine.state is SessionState.ASKING
    engine.handle(SpeechFinished(), 35.0)
    assert SafetyBriefAnswered(accepted=True) in engine.handle(Heard(YES), 36.0)


def test_an_uncertain_no_to_the_safety_check_does_not_end_the_session(started: CoachDriver):
    started.hear("safety")
    started.send(Heard(NO, certain=False))  # "hold on", heard as "no"
    assert started.said()[-1] == YES_OR_NO_AGAIN
    assert started.engine.running and started.state is SessionState.ASKING


def test_an_uncertain_no_to_shall_we_stop_does_not_carry_on(started: CoachDriver):
    started.hear("ouch")
    started.hear("it hurts")
    started.send(Heard(NO, certain=False))
    assert started.said()[-1] == YES_OR_NO_AGAIN
    assert started.state is SessionState.ASKING
    started.hear("no")
    assert started.state is SessionState.HOLDING


def test_sure_does_not_consent_to_the_safety_brief_even_typed(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True))
    coach.hear("start glutes")
    coach.hear("sure")
    assert coach.said()[-1] == YES_OR_NO_AGAIN
    assert coach.of_type(SafetyBriefAnswered) == []
    coach.hear("yes")
    assert coach.of_type(SafetyBriefAnswered) == [SafetyBriefAnswered(accepted=True)]


def test_every_casual_answer_is_a_sentence_of_yes():
    grammar = CommandGrammar.for_routines({"glutes": ["glutes"]})
    assert set(grammar.sentences_for(Intent.YES)) >= CASUAL_ANSWERS


def test_only_a_safety_question_needs_an_answer_heard_for_certain(started: CoachDriver):
    started.hear("start outer hip")
    started.send(Heard(NO, certain=False))  # staying with glutes: nothing about safety
    assert started.state is SessionState.HOLDING
    started.hear("safety")
    started.send(Heard(YES, certain=False))
    assert started.said()[-1] == YES_OR_NO_AGAIN and started.state is SessionState.ASKING


# --- "shall we stop?" after pain --------------------------------------------------------------


def test_another_command_at_shall_we_stop_is_asked_the_question_alone(started: CoachDriver):
    started.hear("ouch")
    started.hear("it hurts")
    started.hear("next")
    assert started.said()[-1] == SHALL_WE_STOP
    assert started.said_text().count(SECOND_PAIN_QUESTION) == 1
    started.hear("that hurts")  # still acts at once
    assert started.said()[-1] == PAIN_ADVICE
    started.hear("repeat")  # asked for: the whole message
    assert started.said()[-1] == SECOND_PAIN_QUESTION
    started.hear("stop")
    assert started.state is SessionState.FINISHED

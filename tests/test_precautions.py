"""The safety brief, the persistent-pain rules and what the engine does with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voicecoach.core import (
    Adjusted,
    Command,
    Heard,
    Intent,
    PainReported,
    Precautions,
    SafetyBriefAnswered,
    Say,
    SessionEngine,
    SessionStarted,
    SessionState,
    SpeechFinished,
    StepCompleted,
    Tick,
)
from voicecoach.core.engine import QUESTION_REPEAT_S
from voicecoach.core.phrasebook import (
    ASK_AGAIN,
    ASK_AGAIN_BRIEF,
    BRIEF_DECLINED,
    OKAY_TO_CONTINUE,
    PERSISTENT_PAIN_ADVICE,
    SAFETY_BRIEF,
)
from voicecoach.core.precautions import (
    DAY_S,
    PainPattern,
    PastPain,
    PastSession,
    persistent_pain,
    sessions_so_far,
)
from voicecoach.core.vocabulary import VocabularyState, vocabulary_for

from .coach_driver import CoachDriver

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def pain(session: int, days_ago: float, *areas: str) -> PastPain:
    return PastPain(session, (NOW - timedelta(days=days_ago)).timestamp(), areas or ("glutes",))


def at(moment: datetime) -> float:
    return moment.timestamp()


# --- the rules, on a fake clock -------------------------------------------------------------


def test_pain_in_three_sessions_within_fourteen_days_is_persistent():
    reports = [pain(1, 13, "glutes"), pain(2, 7, "outer hip"), pain(3, 1, "hamstrings")]
    pattern = persistent_pain(reports, at(NOW))
    assert pattern == PainPattern(sessions=3, area=None)
    assert "3 sessions" in pattern.spoken and PERSISTENT_PAIN_ADVICE in pattern.spoken


def test_pain_in_two_sessions_or_older_than_fourteen_days_is_not_persistent():
    assert persistent_pain([pain(1, 10, "glutes"), pain(2, 3, "outer hip")], at(NOW)) is None
    old = [pain(1, 15, "glutes"), pain(2, 7, "outer hip"), pain(3, 1, "hamstrings")]
    assert persistent_pain(old, at(NOW)) is None


def test_the_same_area_twice_within_a_day_is_persistent():
    reports = [pain(1, 3.0, "glutes", "piriformis"), pain(2, 2.5, "piriformis")]
    pattern = persistent_pain(reports, at(NOW))
    assert pattern is not None and pattern.area == "piriformis"
    assert "piriformis more than once in a day" in pattern.spoken


def test_the_same_area_on_different_days_or_different_areas_the_same_day_is_not():
    assert persistent_pain([pain(1, 3.0, "glutes"), pain(2, 1.5, "glutes")], at(NOW)) is None
    assert persistent_pain([pain(1, 0.2, "glutes"), pain(1, 0.1, "hamstrings")], at(NOW)) is None


def test_the_rules_move_with_the_clock():
    reports = [pain(1, 5, "glutes"), pain(2, 4, "quadriceps"), pain(3, 3, "hamstrings")]
    assert persistent_pain(reports, at(NOW)) is not None
    assert persistent_pain(reports, at(NOW + timedelta(days=10))) is None  # the first fell out
    assert persistent_pain(reports, at(NOW - timedelta(days=3, hours=1))) is None  # not yet 3


# --- the engine ------------------------------------------------------------------------------


def test_a_due_safety_brief_comes_before_the_routine_and_yes_starts_it(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True))
    coach.hear("start glutes")
    assert coach.state is SessionState.ASKING
    assert SAFETY_BRIEF in coach.said_text() and "fall" in coach.said_text()
    assert coach.of_type(SessionStarted) == []
    coach.advance(300)  # the question holds the session, however long the user takes
    assert coach.state is SessionState.ASKING
    coach.hear("yes i'm okay to continue")
    assert coach.of_type(SafetyBriefAnswered) == [SafetyBriefAnswered(accepted=True)]
    assert coach.state is SessionState.HOLDING
    assert [s.routine for s in coach.of_type(SessionStarted)] == ["glutes"]  # type: ignore[attr-defined]


def test_no_to_the_safety_brief_ends_kindly_and_starts_nothing(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True))
    coach.hear("start glutes")
    coach.hear("no")
    assert coach.said()[-1] == BRIEF_DECLINED
    assert "physiotherapist or your doctor" in BRIEF_DECLINED
    assert coach.of_type(SafetyBriefAnswered) == [SafetyBriefAnswered(accepted=False)]
    assert coach.state is SessionState.IDLE
    assert coach.of_type(SessionStarted) == []


def test_the_brief_is_not_repeated_once_accepted_in_a_sitting(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True))
    coach.hear("start glutes")
    coach.hear("yes")
    coach.hear("stop")
    coach.hear("start glutes")
    assert coach.state is SessionState.HOLDING
    assert coach.said_text().count("safety check") == 1


def test_without_precautions_start_begins_at_once(coach: CoachDriver):
    coach.hear("start glutes")
    assert coach.state is SessionState.HOLDING
    assert SAFETY_BRIEF not in coach.said_text()


def test_persistent_pain_is_said_before_offering_to_continue(coach: CoachDriver):
    coach.send(Precautions(persistent_pain=PainPattern(sessions=3, area=None)))
    coach.hear("start glutes")
    said = coach.said()[-1]
    assert said.index("3 sessions") < said.index("physiotherapist") < said.index("Would you")
    assert coach.state is SessionState.ASKING
    coach.hear("yes")
    assert coach.state is SessionState.HOLDING
    assert coach.of_type(SafetyBriefAnswered) == []  # no brief was given, none recorded


def test_no_after_a_persistent_pain_warning_starts_nothing(coach: CoachDriver):
    coach.send(Precautions(persistent_pain=PainPattern(sessions=1, area="glutes")))
    coach.hear("start glutes")
    coach.hear("no")
    assert coach.state is SessionState.IDLE and "no massage today" in coach.said()[-1]


def test_brief_and_warning_together_are_one_question(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True,
                           persistent_pain=PainPattern(sessions=4, area=None)))
    coach.hear("start glutes")
    said = coach.said()[-1]
    assert "4 sessions" in said and SAFETY_BRIEF in said and said.endswith("Say yes or no.")
    coach.hear("yes")
    assert coach.state is SessionState.HOLDING


def test_stop_during_the_question_before_a_start_starts_nothing(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True))
    coach.hear("start glutes")
    coach.hear("stop")
    assert coach.state is SessionState.IDLE and coach.of_type(SafetyBriefAnswered) == []


def test_other_words_during_the_brief_ask_again_briefly_not_the_whole_brief(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True))
    coach.hear("start glutes")
    coach.hear("next")
    coach.hear("slower")
    assert coach.said()[-2:] == [ASK_AGAIN_BRIEF, ASK_AGAIN_BRIEF]
    assert coach.said_text().count(SAFETY_BRIEF) == 1
    coach.hear("yes")
    assert coach.state is SessionState.HOLDING


def test_safety_said_to_the_brief_reads_it_again_in_full(coach: CoachDriver):
    coach.send(Precautions(safety_brief=True))
    coach.hear("start glutes")
    coach.hear("safety")
    assert coach.said()[-1] == f"{SAFETY_BRIEF} {OKAY_TO_CONTINUE}"
    assert coach.state is SessionState.ASKING
    coach.hear("yes")
    assert coach.state is SessionState.HOLDING


def test_safety_is_heard_while_a_question_waits(library):  # type: ignore[no-untyped-def]
    asked = library.grammar.narrowed(vocabulary_for(VocabularyState.ASKED))
    command = asked.parse("safety")
    assert command is not None and command.intent is Intent.SAFETY
    assert Intent.SAFETY in vocabulary_for(VocabularyState.ASKED).intents


def test_safety_said_to_the_pain_warning_reads_the_brief_and_asks_again(coach: CoachDriver):
    coach.send(Precautions(persistent_pain=PainPattern(sessions=3, area=None)))
    coach.hear("start glutes")
    coach.hear("next")
    assert coach.said()[-1] == ASK_AGAIN
    coach.hear("safety")
    assert coach.said()[-1].startswith(SAFETY_BRIEF) and "3 sessions" in coach.said()[-1]
    coach.hear("yes")
    assert coach.state is SessionState.HOLDING


def test_a_long_silence_after_asking_again_reads_the_whole_brief_once_more(routines):
    engine = SessionEngine(routines)
    engine.handle(Precautions(safety_brief=True), 0.0)
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    engine.handle(SpeechFinished(), 30.0)
    engine.handle(Heard(Command(Intent.NEXT)), 35.0)
    engine.handle(SpeechFinished(), 38.0)  # "Please say yes or no..." said; silence from here
    assert engine.handle(Tick(), 38.0 + QUESTION_REPEAT_S - 1) == []
    again = engine.handle(Tick(), 38.0 + QUESTION_REPEAT_S)
    assert [a.text for a in again if isinstance(a, Say)] == [f"{SAFETY_BRIEF} {OKAY_TO_CONTINUE}"]


def test_safety_while_running_freezes_the_session_and_yes_carries_on(started: CoachDriver):
    started.advance(10)
    left = started.snapshot().step_seconds_left
    started.hear("safety")
    assert started.state is SessionState.ASKING and SAFETY_BRIEF in started.said()[-1]
    started.advance(60)
    started.hear("yes")
    assert started.state is SessionState.HOLDING
    assert started.snapshot().step_seconds_left == left
    assert started.of_type(SafetyBriefAnswered) == [SafetyBriefAnswered(accepted=True)]


def test_no_to_safety_while_running_stops_the_session(started: CoachDriver):
    started.hear("safety")
    started.hear("no")
    assert started.state is SessionState.FINISHED and BRIEF_DECLINED in started.said_text()


def test_safety_when_idle_reads_the_brief(coach: CoachDriver):
    coach.hear("safety")
    assert SAFETY_BRIEF in coach.said()[-1]
    coach.hear("yes")
    assert coach.said()[-1].startswith("Good.") and coach.state is SessionState.IDLE


# --- what the history hears --------------------------------------------------------------------


def test_pain_is_reported_with_step_side_area_and_pressure(started: CoachDriver):
    started.advance(25)  # past the ramp to medium at 20 s, left side first
    started.hear("that hurts")
    (report,) = started.of_type(PainReported)
    assert report == PainReported(
        routine="glutes", step_index=0, step_title="Kneading", areas=("glutes",),
        reports_this_session=1, side="left", pressure="medium",  # type: ignore[arg-type]
    )


def test_steps_and_adjustments_are_reported_as_they_happen(started: CoachDriver):
    started.hear("slower")
    started.hear("firmer")
    changes = [(a.change, a.pace, a.pressure_offset)  # type: ignore[attr-defined]
               for a in started.of_type(Adjusted)]
    assert changes == [("slower", 1.25, 0), ("firmer", 1.25, 1)]
    started.hear("next")  # to the right side
    started.advance(76)  # the right side, at the slower pace
    assert started.of_type(StepCompleted) == [StepCompleted(0, "Kneading")]
    started.run_to_end()
    assert [s.step_index for s in started.of_type(StepCompleted)] == [0, 1, 2]  # type: ignore[attr-defined]


def test_an_unanswered_question_is_asked_again_twenty_seconds_after_it_was_said(routines):
    engine = SessionEngine(routines)
    engine.handle(Precautions(safety_brief=True), 0.0)
    asked = engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    engine.handle(SpeechFinished(), 30.0)  # the brief took half a minute to say
    assert engine.handle(Tick(), 49.0) == []
    again = engine.handle(Tick(), 50.0)
    question = [a.text for a in asked if isinstance(a, Say)]
    assert len(question) == 1
    assert [a.text for a in again if isinstance(a, Say)] == question
    assert engine.next_deadline() is None  # asked twice; now it waits for as long as it takes


# -- the line of progress at the end of a finished session ---------------------------------------

def test_the_line_counts_sessions_in_seven_days_and_those_in_a_row_without_pain():
    now = 100 * DAY_S
    past = [PastSession(now - 9 * DAY_S, pain=False),  # more than seven days ago
            PastSession(now - 6 * DAY_S, pain=True),
            PastSession(now - 4 * DAY_S, pain=False),
            PastSession(now - 2 * DAY_S, pain=False)]
    so_far = sessions_so_far(past, now)
    assert (so_far.past_week, so_far.pain_free) == (3, 2)
    assert so_far.spoken(pain_now=False) == (
        "That's your fourth session in seven days. No pain reported in your last three "
        "sessions.")
    # Pain in this session: the sessions are still counted; nothing is said about pain.
    assert so_far.spoken(pain_now=True) == "That's your fourth session in seven days."


def test_a_first_session_gets_no_line():
    assert sessions_so_far([], 100 * DAY_S).spoken(pain_now=False) == ""

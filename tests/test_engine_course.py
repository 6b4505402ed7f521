"""A session's course with no commands: introduction, steps, sides, cues, rests, the end."""

from __future__ import annotations

import pytest

from voicecoach.core import PainReported, SessionFinished, SessionState, StopSpeaking
from voicecoach.core.phrasebook import PROFESSIONAL_ADVICE

from .coach_driver import CoachDriver
from .conftest import make_routine


def test_start_by_alias_reads_introduction_safety_and_first_instruction(coach: CoachDriver):
    coach.hear("start glutes test")
    said = coach.said_text()
    assert "Test glutes" in said
    assert "Lie on your side." in said
    assert "Never press on bone." in said
    assert "Step 1 of 3: Kneading. Knead the buttock slowly." in said
    assert "Left side first." in said
    assert "Use light pressure." in said
    assert coach.state is SessionState.HOLDING


def test_hold_clock_starts_only_after_the_instruction_has_been_spoken(routines):
    driver = CoachDriver(routines)
    # A speaker that has not finished: the engine waits in "instructing" and the hold has not begun.
    from voicecoach.core import Command, Heard, Intent, SpeechFinished

    driver.engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    assert driver.engine.state is SessionState.INTRODUCING
    driver.engine.handle(SpeechFinished(), 8.0)
    assert driver.engine.state is SessionState.INSTRUCTING
    driver.engine.handle(SpeechFinished(), 15.0)
    assert driver.engine.state is SessionState.HOLDING
    assert driver.engine.snapshot(15.0).step_seconds_left == pytest.approx(60)


def test_silent_speaker_cannot_stall_the_session(routines):
    from voicecoach.core import Command, Heard, Intent, Tick

    engine = CoachDriver(routines).engine
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    deadline = engine.next_deadline()
    assert deadline is not None and deadline < 60
    engine.handle(Tick(), deadline)
    assert engine.state is SessionState.INSTRUCTING


def test_pressure_ramps_and_cues_are_spoken_at_their_times(started: CoachDriver):
    started.advance(60)
    assert started.when("A little deeper now.") == pytest.approx(20)
    assert started.when("Switch to circular motions.") == pytest.approx(30)
    assert started.when("Now use firm pressure.") == pytest.approx(40)
    assert started.when("Ten seconds left.") == pytest.approx(50)


def test_both_sided_step_runs_left_then_right_then_rests(started: CoachDriver):
    started.advance(60)
    assert started.when("Switch to your right side.") == pytest.approx(60)
    started.advance(60)
    assert started.when("Rest for 20 seconds. Next: Circles.") == pytest.approx(120)
    assert started.state is SessionState.RESTING
    started.advance(20)
    assert started.when("Step 2 of 3: Circles.") == pytest.approx(140)


def test_ten_seconds_warning_comes_on_every_side_and_step(started: CoachDriver):
    started.advance(140 + 30)
    warnings = [t for t, a in started.log if "Ten seconds" in getattr(a, "text", "")]
    assert warnings == [50.0, 110.0, 160.0]


def test_short_hold_gets_no_ten_seconds_warning():
    short = make_routine(
        "quick",
        steps=[{"title": "Tap", "instruction": "Tap lightly.", "hold_seconds": 15,
                "technique": "circular"}],
    )
    driver = CoachDriver({"quick": short})
    driver.hear("start quick")
    driver.run_to_end()
    assert not any("Ten seconds" in text for text in driver.said())


def test_stretch_asks_for_a_gentle_pull_not_pressure(started: CoachDriver):
    started.advance(180)
    assert "Step 3 of 3: Figure four." in started.said_text()
    assert "Stretch only to a gentle pull." in started.said_text()


def test_session_ends_with_professional_advice_at_the_sum_of_holds_and_rests(started):
    started.run_to_end()
    assert started.now == pytest.approx(60 * 2 + 20 + 30 + 10 + 45)
    assert PROFESSIONAL_ADVICE in started.said()[-1]
    [finished] = started.of_type(SessionFinished)
    assert finished.summary.reason == "completed"
    assert finished.summary.steps_completed == 3
    assert started.state is SessionState.FINISHED


def test_states_are_reported_in_order(started: CoachDriver):
    started.run_to_end()
    states = [s.value for s in started.states()]
    assert states[:3] == ["introducing", "instructing", "holding"]
    assert "resting" in states
    assert states[-2:] == ["closing", "finished"]


def test_a_new_session_can_start_after_one_finishes(started: CoachDriver):
    started.run_to_end()
    started.hear("start outer hip")
    assert started.state is SessionState.HOLDING
    assert "Test outer-hip" in started.said_text()


def test_nothing_happens_while_idle(coach: CoachDriver):
    coach.advance(3600)
    assert coach.said() == []
    assert coach.engine.next_deadline() is None


def test_no_pain_or_stop_actions_in_a_quiet_session(started: CoachDriver):
    started.run_to_end()
    assert started.of_type(PainReported) == []
    assert started.of_type(StopSpeaking) == []

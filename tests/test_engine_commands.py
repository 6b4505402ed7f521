"""What each spoken command does to a running session."""

from __future__ import annotations

import pytest

from voicecoach.core import (
    Command,
    Heard,
    Intent,
    PainReported,
    Pressure,
    Say,
    SessionEngine,
    SessionFinished,
    SessionState,
    StateChanged,
    StepSkipped,
    StopSpeaking,
)
from voicecoach.core.engine import IDLE_HINT_S
from voicecoach.core.phrasebook import (
    IDLE_PAIN_ADVICE,
    PAIN_ADVICE,
    PROFESSIONAL_ADVICE,
    RUNNING_HELP,
    START_HINT,
)
from voicecoach.session.rehearsal import routine_minutes

from .coach_driver import CoachDriver
from .conftest import make_routine


def test_pause_stops_speech_at_once_and_freezes_remaining_time(started: CoachDriver):
    started.advance(10)
    actions = started.hear("pause")
    assert isinstance(actions[0], StopSpeaking) or any(
        isinstance(a, StopSpeaking) for a in actions
    )
    assert started.state is SessionState.PAUSED
    left = started.snapshot().step_seconds_left
    started.advance(600)
    assert started.snapshot().step_seconds_left == pytest.approx(left)
    assert started.said(since=10.001) == []  # no cues while paused


def test_pause_heard_as_a_cue_falls_due_comes_first_and_the_cue_after_resume(
    started: CoachDriver,
):
    started.advance(29)
    started.now = 30.0  # the cue "Switch to circular motions." is due at 30 s
    started.hear("pause")
    assert started.said(since=30.0) == ["Paused. Say resume when you're ready."]
    started.advance(5)
    started.hear("resume")
    assert started.said(since=35.0) == [
        "Resuming. Kneading, left side: 30 seconds left. Use medium pressure.",
        "Switch to circular motions.",
    ]


def test_a_command_heard_as_a_cue_falls_due_is_answered_before_the_cue(started: CoachDriver):
    started.advance(29)
    started.now = 30.0
    actions = started.hear("status")
    says = [a for a in actions if isinstance(a, Say)]
    assert says[0].text.startswith("Step 1 of 3.") and says[0].interrupt
    assert says[1] == Say("Switch to circular motions.")  # queued after, not cut off by it


def test_resume_says_where_we_are_and_continues(started: CoachDriver):
    started.advance(10)
    started.hear("pause")
    started.advance(100)
    started.hear("go")
    assert started.state is SessionState.HOLDING
    assert "Kneading, left side: 50 seconds left." in started.said()[-1]
    started.advance(50)
    assert started.when("Switch to your right side.") == pytest.approx(160)


def test_pause_during_instruction_reads_only_that_instruction_again_on_resume(
    coach: CoachDriver,
):
    from voicecoach.core import Command, Heard, SpeechFinished

    engine = coach.engine
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    engine.handle(SpeechFinished(), 8.0)  # the introduction heard in full
    engine.handle(Heard(Command(Intent.PAUSE)), 10.0)  # in the middle of step 1's instruction
    actions = engine.handle(Heard(Command(Intent.RESUME)), 15.0)
    [say] = [a for a in actions if isinstance(a, Say)]
    assert say.interrupt and say.text.startswith("Resuming. Step 1 of 3: Kneading.")
    assert "Knead the buttock slowly." in say.text
    assert "Lie on your side." not in say.text  # the routine's introduction is not read again


def test_resume_after_a_pause_in_the_introduction_goes_on_without_reading_it_again(
    coach: CoachDriver,
):
    from voicecoach.core import Command, Heard

    engine = coach.engine
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    engine.handle(Heard(Command(Intent.PAUSE)), 1.0)
    actions = engine.handle(Heard(Command(Intent.RESUME)), 5.0)
    [say] = [a for a in actions if isinstance(a, Say)]
    assert say.interrupt and say.text.startswith("Resuming. Step 1 of 3: Kneading.")
    assert "Lie on your side." not in say.text
    assert engine.state is SessionState.INSTRUCTING
    assert SessionState.INTRODUCING not in [
        a.state for a in actions if isinstance(a, StateChanged)]  # straight on, no flicker


def test_repeat_says_the_current_instruction_again(started: CoachDriver):
    started.advance(25)
    started.hear("repeat")
    last = started.said()[-1]
    assert "Knead the buttock slowly." in last
    assert "medium pressure" in last


def test_restart_begins_the_current_step_again(started: CoachDriver):
    started.advance(45)
    started.hear("restart")
    assert "Step 1 of 3: Kneading." in started.said()[-1]
    assert started.snapshot().step_seconds_left == pytest.approx(60)


def test_next_moves_to_the_other_side_then_the_next_step(started: CoachDriver):
    started.hear("next")
    assert "Switch to your right side." in started.said()[-1]
    started.hear("skip")
    assert "Step 2 of 3: Circles." in started.said()[-1]


def test_next_during_rest_starts_the_next_step(started: CoachDriver):
    started.advance(125)
    assert started.state is SessionState.RESTING
    started.hear("next")
    assert "Step 2 of 3" in started.said()[-1]


def test_next_on_last_step_finishes_the_routine(started: CoachDriver):
    started.hear("next")
    started.hear("next")
    started.hear("next")
    started.hear("next")
    assert started.state is SessionState.FINISHED
    assert PROFESSIONAL_ADVICE in started.said_text()


def test_back_goes_to_the_previous_step(started: CoachDriver):
    started.hear("next")
    started.hear("next")
    started.hear("go back")
    assert "Step 1 of 3: Kneading." in started.said()[-1]
    assert started.snapshot().side == "right"  # each side counts: the side done last


def _two_sided_steps() -> CoachDriver:
    """Steps 1 and 2 both done on each side, as the README's "each side counts" is about."""
    base = make_routine("glutes")
    steps = [step.model_dump() for step in base.steps]
    steps[1]["both_sides"] = True
    coach = CoachDriver({"glutes": make_routine("glutes", steps=steps)})
    coach.hear("start glutes")
    return coach


def _where(coach: CoachDriver) -> tuple[int, str | None]:
    snapshot = coach.snapshot()
    return snapshot.step_number, snapshot.side


def test_back_on_a_steps_first_side_goes_to_the_previous_steps_last_side():
    coach = _two_sided_steps()
    coach.hear("next")  # step 1, right side
    coach.hear("next")  # step 2, left side
    assert _where(coach) == (2, "left")
    coach.hear("back")
    assert _where(coach) == (1, "right")
    assert "Step 1 of 3: Kneading." in coach.said()[-1] and "Right side now." in coach.said()[-1]


def test_back_and_next_walk_the_same_sides_in_opposite_directions():
    coach = _two_sided_steps()
    forward = [_where(coach)]
    for _ in range(3):
        coach.hear("next")
        forward.append(_where(coach))
    assert forward == [(1, "left"), (1, "right"), (2, "left"), (2, "right")]
    backward = [_where(coach)]
    for _ in range(3):
        coach.hear("back")
        backward.append(_where(coach))
    assert backward == forward[::-1]


def test_back_during_a_rest_goes_to_the_side_just_done():
    coach = _two_sided_steps()
    coach.advance(125)  # both sides of step 1, into its rest
    assert coach.state is SessionState.RESTING
    coach.hear("back")
    assert _where(coach) == (1, "right") and coach.state is SessionState.HOLDING


def test_back_walks_sides_in_the_order_the_user_chose():
    coach = _two_sided_steps()
    coach.hear("right")  # right side first
    coach.hear("next")
    coach.hear("next")
    assert _where(coach) == (2, "right")
    coach.hear("back")
    assert _where(coach) == (1, "left")


def test_back_on_the_first_step_says_so_and_starts_it_over_in_one_utterance(
        started: CoachDriver):
    """Two answers, the second cutting off the first, left the user unsure which was meant."""
    started.advance(30)
    said = [a for a in started.hear("back") if isinstance(a, Say)]
    assert len(said) == 1 and said[0].interrupt
    assert said[0].text.startswith(
        "This is the first step, so we'll start it again. Step 1 of 3: Kneading. Knead")
    started.advance(0.1)
    assert started.snapshot().step_seconds_left == pytest.approx(60, abs=0.2)


def test_stop_ends_at_once_with_a_summary(started: CoachDriver):
    started.advance(130)
    actions = started.hear("stop")
    stopping, summary = (a for a in actions if isinstance(a, Say))
    assert stopping.interrupt and stopping.text == "Stopping."  # made before the session
    assert not summary.interrupt
    assert "You finished 1 of 3 steps" in summary.text
    assert PROFESSIONAL_ADVICE in summary.text
    [finished] = started.of_type(SessionFinished)
    assert finished.summary.reason == "stopped"
    assert started.state is SessionState.FINISHED
    assert started.engine.next_deadline() is None


def test_slower_scales_the_remaining_hold_and_later_holds(started: CoachDriver):
    started.advance(20)
    started.hear("slower")
    assert "Slower: 50 seconds left" in started.said()[-1]
    started.run_to_end()
    # 20 s at pace 1, then 40 s of hold at 1.25, then three holds (60, 60... ) all at 1.25.
    holds = 20 + 40 * 1.25 + (60 + 30 + 45) * 1.25
    assert started.now == pytest.approx(holds + 20 + 10)


def test_cues_move_with_the_pace(started: CoachDriver):
    started.advance(10)
    started.hear("slower")
    started.advance(60)
    assert started.when("A little deeper now.") == pytest.approx(10 + 10 * 1.25)


def test_faster_shortens_and_pace_is_bounded(started: CoachDriver):
    for _ in range(3):
        started.hear("faster")
    assert started.snapshot().pace == pytest.approx(0.512)
    started.hear("faster")
    assert started.snapshot().pace == pytest.approx(0.5)  # stops at the bound
    started.hear("faster")
    assert "already the fastest pace" in started.said()[-1]
    assert started.snapshot().pace == pytest.approx(0.5)
    for _ in range(10):
        started.hear("slower")
    assert started.snapshot().pace == pytest.approx(2.0)


def test_lighter_and_firmer_move_pressure_a_level_and_confirm(started: CoachDriver):
    started.advance(25)  # medium now
    started.hear("lighter")
    assert started.said()[-1] == "Lighter: use light pressure."
    assert started.snapshot().pressure is Pressure.LIGHT
    started.hear("lighter")
    assert "already the lightest pressure" in started.said()[-1]
    started.hear("firmer")
    started.hear("firmer")
    assert started.snapshot().pressure is Pressure.FIRM


def test_after_lighter_the_ramp_asks_for_no_more_than_the_user_chose(started: CoachDriver):
    started.hear("lighter")  # light stays light: nothing to lower
    started.advance(25)
    started.hear("lighter")  # medium -> light
    started.advance(20)  # the plan's firm point arrives: still light, and nothing said
    assert started.snapshot().pressure is Pressure.LIGHT
    assert not [text for text in started.said(since=25.5) if "pressure" in text]
    started.advance(20)  # the right side, and the next steps, stay light too
    assert started.snapshot().pressure is Pressure.LIGHT
    assert "Switch to your right side. Use light pressure." in started.said()


def test_more_time_adds_thirty_seconds(started: CoachDriver):
    started.advance(55)
    started.hear("more time")
    assert started.snapshot().step_seconds_left == pytest.approx(35)
    started.advance(40)
    assert started.when("Switch to your right side.") == pytest.approx(90)
    ten = [t for t, a in started.log if "Ten seconds" in getattr(a, "text", "")]
    assert ten == [50.0, 80.0]  # said again once the extra time runs down


def test_status_tells_step_and_times(started: CoachDriver):
    started.advance(15)
    started.hear("status")
    text = started.said()[-1]
    assert text.startswith("Step 1 of 3. Kneading, left side: 45 seconds left.")
    # 45 + 60 + 20 + 30 + 10 + 45 = 210 s of holds and rests, and 28 s of words at 150 a minute
    assert "About 4 minutes to go." in text


@pytest.mark.parametrize("rate", [150, 80])
@pytest.mark.parametrize("name", ["quick-hip", "glutes"])
def test_how_long_at_the_start_says_the_minutes_list_shows_at_the_users_speech_rate(
        library, name: str, rate: int):
    """The coach and `voicecoach list` give one figure: the holds at the user's pace and the
    coach's own words at their speech rate (quick-hip's holds and rests alone are 5 minutes;
    said at 150 words a minute, the session takes 7)."""
    engine = SessionEngine(library.routines, words_per_minute=rate)
    engine.handle(Heard(Command(Intent.START, {"routine": name})), 0.0)
    answer = [a.text for a in engine.handle(Heard(Command(Intent.STATUS)), 3.0)
              if isinstance(a, Say)]
    listed = routine_minutes(library.routines[name], rate)
    assert f"about {listed} minutes in all." in answer[0], (answer, listed)


def test_first_pain_report_interrupts_and_keeps_pressure_light(started: CoachDriver):
    started.advance(45)  # firm by now
    actions = started.hear("that hurts")
    say = next(a for a in actions if isinstance(a, Say))
    assert say.interrupt
    assert "Ease off to light pressure" in say.text
    assert "sharp or shooting, stop" in say.text
    assert started.snapshot().pressure is Pressure.LIGHT
    started.hear("firmer")
    assert started.snapshot().pressure is Pressure.LIGHT
    started.advance(16)  # the right side of the same step stays light
    assert started.snapshot().pressure is Pressure.LIGHT
    [report] = started.of_type(PainReported)
    assert report.step_title == "Kneading" and report.areas == ("glutes",)


def test_pressure_returns_to_plan_on_the_next_step(started: CoachDriver):
    started.hear("ouch")
    started.hear("next")
    started.hear("next")
    assert "Step 2 of 3" in started.said()[-1]
    assert "Use light pressure." in started.said()[-1]
    started.advance(1)
    assert started.snapshot().pressure is Pressure.LIGHT  # the plan's own start


def test_second_pain_report_suggests_stopping_and_seeing_a_professional(started):
    started.hear("ouch")
    started.advance(5)
    started.hear("too much")
    assert started.state is SessionState.ASKING
    assert "professional" in started.said()[-1]
    assert "Shall we stop?" in started.said()[-1]
    started.hear("yes")
    assert started.state is SessionState.FINISHED


def test_a_third_pain_report_is_not_called_the_second(started: CoachDriver):
    started.hear("ouch")
    started.hear("it hurts")
    assert "That's the second time" in started.said()[-1]
    started.hear("no")
    started.advance(5)
    started.hear("that hurts")
    asked = started.said()[-1]
    assert started.state is SessionState.ASKING and "Shall we stop?" in asked
    assert "second" not in asked
    assert "It keeps hurting" in asked
    started.hear("no")
    started.hear("that hurts")  # a fourth, and later ones: the same true words
    assert started.said()[-1] == asked


def test_pain_keeps_counting_when_the_user_switches_routine(started: CoachDriver):
    """The same sitting: pain in glutes, then "start outer hip", then pain again is the second
    report, and the coach asks whether to stop rather than giving first-report advice."""
    started.hear("that hurts")
    assert started.said()[-1] == PAIN_ADVICE
    started.hear("start outer hip")
    started.hear("yes")
    started.advance(5)
    started.hear("that hurts")
    assert started.state is SessionState.ASKING
    assert "That's the second time" in started.said()[-1]
    started.hear("yes")
    # The history counts each routine's own reports: glutes' pain is not counted twice.
    assert [f.summary.pain_reports for f in started.of_type(SessionFinished)] == [1, 1]


def test_pain_counts_afresh_in_a_session_started_after_one_has_ended(started: CoachDriver):
    started.hear("that hurts")
    started.hear("stop")
    started.hear("start outer hip")
    started.advance(5)
    started.hear("that hurts")
    assert started.said()[-1] == PAIN_ADVICE


def test_declining_to_stop_after_pain_carries_on_gently(started: CoachDriver):
    started.hear("ouch")
    started.hear("it hurts")
    started.advance(300)  # the question holds the session still
    assert started.snapshot().step_seconds_left == pytest.approx(60)
    started.hear("no")
    assert started.state is SessionState.HOLDING
    assert "carry on gently" in started.said()[-1]


def test_unanswered_question_is_asked_once_more(started: CoachDriver):
    started.hear("start outer hip")
    started.advance(60)
    asked = [text for text in started.said() if "start Test outer-hip instead" in text]
    assert len(asked) == 2


def test_starting_another_routine_asks_first(started: CoachDriver):
    started.hear("start outer hip")
    assert started.state is SessionState.ASKING
    assert "Say yes or no" in started.said()[-1]
    started.hear("no")
    assert started.state is SessionState.HOLDING
    started.hear("start outer hip")
    started.hear("yes")
    assert "Test outer-hip" in started.said_text()
    [finished] = started.of_type(SessionFinished)
    assert finished.summary.routine == "glutes"
    assert started.state is SessionState.HOLDING


def test_other_commands_during_a_question_repeat_it(started: CoachDriver):
    started.hear("start outer hip")
    started.hear("slower")
    assert "Say yes or no" in started.said()[-1]
    assert started.snapshot().pace == 1.0


def test_help_offers_the_commands_that_make_sense_now(coach: CoachDriver):
    coach.hear("help")
    assert "Say start and a routine name" in coach.said()[-1]
    coach.hear("start glutes")
    coach.hear("help")
    assert "pause" in coach.said()[-1] and "that hurts" in coach.said()[-1]
    coach.hear("pause")
    coach.hear("help")
    assert coach.said()[-1].startswith("Say resume")


def test_list_names_the_routines(coach: CoachDriver):
    coach.hear("list routines")
    assert "I know 2 routines: glutes and outer hip." in coach.said()[-1]


def test_yes_and_no_nobody_asked_for_change_nothing(started: CoachDriver):
    before = len(started.log)
    started.hear("yes")
    started.hear("no")
    assert len(started.log) == before


def test_unknown_utterance_is_not_a_command(coach: CoachDriver):
    assert coach.grammar.parse("marvin went to the house") is None


def test_side_picks_which_side_comes_first(started: CoachDriver):
    started.hear("right")
    assert started.said()[-1] == "Okay: right side first."
    assert started.snapshot().side == "right"
    started.hear("next")
    assert "Switch to your left side." in started.said()[-1]


def test_commands_while_idle_explain_how_to_start(coach: CoachDriver):
    coach.hear("pause")
    assert "Nothing is running." in coach.said()[-1]
    coach.hear("ouch")
    assert "professional" in coach.said()[-1]
    assert coach.state is SessionState.IDLE


def test_between_sessions_the_start_hint_is_said_at_most_once_a_minute(coach: CoachDriver):
    coach.hear("pause")  # a room's talk heard as commands, again and again
    coach.advance(10)
    coach.hear("next")
    coach.hear("help")
    coach.advance(20)
    coach.hear("start over")
    assert coach.said() == [f"Nothing is running. {START_HINT}"]
    coach.advance(IDLE_HINT_S - 30)
    coach.hear("help")  # a minute after the last hint: said again
    assert coach.said()[-1] == START_HINT and len(coach.said()) == 2


def test_between_sessions_real_answers_are_not_held_back_by_the_hint(coach: CoachDriver):
    coach.hear("next")
    coach.hear("list routines")
    assert coach.said()[-1].startswith("I know 2 routines")
    coach.hear("that hurts")
    assert coach.said()[-1] == IDLE_PAIN_ADVICE
    coach.hear("start glutes")
    coach.hear("help")  # running: help is always answered
    assert coach.said()[-1] == RUNNING_HELP


def test_pain_while_idle_is_not_recorded_as_a_session_report(coach: CoachDriver):
    coach.hear("that hurts")
    assert coach.of_type(PainReported) == []


def test_status_during_rest_names_the_next_step(started: CoachDriver):
    started.advance(125)
    started.hear("how long left")
    assert started.said()[-1].startswith(
        "Resting: 15 seconds left. Next is step 2 of 3: Circles."
    )


def test_moving_on_from_a_step_under_way_counts_it_skipped_not_finished(started: CoachDriver):
    started.hear("next")  # to the right side
    started.advance(5)
    started.hear("next")  # on to step 2 before step 1's hold was done
    started.hear("stop")
    assert "You finished 0 of 3 steps and skipped 1, in 5 seconds." in started.said()[-1]
    [finished] = started.of_type(SessionFinished)
    assert (finished.summary.steps_completed, finished.summary.steps_skipped) == (0, 1)
    assert [a.step_index for a in started.of_type(StepSkipped)] == [0]


def test_next_then_stop_says_how_many_were_skipped(started: CoachDriver):
    for _ in range(3):  # step 1's second side, step 2, step 3
        started.hear("next")
    started.hear("stop")
    assert "You finished 0 of 3 steps and skipped 2, in 0 seconds." in started.said()[-1]


def test_next_through_every_step_finishes_with_each_step_skipped(started: CoachDriver):
    for _ in range(7):  # more than there are steps and sides: the routine closes
        started.hear("next")
    [finished] = started.of_type(SessionFinished)
    assert (finished.summary.steps_completed, finished.summary.steps_skipped) == (0, 3)


def test_a_skipped_step_done_properly_after_going_back_is_finished_not_skipped(
        started: CoachDriver):
    started.hear("next")
    started.hear("next")  # step 1 skipped, now on Circles
    started.hear("go back")  # step 1 again, right side
    started.hear("go back")  # and its left side
    started.advance(150)  # both sides held to the end, the rest, and into Circles
    started.hear("stop")
    [finished] = started.of_type(SessionFinished)
    assert (finished.summary.steps_completed, finished.summary.steps_skipped) == (1, 0)
    assert "You finished 1 of 3 steps in" in started.said()[-1]


def test_heat_steps_have_no_pressure_to_change():
    heat = make_routine(
        "heat",
        steps=[{"title": "Heat pad", "instruction": "Lay the heat pad on your hip.",
                "hold_seconds": 600, "technique": "heat"}],
    )
    driver = CoachDriver({"heat": heat})
    driver.hear("start heat")
    assert "pressure" not in driver.said()[-1]
    driver.hear("firmer")
    assert driver.said()[-1] == "This step has no pressure to change."


def test_speak_slower_changes_the_voice_and_says_so_in_it(coach: CoachDriver):
    from voicecoach.core import ChangeVoice

    actions = coach.hear("speak slower")
    assert actions[0] == ChangeVoice("slower")
    assert coach.said()[-1] == "Okay, speaking slower."

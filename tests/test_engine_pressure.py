"""Every promise the coach makes about pressure holds: light after pain, for the step and, after
a second report, for the rest of the session; no more than the user chose after "lighter"; and
only the user's own "firmer" lifts it."""

from __future__ import annotations

from voicecoach.core import (
    Command,
    Heard,
    Intent,
    PainPattern,
    Precautions,
    Pressure,
    Routine,
    Say,
    SessionEngine,
    SessionFinished,
    SessionState,
    SpeechFinished,
)
from voicecoach.core.pressure_words import asks_for_more

from .coach_driver import CoachDriver
from .conftest import make_routine

RAMP_WORDS = ("Press deeper now.", "Squeeze harder now.")


def _firm_routine() -> dict[str, Routine]:
    """Steps that ramp up with words of their own: step 1 from medium to firm (both sides in
    "glutes"), step 2 from light to medium to firm."""
    step = {
        "instruction": "Knead the buttock slowly.",
        "hold_seconds": 60,
        "technique": "kneading",
        "pressure": {"start": "medium",
                     "ramp": [{"after_seconds": 30, "level": "firm", "say": RAMP_WORDS[0]}]},
        "rest_seconds": 10,
    }
    second = {**step, "title": "Knead again", "rest_seconds": 0, "pressure": {
        "start": "light",
        "ramp": [{"after_seconds": 20, "level": "medium", "say": RAMP_WORDS[1]},
                 {"after_seconds": 40, "level": "firm"}]}}
    return {r.name: r for r in (
        make_routine("glutes", steps=[{**step, "title": "Knead", "both_sides": True}, second]),
        make_routine("outer-hip", steps=[{**step, "title": "Knead"}, second]),
    )}


def _coach() -> CoachDriver:
    return CoachDriver(_firm_routine())


def _asking_for_more(said: list[str]) -> list[str]:
    """The sentences that ask for more than light pressure, in any of the coach's words."""
    return [text for text in said
            if asks_for_more(text) or any(words in text for words in RAMP_WORDS)
            or "Now use" in text]


def _pressures_to_the_end(coach: CoachDriver) -> set[Pressure | None]:
    """The pressure asked for at every second until the session ends."""
    pressures = set()
    while coach.state is not SessionState.FINISHED:
        pressures.add(coach.snapshot().pressure)
        coach.advance(1)
    return pressures


def test_light_pressure_holds_after_the_user_chooses_to_carry_on_gently():
    coach = _coach()
    coach.hear("start glutes")
    coach.advance(5)
    coach.hear("that hurts")
    coach.advance(5)
    coach.hear("that hurts")
    coach.hear("no")
    assert "carry on gently" in coach.said()[-1]
    since = coach.now
    assert _pressures_to_the_end(coach) <= {Pressure.LIGHT, None}
    assert _asking_for_more(coach.said(since=since)) == []
    assert "Use light pressure." in coach.said_text(since=since)


def test_firmer_said_by_the_user_lifts_the_gentle_pressure_one_level_at_a_time():
    coach = _coach()
    coach.hear("start glutes")
    coach.hear("that hurts")
    coach.hear("that hurts")
    coach.hear("no")
    coach.hear("firmer")  # the step that hurt stays light to its end
    assert coach.snapshot().pressure is Pressure.LIGHT
    coach.hear("next")
    coach.hear("next")  # step 2, planned light, then medium and firm
    coach.hear("firmer")
    assert coach.said()[-1] == "Firmer: use medium pressure."
    coach.advance(45)  # the plan's firm point passes: the user asked for medium, not firm
    assert coach.snapshot().pressure is Pressure.MEDIUM
    assert not any(words in coach.said_text() for words in RAMP_WORDS)


def test_after_lighter_no_ramp_pushes_the_pressure_back_up_until_firmer():
    coach = _coach()
    coach.hear("start glutes")
    coach.hear("lighter")  # medium -> light
    assert coach.said()[-1] == "Lighter: use light pressure."
    coach.advance(40)  # the firm point at 30 s
    assert coach.snapshot().pressure is Pressure.LIGHT
    assert _asking_for_more(coach.said(since=0.001)) == []
    coach.hear("firmer")
    assert coach.snapshot().pressure is Pressure.MEDIUM
    coach.advance(25)  # the right side: the user's medium, no more
    assert coach.snapshot().pressure is Pressure.MEDIUM
    assert not any(words in coach.said_text() for words in RAMP_WORDS)


def test_lighter_then_firmer_is_the_users_level_and_the_ramp_stays_below_it():
    coach = _coach()
    coach.hear("start glutes")
    coach.hear("lighter")
    coach.hear("firmer")  # medium again, chosen by the user: the plan's firm is not
    coach.advance(35)
    assert coach.snapshot().pressure is Pressure.MEDIUM
    assert RAMP_WORDS[0] not in coach.said_text()
    coach.hear("firmer")
    assert coach.snapshot().pressure is Pressure.FIRM
    coach.hear("stop")
    [finished] = coach.of_type(SessionFinished)
    assert finished.summary.pressure_offset == 1  # lighter once, firmer twice: for the history


def test_pain_during_a_rest_keeps_the_step_about_to_begin_light():
    coach = _coach()
    coach.hear("start glutes")
    coach.advance(125)  # both sides done: resting before step 2
    assert coach.state is SessionState.RESTING
    coach.hear("that hurts")
    assert "light for the rest of this step" in coach.said()[-1]
    since = coach.now
    coach.advance(75)  # step 2 ends at 130 + 60
    assert "Step 2 of 2" in coach.said_text(since=since)
    assert _asking_for_more(coach.said(since=since)) == []


def test_pain_during_a_rest_keeps_the_step_just_done_light_if_the_user_goes_back():
    coach = _coach()
    coach.hear("start glutes")
    coach.advance(125)
    coach.hear("that hurts")
    coach.hear("back")  # the right side of step 1 again
    assert "Right side now. Use light pressure." in coach.said()[-1]
    coach.advance(40)  # its firm point passes
    assert coach.snapshot().pressure is Pressure.LIGHT


def test_an_instruction_read_again_after_pain_asks_for_light_pressure():
    """Hurt twice while step 1's instruction is read ("Use medium pressure."), then carrying
    on: the instruction is read again, and asks for light pressure."""
    engine = SessionEngine(_firm_routine())
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    engine.handle(Heard(Command(Intent.NEXT)), 0.0)  # skip the introduction: no speech ends
    assert engine.state is SessionState.INSTRUCTING
    engine.handle(Heard(Command(Intent.PAIN)), 1.0)
    engine.handle(Heard(Command(Intent.PAIN)), 2.0)
    engine.handle(SpeechFinished(), 2.5)  # "Shall we stop?" said: now it takes an answer
    actions = engine.handle(Heard(Command(Intent.NO)), 3.0)
    [again] = [a.text for a in actions if isinstance(a, Say)]
    assert "Knead the buttock slowly." in again
    assert again.endswith("Use light pressure.")


def test_a_gentle_session_offered_after_pain_that_keeps_coming_back_stays_gentle():
    coach = _coach()
    coach.send(Precautions(persistent_pain=PainPattern(sessions=3, area=None)))
    coach.hear("start glutes")
    assert "a gentle session" in coach.said()[-1]
    coach.hear("yes")
    assert _pressures_to_the_end(coach) <= {Pressure.LIGHT, None}
    assert _asking_for_more(coach.said()) == []


def test_the_next_session_after_a_gentle_one_follows_its_plan_again():
    coach = _coach()
    coach.send(Precautions(persistent_pain=PainPattern(sessions=3, area=None)))
    coach.hear("start glutes")
    coach.hear("yes")
    coach.hear("stop")
    coach.hear("start glutes")  # the warning was heard: this sitting's precautions are met
    assert coach.snapshot().pressure is Pressure.MEDIUM


def test_restarting_the_introduction_keeps_what_the_session_promised():
    engine = SessionEngine(_firm_routine())
    engine.handle(Heard(Command(Intent.START, {"routine": "glutes"})), 0.0)
    engine.handle(Heard(Command(Intent.PAIN)), 1.0)  # in the introduction: step 1 stays light
    engine.handle(Heard(Command(Intent.RESTART)), 2.0)
    assert engine.state is SessionState.INTRODUCING
    engine.handle(Heard(Command(Intent.NEXT)), 3.0)
    assert engine.snapshot(3.0).pressure is Pressure.LIGHT


def test_a_routine_started_instead_of_a_gently_held_one_is_held_gently_too():
    coach = _coach()
    coach.hear("start glutes")
    coach.hear("that hurts")
    coach.hear("that hurts")
    coach.hear("no")
    coach.advance(1)
    coach.hear("start outer hip")
    coach.hear("yes")
    since = coach.now
    assert _pressures_to_the_end(coach) <= {Pressure.LIGHT, None}
    assert _asking_for_more(coach.said(since=since)) == []


def test_pain_said_while_a_switch_is_asked_keeps_the_next_routine_light():
    """Pain in glutes, then "start outer hip", and pain again before the answer: it has hurt
    twice in this sitting, so the routine switched to is held light from its first step."""
    coach = _coach()
    coach.hear("start glutes")
    coach.advance(5)
    coach.hear("that hurts")
    coach.hear("start outer hip")
    coach.hear("that hurts")
    coach.hear("yes")
    since = coach.now
    assert _pressures_to_the_end(coach) <= {Pressure.LIGHT, None}
    assert _asking_for_more(coach.said(since=since)) == []
    assert "Use light pressure." in coach.said_text(since=since)

"""A step's timing on its own: what falls due in a hold or a rest, when, and in which order."""

from __future__ import annotations

import pytest

from voicecoach.core.routine import Cue, PressureChange, Step
from voicecoach.core.schedule import Moment, StepSchedule


def _step(hold_seconds: int = 60) -> Step:
    return Step.model_validate({
        "title": "Kneading",
        "instruction": "Knead slowly.",
        "hold_seconds": hold_seconds,
        "technique": "kneading",
        "pressure": {"ramp": [{"after_seconds": 10, "level": "medium", "say": "Deeper."}]},
        "cues": [{"at_seconds": 10, "say": "Circles now."}],
    })


def test_a_hold_says_what_is_due_in_order_ramp_cue_countdown_end() -> None:
    schedule = StepSchedule.hold(_step(), pace=1.0)
    assert schedule.real_seconds_to_next() == pytest.approx(10.0)
    schedule.advance(10.0)
    due = schedule.take_due()
    assert [type(item) for item in due] == [PressureChange, Cue]
    assert schedule.take_due() == []  # taken once
    assert schedule.real_seconds_to_next() == pytest.approx(40.0)  # ten seconds before the end
    schedule.advance(40.0)
    assert schedule.take_due() == [Moment.TEN_SECONDS_LEFT]
    schedule.advance(10.0)
    assert schedule.take_due() == [Moment.TIME_UP]


def test_a_short_hold_and_a_rest_have_no_countdown() -> None:
    short = StepSchedule.hold(_step(hold_seconds=20), pace=1.0)
    short.advance(20.0)
    assert Moment.TEN_SECONDS_LEFT not in short.take_due()
    rest = StepSchedule.rest(30)
    assert rest.real_seconds_to_next() == pytest.approx(30.0)
    rest.advance(30.0)
    assert rest.take_due() == [Moment.TIME_UP]


def test_a_slower_pace_stretches_every_point_in_the_hold() -> None:
    schedule = StepSchedule.hold(_step(), pace=1.0)
    schedule.set_pace(2.0)
    assert schedule.real_seconds_to_next() == pytest.approx(20.0)


def test_more_time_after_the_countdown_says_it_again() -> None:
    schedule = StepSchedule.hold(_step(), pace=1.0)
    schedule.advance(50.0)
    assert Moment.TEN_SECONDS_LEFT in schedule.take_due()
    schedule.add_real_seconds(30.0)
    assert schedule.real_seconds_to_next() == pytest.approx(30.0)
    schedule.advance(30.0)
    assert schedule.take_due() == [Moment.TEN_SECONDS_LEFT]


def test_more_time_asked_before_the_hold_lengthens_it() -> None:
    schedule = StepSchedule.hold(_step(hold_seconds=20), pace=1.0, extra_real_seconds=30.0)
    schedule.advance(40.0)
    assert schedule.take_due()[-1] is Moment.TEN_SECONDS_LEFT

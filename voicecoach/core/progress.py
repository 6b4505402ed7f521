"""How far a session has got: as the terminal shows it (`snapshot`) and as the coach says it
(`where_we_are`). Pure: no I/O, no threads, no clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import phrasebook as phrases
from . import wording
from .messages import TIMED_PHASES, SessionState, Snapshot
from .routine import Step

if TYPE_CHECKING:
    from .course import SessionCourse

def where_we_are(course: SessionCourse) -> str:
    """In a hold or a rest, how long it has left (and, in a hold, the pressure); else ""."""
    timer = course.timer
    if course.phase is SessionState.RESTING and timer:
        return phrases.RESTING_LEFT.say(left=wording.duration(timer.real_seconds_left))
    if course.phase is SessionState.HOLDING and timer:
        step = course.step
        left = wording.duration(timer.real_seconds_left)
        if step.both_sides:
            where = phrases.HOLD_LEFT_ON_SIDE.say(title=step.title, side=course.side_name,
                                                  left=left)
        else:
            where = phrases.HOLD_LEFT.say(title=step.title, left=left)
        pressure = course.pressure_words(course.pressure_now())
        return wording.sentence(f"{where} {pressure}")
    return ""


def snapshot(course: SessionCourse, now: float) -> Snapshot:
    routine = course.routine
    if routine is None:
        return Snapshot(state=course.state)
    step, timer = course.step, course.timer
    running_for = course.seconds_since_update(now)
    step_left = step_total = None
    if timer is not None and course.phase in TIMED_PHASES:
        step_left = max(0.0, timer.real_seconds_left - running_for)
        step_total = timer.length / timer.rate
    return Snapshot(
        state=course.state,
        routine_title=routine.title,
        step_number=course.step_index + 1,
        step_count=len(routine.steps),
        step_title=step.title,
        instruction=step.instruction,
        side=course.side_name if step.both_sides else None,
        pressure=course.pressure_now(),
        step_seconds_left=step_left,
        step_seconds_total=step_total,
        routine_seconds_left=max(0.0, routine_seconds_left(course) - running_for),
        pace=course.pace,
    )


def routine_seconds_left(course: SessionCourse) -> float:
    """The holds and rests still to run, at the pace: the snapshot's count, which moves only
    with them. What the coach says is `seconds_to_go` (time_to_go.py), its words included."""
    assert course.routine is not None
    steps, pace, timer = course.routine.steps, course.pace, course.timer
    if course.phase is SessionState.CLOSING:
        return 0.0

    def whole(step: Step) -> float:
        return step.hold_seconds * step.sides * pace + step.rest_seconds

    if course.phase is SessionState.INTRODUCING:
        return sum(whole(step) for step in steps)
    index = course.step_index
    step = steps[index]
    if course.phase is SessionState.RESTING and timer:
        current = timer.real_seconds_left
    else:
        in_hold = course.phase is SessionState.HOLDING and timer
        this_side = (
            timer.real_seconds_left
            if in_hold and timer
            else step.hold_seconds * pace + course.extra_hold_seconds
        )
        other_sides = (step.sides - 1 - course.side_index) * step.hold_seconds * pace
        current = this_side + other_sides + step.rest_seconds
    return current + sum(whole(later) for later in steps[index + 1 :])

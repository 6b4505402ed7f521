"""The timing of one hold or rest: what falls due in it, and when. Pure: no clock.

A hold runs on a `Countdown` at 1/pace, and inside it fall the routine's pressure ramp points,
its cues and, for a hold long enough to need it, "ten seconds left"; a rest has only its end.
The engine advances the schedule by real seconds, asks how long until the next thing is due,
and takes what is due, in the order it is said: ramp points, cues, the countdown, the end.
Sides are two holds, one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .routine import Cue, PressureChange, Step
from .timer import EPSILON, Countdown

TEN_SECONDS_LEFT = 10.0
COUNTDOWN_MIN_HOLD = 20.0  # real seconds; a shorter hold needs no "ten seconds left"


class Moment(StrEnum):
    TEN_SECONDS_LEFT = "ten_seconds_left"
    TIME_UP = "time_up"


Due = PressureChange | Cue | Moment


@dataclass
class StepSchedule:
    timer: Countdown
    ramp: Sequence[PressureChange] = ()
    cues: Sequence[Cue] = ()
    counts_down: bool = False  # a hold says "ten seconds left"; a rest does not
    ramps_done: int = 0
    cues_done: int = 0
    ten_said: bool = False

    @classmethod
    def hold(cls, step: Step, pace: float, extra_real_seconds: float = 0.0) -> StepSchedule:
        """One side's hold at `pace`, lengthened by "more time" asked for before it began."""
        timer = Countdown(length=float(step.hold_seconds), rate=1.0 / pace)
        timer.extend_by_real_seconds(extra_real_seconds)
        return cls(timer, step.pressure.ramp, step.cues, counts_down=True)

    @classmethod
    def rest(cls, seconds: float) -> StepSchedule:
        return cls(Countdown(length=float(seconds)))

    def advance(self, real_seconds: float) -> None:
        self.timer.advance(real_seconds)

    def real_seconds_to_next(self) -> float:
        """Real seconds until the next thing falls due (0 when something already has)."""
        timer = self.timer
        marks = [timer.length]
        if self.ramps_done < len(self.ramp):
            marks.append(self.ramp[self.ramps_done].after_seconds)
        if self.cues_done < len(self.cues):
            marks.append(self.cues[self.cues_done].at_seconds)
        seconds = min(timer.real_seconds_until(mark) for mark in marks)
        if self._countdown_pending():
            seconds = min(seconds, timer.real_seconds_left - TEN_SECONDS_LEFT)
        return seconds

    def take_due(self) -> list[Due]:
        """Everything that has fallen due and was not taken yet, in the order it is said."""
        timer, due = self.timer, list[Due]()
        while self.ramps_done < len(self.ramp) and timer.reached(
            self.ramp[self.ramps_done].after_seconds
        ):
            due.append(self.ramp[self.ramps_done])
            self.ramps_done += 1
        while self.cues_done < len(self.cues) and timer.reached(
            self.cues[self.cues_done].at_seconds
        ):
            due.append(self.cues[self.cues_done])
            self.cues_done += 1
        if self._countdown_pending() and timer.real_seconds_left <= TEN_SECONDS_LEFT + EPSILON:
            self.ten_said = True
            due.append(Moment.TEN_SECONDS_LEFT)
        if timer.finished:
            due.append(Moment.TIME_UP)
        return due

    def set_pace(self, pace: float) -> None:
        self.timer.rate = 1.0 / pace

    def add_real_seconds(self, seconds: float) -> None:
        """ "More time": the countdown is said again if the end moved past it."""
        self.timer.extend_by_real_seconds(seconds)
        if self.timer.real_seconds_left > TEN_SECONDS_LEFT:
            self.ten_said = False

    def _countdown_pending(self) -> bool:
        timer = self.timer
        return (
            self.counts_down
            and not self.ten_said
            and timer.length / timer.rate > COUNTDOWN_MIN_HOLD
            and timer.real_seconds_left > TEN_SECONDS_LEFT - EPSILON
        )

"""What one session has done, for its summary and its history: the steps completed and
skipped, the pain reported, the user's adjustments. Pure: no I/O, no threads, no clock.
"""

from __future__ import annotations

from . import phrasebook as phrases
from . import wording
from .messages import (
    Action,
    EndReason,
    PainReported,
    SessionSummary,
    StepCompleted,
    StepSkipped,
)
from .routine import Pressure, Routine


class SessionRecord:
    def __init__(self, started_at: float) -> None:
        self.started_at = started_at
        self.pain_reports = 0  # this routine's, for its history
        self.adjustments: list[str] = []  # the user's changes of pace, pressure and time
        self._completed: set[int] = set()
        self._skipped: set[int] = set()  # moved on from with "next"; one finished later is not

    def complete(self, step_index: int, title: str, out: list[Action]) -> None:
        if step_index not in self._completed:
            self._completed.add(step_index)
            out.append(StepCompleted(step_index, title))

    def skip(self, step_index: int, title: str, out: list[Action]) -> None:
        if step_index not in self._completed | self._skipped:
            self._skipped.add(step_index)
            out.append(StepSkipped(step_index, title))

    def note_pain(self, routine: Routine, step_index: int, *, side: str | None,
                  pressure: Pressure | None, out: list[Action]) -> None:
        """"That hurts" in step `step_index`, on `side`, at `pressure` (None: a step without
        pressure)."""
        self.pain_reports += 1
        step = routine.steps[step_index]
        out.append(PainReported(
            routine=routine.name,
            step_index=step_index,
            step_title=step.title,
            areas=tuple(area.value for area in step.areas or routine.areas),
            reports_this_session=self.pain_reports,
            side=side,
            pressure=pressure,
        ))

    @property
    def steps_skipped(self) -> int:
        return len(self._skipped - self._completed)

    def minutes(self, now: float) -> str:
        """How long the session has run, as the coach says it."""
        return wording.about_minutes(now - self.started_at)

    def stop_summary(self, routine: Routine, now: float) -> str:
        """What the coach says when the user stops: what was done, and the advice."""
        done, steps = len(self._completed), wording.counted(len(routine.steps), "step")
        minutes, skipped = self.minutes(now), self.steps_skipped
        if skipped:
            what = phrases.STOP_SUMMARY_SKIPPED.say(done=done, steps=steps, skipped=skipped,
                                                    minutes=minutes)
        else:
            what = phrases.STOP_SUMMARY.say(done=done, steps=steps, minutes=minutes)
        return f"{what} {phrases.PROFESSIONAL_ADVICE.say()}"

    def summary(self, routine: Routine, reason: EndReason, now: float, *, pace: float,
                pressure_offset: int) -> SessionSummary:
        return SessionSummary(
            routine=routine.name,
            reason=reason,
            steps_completed=len(self._completed),
            steps_total=len(routine.steps),
            elapsed_seconds=now - self.started_at,
            pace=pace,
            pressure_offset=pressure_offset,
            pain_reports=self.pain_reports,
            adjustments=tuple(self.adjustments),
            steps_skipped=self.steps_skipped,
        )

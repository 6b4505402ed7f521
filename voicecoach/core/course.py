"""The course of a session: the engine's state, its time, and how a routine runs (steps,
sides, holds, rests, the closing). Pure: no I/O, no threads, no clock.

One object in four rooms, so that the state lives in one place: `SessionEngine` (engine.py)
dispatches events, `Answers` (questions.py) answers the coach's questions, `CommandHandlers`
(commands.py) says what each command does, and this `SessionCourse` under them all runs the
routine.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import StrEnum

from . import phrasebook as phrases
from . import wording
from .faults import FaultBook
from .intents import Side
from .messages import (
    Action,
    EndReason,
    Say,
    SessionFinished,
    SessionStarted,
    SessionState,
    SessionSummary,
    StateChanged,
    StepCompleted,
    StepSkipped,
)
from .precautions import Precautions
from .routine import Cue, Pressure, PressureChange, Routine, Step, Technique
from .schedule import Moment, StepSchedule
from .speaking_time import USUAL_WORDS_PER_MINUTE, VirtualSpeaker, seconds_to_say
from .timer import EPSILON, Countdown

PACE_BOUNDS = (0.5, 2.0)
PRESSURE_OFFSET_BOUNDS = (-2, 2)
QUESTION_REPEAT_SECONDS = 20.0
MAX_FIRINGS_PER_EVENT = 10_000
MAX_EVENTS_TO_THE_END = 1_000_000  # a session left alone that needs more is a bug

UNPRESSED_TECHNIQUES = (Technique.HEAT, Technique.ICE, Technique.BREATHING)

SPOKEN_PHASES = (SessionState.INTRODUCING, SessionState.INSTRUCTING, SessionState.CLOSING)
TIMED_PHASES = (SessionState.HOLDING, SessionState.RESTING)


class Question(StrEnum):
    SWITCH_ROUTINE = "switch_routine"
    STOP_AFTER_PAIN = "stop_after_pain"
    BEFORE_START = "before_start"  # the safety brief and/or a persistent-pain warning
    SAFETY_CHECK = "safety_check"  # the brief, asked for with "safety"


def clamp(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max(value, low), high)


def speaking_seconds(text: str, words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> float:
    """When to move on if the speaker never says it has finished: half as long again as saying
    `text` at the user's rate takes, and two seconds more (a deadline must not cut a slow voice
    short)."""
    return seconds_to_say(text, words_per_minute) * 1.5 + 2.0


class SessionCourse:
    def __init__(self, routines: Mapping[str, Routine], *, pace: float = 1.0,
                 wake_word: bool = False,
                 words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> None:
        """`wake_word`: while no session runs, act only on commands said after the wake word
        (`Command.addressed`), so that a television cannot start a routine.
        `words_per_minute`: the rate the voice is asked for (the user's `speech_rate`), so that
        the minutes the coach says a session takes count its words as `voicecoach list` does."""
        self._routines = dict(routines)
        self._wake_word = wake_word
        self._words_per_minute = words_per_minute
        self._faults = FaultBook()
        self._default_pace = clamp(pace, PACE_BOUNDS)
        self._precautions = Precautions()
        self._phase = SessionState.IDLE
        self._reported = SessionState.IDLE
        self._answering = False
        self._pending_start: Routine | None = None
        self._brief_in_question = False
        self._hinted_at: float | None = None  # when the last hint between sessions was said
        # The next session starts gentle: it was offered as one after pain that keeps coming
        # back.
        self._next_session_gentle = False
        # A switch of routine ("start outer hip", "yes") is the same sitting: it goes on
        # counting the pain reports, which decide when the coach asks whether to stop, and
        # keeps the light pressure promised after pain. A session started after one has ended
        # counts afresh (pain that keeps coming back across sessions is `Precautions`').
        self._switching_to: Routine | None = None  # the routine a switch was asked for
        self._pain_reports_this_sitting = 0
        # The last session ended held at light pressure (after pain, or the user's "lighter").
        self._ended_held_light = False
        self._clear_session(0.0)

    def _clear_session(self, now: float) -> None:
        self._routine: Routine | None = None
        self._started_at = now
        self._updated_at = now
        self._step = 0
        self._side = 0
        self._side_order = (Side.LEFT, Side.RIGHT)
        self._schedule: StepSchedule | None = None  # the hold's or the rest's timing
        self._paused = False
        self._question: Question | None = None
        self._question_text = ""
        self._question_asked_at = 0.0
        self._question_repeated = False
        # Whether the question has been said to its end once: its answers wait until then. While
        # it is being said, when that reading should end (the estimate that stands in if the
        # speaker never reports back); None once something else cut it off.
        self._question_heard = False
        self._question_read_by: float | None = None
        self._switch_target: Routine | None = None
        self._spoken_parts: list[str] = []
        self._spoken_with_pressure = False  # an instruction ends with the level to use
        self._spoken_deadline = 0.0
        self._spoken_until = 0.0  # when its words end, said at the user's rate
        self._pace = self._default_pace
        self._pressure_offset = 0  # the user's lighter and firmer, summed: for the history
        self._levels_above_plan = 0  # "firmer" than the plan asks
        # The most the coach may ask for until the user says "firmer": light after pain in
        # a session the user carries on with, the level the user chose with "lighter".
        self._pressure_ceiling: Pressure | None = None
        self._light_steps: set[int] = set()  # steps that hurt: light to their end
        self._pain_reports = 0  # this routine's, for its history
        self._announced_pressure = Pressure.LIGHT
        self._extra_hold_seconds = 0.0
        self._completed: set[int] = set()
        self._skipped: set[int] = set()  # moved on from with "next"; a step finished later is not
        self._adjustments: list[str] = []
        self._faults.paused_session = False

    @property
    def state(self) -> SessionState:
        if self._question is not None:
            return SessionState.ASKING
        if self._paused:
            return SessionState.PAUSED
        return self._phase

    @property
    def running(self) -> bool:
        return self._routine is not None

    def next_deadline(self) -> float | None:
        """When the next Tick would change something, or None while nothing is timed."""
        if self._question is not None:
            if not self._question_heard and self._question_read_by is not None:
                return self._question_read_by
            if self._question_repeated:
                return None
            return self._question_asked_at + QUESTION_REPEAT_SECONDS
        if self._paused or self._routine is None:
            return None
        if self._phase in SPOKEN_PHASES:
            return self._spoken_deadline
        if self._schedule is None:
            return None
        return max(self._updated_at + self._schedule.real_seconds_to_next(), self._updated_at)

    # --- time -----------------------------------------------------------------------------

    @property
    def _timer(self) -> Countdown | None:
        return self._schedule.timer if self._schedule is not None else None

    @property
    def _frozen(self) -> bool:
        return self._paused or self._question is not None

    def _advance_to(self, moment: float) -> None:
        if self._schedule is not None and not self._frozen and self._phase in TIMED_PHASES:
            self._schedule.advance(moment - self._updated_at)
        self._updated_at = moment

    def _catch_up(self, now: float, out: list[Action], *, before_now: bool = False) -> None:
        """Fire everything due up to `now`, each at its own moment, so a late event never
        shifts the schedule (segments start exactly where the previous one ended).
        `before_now`: leave what falls due at `now` itself for after the event."""
        for _ in range(MAX_FIRINGS_PER_EVENT):
            due = self.next_deadline()
            if due is None or due > now + EPSILON or (before_now and due > now - EPSILON):
                break
            self._advance_to(max(self._updated_at, min(due, now)))  # never back in time
            self._fire(self._updated_at, out)
        else:
            raise RuntimeError(f"the schedule did not advance at {now}s")  # a bug, not input
        self._advance_to(max(now, self._updated_at))

    def _fire(self, now: float, out: list[Action]) -> None:
        if self._question is not None:
            if not self._question_heard and self._question_read_by is not None:
                self._question_said(now)  # its estimated end has passed: it counts as said
            else:  # said, and no answer came (or cut off before its end): once more, in full
                self._question_repeated = True
                self._read_question(out, self._question_text, now, interrupt=False)
        elif self._phase in SPOKEN_PHASES:
            self._leave_spoken_phase(now, out)
        elif self._phase is SessionState.HOLDING:
            self._fire_hold(now, out)
        elif self._phase is SessionState.RESTING and self._timer and self._timer.finished:
            self._begin_step(self._step + 1, now, out)

    def _fire_hold(self, now: float, out: list[Action]) -> None:
        assert self._schedule is not None
        for due in self._schedule.take_due():
            match due:
                case PressureChange(say=planned_words):
                    self._announce_pressure(out, planned_words)
                case Cue(say=words):
                    self._say(out, words)
                case Moment.TEN_SECONDS_LEFT:
                    self._say(out, phrases.TEN_SECONDS_LEFT.say())
                case Moment.TIME_UP:
                    self._end_hold(now, out)

    # --- the routine's course -------------------------------------------------------------

    @property
    def _current_step(self) -> Step:
        assert self._routine is not None
        return self._routine.steps[self._step]

    @property
    def _side_name(self) -> str:
        return self._side_order[self._side].value

    def _start_routine(self, routine: Routine, now: float, out: list[Action]) -> None:
        switched = self._switching_to is routine
        gentle = self._next_session_gentle or (switched and self._ended_held_light)
        self._next_session_gentle, self._switching_to = False, None
        if not switched:
            self._pain_reports_this_sitting = 0
        self._clear_session(now)
        self._routine = routine
        if gentle:
            self._pressure_ceiling = Pressure.LIGHT
        out.append(SessionStarted(routine.name, routine.title, len(routine.steps), self._pace))
        self._introduce(now, out)

    def _introduce(self, now: float, out: list[Action]) -> None:
        routine = self._routine
        assert routine is not None
        parts = [routine.title, routine.introduction, *routine.safety]
        if any(step.both_sides for step in routine.steps):
            parts.append(phrases.BOTH_SIDES_INTRO.say())
        self._speak_phase(SessionState.INTRODUCING, parts, now, out)

    def _speak_phase(
        self, phase: SessionState, parts: list[str], now: float, out: list[Action],
        lead: str = "", *, with_pressure: bool = False,
    ) -> None:
        """`lead`: words said first ("Resuming."), not part of what "repeat" reads again.
        `with_pressure`: end with the level to use, as it is whenever the words are said."""
        self._phase = phase
        self._schedule = None
        self._spoken_parts, self._spoken_with_pressure = parts, with_pressure
        said = f"{lead} {self._spoken_text}" if lead else self._spoken_text
        self._expect_words(said, now)
        # Moving on by itself the coach queues its words; answering a command it cuts in.
        self._say(out, said, interrupt=self._answering)

    def _expect_words(self, said: str, now: float) -> None:
        """A spoken phase's words, `said` from `now`: when they end at the user's rate, and
        when to move on if the speaker never says they have."""
        self._spoken_until = now + seconds_to_say(said, self._words_per_minute)
        self._spoken_deadline = now + speaking_seconds(said, self._words_per_minute)

    @property
    def _spoken_text(self) -> str:
        """What this spoken phase says. An instruction read again after "that hurts" asks for
        the level the coach now holds, never the one it first said."""
        parts = list(self._spoken_parts)
        if self._spoken_with_pressure:
            parts.append(self._pressure_words(self._pressure_at(0.0)))
        return " ".join(wording.sentence(part) for part in parts if part)

    def _speech_finished(self, now: float, out: list[Action]) -> None:
        """The speaker has said everything it was given."""
        if self._question is not None:
            if self._question_read_by is not None:
                self._question_heard = True  # its last reading was not cut off
            if not self._question_repeated:
                self._question_asked_at = now  # the wait for an answer starts now
        elif self._phase in SPOKEN_PHASES and not self._frozen:
            self._leave_spoken_phase(now, out)

    def _leave_spoken_phase(self, now: float, out: list[Action]) -> None:
        if self._phase is SessionState.INTRODUCING:
            self._begin_step(0, now, out)
        elif self._phase is SessionState.INSTRUCTING:
            self._begin_hold(now, out)
        elif self._phase is SessionState.CLOSING:
            self._finish(EndReason.COMPLETED, now, out)

    def _begin_step(self, index: int, now: float, out: list[Action], *, side: int = 0,
                    lead: str = "") -> None:
        assert self._routine is not None
        self._step, self._side = index, side
        step = self._current_step
        self._announced_pressure = self._pressure_at(0.0)
        parts = [
            phrases.STEP_HEADING.say(number=index + 1, total=len(self._routine.steps),
                                 title=step.title),
            step.instruction,
        ]
        if step.both_sides:
            on_side = phrases.FIRST_SIDE if side == 0 else phrases.SECOND_SIDE
            parts.append(on_side.say(side=self._side_name.capitalize()))
        self._speak_phase(SessionState.INSTRUCTING, parts, now, out, lead, with_pressure=True)

    def _switch_side(self, now: float, out: list[Action]) -> None:
        self._side = 1
        self._announced_pressure = self._pressure_at(0.0)
        parts = [phrases.SWITCH_SIDE.say(side=self._side_name)]
        self._speak_phase(SessionState.INSTRUCTING, parts, now, out, with_pressure=True)

    def _begin_hold(self, now: float, out: list[Action]) -> None:
        self._phase = SessionState.HOLDING
        step = self._current_step
        self._schedule = StepSchedule.hold(step, self._pace, self._extra_hold_seconds)
        self._extra_hold_seconds = 0.0
        self._announced_pressure = self._pressure_at(0.0)

    def _end_hold(self, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        step = self._current_step
        if step.both_sides and self._side == 0:
            self._switch_side(now, out)
            return
        self._complete_step(out)
        if self._step + 1 >= len(self._routine.steps):
            self._begin_closing(now, out)
        elif step.rest_seconds:
            self._begin_rest(now, out)
        else:
            self._begin_step(self._step + 1, now, out)

    def _complete_step(self, out: list[Action]) -> None:
        if self._step not in self._completed:
            self._completed.add(self._step)
            out.append(StepCompleted(self._step, self._current_step.title))

    def _skip_step(self, out: list[Action]) -> None:
        if self._step not in self._completed | self._skipped:
            self._skipped.add(self._step)
            out.append(StepSkipped(self._step, self._current_step.title))

    def _steps_skipped(self) -> int:
        return len(self._skipped - self._completed)

    def _begin_rest(self, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        self._phase = SessionState.RESTING
        self._schedule = StepSchedule.rest(self._current_step.rest_seconds)
        upcoming = self._routine.steps[self._step + 1]
        self._say(out, phrases.REST.say(duration=wording.duration(self._schedule.timer.length),
                                    title=upcoming.title))

    def _begin_closing(self, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        minutes = wording.about_minutes(now - self._started_at)
        parts = [
            phrases.END_OF.say(title=self._routine.title),
            self._routine.closing or "",
            phrases.WELL_DONE.say(minutes=minutes),
            phrases.PROFESSIONAL_ADVICE.say(),
        ]
        self._speak_phase(SessionState.CLOSING, parts, now, out)

    def _finish(self, reason: EndReason, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        self._ended_held_light = self._pressure_ceiling is Pressure.LIGHT
        summary = SessionSummary(
            routine=self._routine.name,
            reason=reason,
            steps_completed=len(self._completed),
            steps_total=len(self._routine.steps),
            elapsed_seconds=now - self._started_at,
            pace=self._pace,
            pressure_offset=self._pressure_offset,
            pain_reports=self._pain_reports,
            adjustments=tuple(self._adjustments),
            steps_skipped=self._steps_skipped(),
        )
        self._clear_session(now)
        self._phase = SessionState.FINISHED
        self._report(out)
        out.append(SessionFinished(summary))

    # --- pressure and timing --------------------------------------------------------------

    def _pressure_at(self, seconds_into_hold: float) -> Pressure:
        if self._step in self._light_steps:
            return Pressure.LIGHT
        return self._planned_at(seconds_into_hold).at_most(self._pressure_ceiling)

    def _planned_at(self, seconds_into_hold: float) -> Pressure:
        """The routine's plan, raised by the user's "firmer", before any ceiling."""
        planned = self._current_step.pressure.level_at(seconds_into_hold)
        return planned.step(self._levels_above_plan)

    def _seconds_into_hold(self) -> float:
        in_hold = self._phase is SessionState.HOLDING and self._timer is not None
        return self._timer.done if in_hold and self._timer else 0.0

    def _pressure_now(self) -> Pressure:
        return self._pressure_at(self._seconds_into_hold())

    def _choose_pressure(self, chosen: Pressure) -> None:
        """The user's "lighter" or "firmer" asked for `chosen`, one level from now. From then
        on the coach asks for no more than the user chose: no ramp point pushes the pressure
        back up after "lighter" or after pain, and only "firmer" lifts that ceiling."""
        before = self._pressure_now()
        lighter = chosen.rank < before.rank
        self._pressure_offset = int(clamp(self._pressure_offset + (-1 if lighter else 1),
                                          PRESSURE_OFFSET_BOUNDS))
        ceiling = self._pressure_ceiling
        held_down = self._planned_at(self._seconds_into_hold()).rank > before.rank
        if lighter or held_down:
            self._pressure_ceiling = chosen
        else:  # firmer than the plan itself
            self._levels_above_plan += 1
            if ceiling is not None:
                self._pressure_ceiling = max(ceiling, chosen, key=lambda level: level.rank)

    def _announce_pressure(self, out: list[Action], planned_words: str | None) -> None:
        level = self._pressure_now()
        if level == self._announced_pressure:
            return  # the user's own adjustment or a pain cap already covers this point
        deeper = level.rank > self._announced_pressure.rank
        self._announced_pressure = level
        if deeper and planned_words:
            self._say(out, planned_words)
        else:
            self._say(out, phrases.NOW_PRESSURE.say(pressure=self._pressure_words(level).lower()))

    def _pressure_words(self, level: Pressure) -> str:
        """How to ask for a level: stretches have intensity, heat and ice have none."""
        technique = self._current_step.technique
        if technique in UNPRESSED_TECHNIQUES:
            return ""
        if technique is Technique.STRETCH:
            return phrases.STRETCH_TO.say(pull=phrases.STRETCH_PULLS[level])
        return phrases.USE_PRESSURE.say(level=level)

    def _routine_seconds_left(self) -> float:
        """The holds and rests still to run, at the pace: the snapshot's count, which moves
        only with them. What the coach says is `seconds_to_go`, its words included."""
        assert self._routine is not None
        steps = self._routine.steps
        if self._phase is SessionState.CLOSING:
            return 0.0

        def whole(step: Step) -> float:
            return step.hold_seconds * step.sides * self._pace + step.rest_seconds

        if self._phase is SessionState.INTRODUCING:
            return sum(whole(step) for step in steps)
        step = steps[self._step]
        if self._phase is SessionState.RESTING and self._timer:
            current = self._timer.real_seconds_left
        else:
            in_hold = self._phase is SessionState.HOLDING and self._timer
            this_side = (
                self._timer.real_seconds_left
                if in_hold and self._timer
                else step.hold_seconds * self._pace + self._extra_hold_seconds
            )
            other_sides = (step.sides - 1 - self._side) * step.hold_seconds * self._pace
            current = this_side + other_sides + step.rest_seconds
        return current + sum(whole(later) for later in steps[self._step + 1 :])

    # --- how long the session has to go ---------------------------------------------------

    def seconds_to_go(self, now: float) -> float:
        """How long the session has to go if nobody says another word: a copy of this course
        run on to its end on a virtual clock, the coach speaking at the user's rate (a pause
        as if resumed now, a question as if answered with "carry on"). In the introduction it
        is the whole session, the figure `voicecoach list` shows (rehearsal.routine_seconds is
        this run from the start), so that the coach and the list say the same minutes."""
        if self._routine is None:
            return 0.0
        # Routines are read, never changed: the copy shares them.
        shared: dict[int, object] = {id(r): r for r in self._routines.values()}
        shared[id(self._routines)] = self._routines
        probe = copy.deepcopy(self, shared)
        probe._catch_up(now, [])  # what fell due by now, as the engine would have fired it
        probe._paused = probe._answering = False
        probe._question = None
        speaker = VirtualSpeaker(self._words_per_minute, self._words_end(now))
        return probe._run_unheard(now, speaker) - now

    def _words_end(self, now: float) -> float | None:
        """When the words of the phase being spoken end, if it is one."""
        if self._phase not in SPOKEN_PHASES:
            return None
        if self._phase is SessionState.INTRODUCING or self._paused:
            # The introduction counts whole, as the session's length does; an instruction or
            # a closing that a pause cut off is read again when the session resumes.
            return now + seconds_to_say(self._spoken_text, self._words_per_minute)
        return max(now, self._spoken_until)

    def _run_unheard(self, now: float, speaker: VirtualSpeaker) -> float:
        """Run on from `now`, nobody saying a word, until the session ends: when it does. The
        clock jumps from the end of the coach's words to the next deadline, as a rehearsal's
        does."""
        for _ in range(MAX_EVENTS_TO_THE_END):
            due = [m for m in (speaker.silent_at, self.next_deadline()) if m is not None]
            if self._routine is None or not due:
                return now
            now = max(now, min(due))
            out: list[Action] = []
            self._catch_up(now, out)
            if speaker.silent_at is not None and speaker.silent_at <= now:
                speaker.silent_at = None
                self._speech_finished(now, out)
                self._catch_up(now, out)
            for action in out:
                speaker.hear(action, now)
        raise RuntimeError(f"a session left alone did not end by {now}s")  # a bug, not input

    # --- speaking -------------------------------------------------------------------------

    def _say(self, out: list[Action], text: str, *, interrupt: bool = False) -> None:
        self._report(out)  # a new state is announced before the words that belong to it
        out.append(Say(text, interrupt=interrupt))
        if interrupt:
            self._question_read_by = None  # whatever was being said is cut off

    def _read_question(self, out: list[Action], text: str, now: float, *,
                       interrupt: bool = True) -> None:
        """Say `text`, which ends with the open question; until the speaker reports it said,
        an estimate of when it will have been. Even at the slowest speaking rate (80 words a
        minute) the estimate falls after the safety brief's red flags."""
        self._say(out, text, interrupt=interrupt)
        self._question_read_by = now + speaking_seconds(text, self._words_per_minute)
        if not self._question_repeated:
            self._question_asked_at = self._question_read_by

    def _question_said(self, now: float) -> bool:
        """True once the open question has been said to its end: the speaker reported it, or
        (a speaker that never reports back) its estimated end has passed."""
        read_by = self._question_read_by
        if not self._question_heard and read_by is not None and read_by <= now + EPSILON:
            self._question_heard = True
        return self._question_heard

    def _report(self, out: list[Action]) -> None:
        if self.state != self._reported:
            self._reported = self.state
            out.append(StateChanged(self.state))

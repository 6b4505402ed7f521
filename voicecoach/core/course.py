"""The course of a session: where a routine has got to (step, side, hold, rest, the
closing), its pace and pressure, and its time. Pure: no I/O, no threads, no clock.

The engine (engine.py) has one `SessionCourse` and brings it up to each moment (`catch_up`).
The command handlers (commands.py), the answers to questions (answers.py) and the replies
they share (replies.py) move it only through its methods: `start`, `begin_step`,
`switch_side`, `skip_step`, `set_pace`, `add_time`, `choose_pressure`, `note_pain`, `finish`...

The course says its words through the `Conversation` (conversation.py) and tells it the phase;
the conversation keeps the pause and the open question, and while either lasts the course's
clock stands still. What the session has done is its `SessionRecord`, the pressure the user
has chosen its `PressureChoices`; how long it has to go is time_to_go.py's, and how far it
has got, as the terminal shows it, progress.py's.
"""

from __future__ import annotations

import copy

from . import phrasebook as phrases
from . import wording
from .conversation import Conversation
from .intents import Side
from .messages import (
    SPOKEN_PHASES,
    TIMED_PHASES,
    Action,
    Adjusted,
    EndReason,
    SessionFinished,
    SessionStarted,
    SessionState,
)
from .pressure_choices import UNPRESSED_TECHNIQUES, PressureChoices, pressure_words
from .routine import Cue, Pressure, PressureChange, Routine, Step
from .schedule import Moment, StepSchedule
from .session_record import SessionRecord
from .sitting import Sitting
from .speaking_time import seconds_to_say, speaking_seconds
from .timer import EPSILON, Countdown

PACE_BOUNDS = (0.5, 2.0)
MAX_FIRINGS_PER_EVENT = 10_000


def clamp(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max(value, low), high)


class SessionCourse:
    def __init__(self, talk: Conversation, *, pace: float = 1.0,
                 sitting: Sitting | None = None) -> None:
        """`talk`: what the coach says, and the state it is in (conversation.py); its
        `words_per_minute` are the rate the voice is asked for (the user's `speech_rate`), so
        that the minutes the coach says a session takes count its words as `voicecoach list`
        does. `sitting`: what the history says about the sessions before (sitting.py), for
        the line of progress at the end."""
        self._talk = talk
        self._sitting = sitting or Sitting()
        self._default_pace = clamp(pace, PACE_BOUNDS)
        # A switch of routine ("start outer hip", "yes") is the same sitting: it goes on
        # counting the pain reports, which decide when the coach asks whether to stop. A
        # session started after one has ended counts afresh (pain that keeps coming back
        # across sessions is `Precautions`').
        self._pain_reports_this_sitting = 0
        self._clear(0.0)

    def _clear(self, now: float) -> None:
        self._routine: Routine | None = None
        self._record = SessionRecord(started_at=now)
        self._updated_at = now
        self._step = 0
        self._side = 0
        self._side_order = (Side.LEFT, Side.RIGHT)
        self._schedule: StepSchedule | None = None  # the hold's or the rest's timing
        self._talk.clear()
        self._spoken_parts: list[str] = []
        self._spoken_with_pressure = False  # an instruction ends with the level to use
        self._spoken_deadline = 0.0
        self._spoken_until = 0.0  # when its words end, said at the user's rate
        self._pace = self._default_pace
        self._pressure = PressureChoices()
        self._announced_pressure = Pressure.LIGHT  # the level the coach last asked for
        self._extra_hold_seconds = 0.0

    # --- where the routine is ---------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        return self._talk.state

    @property
    def running(self) -> bool:
        return self._routine is not None

    @property
    def routine(self) -> Routine | None:
        return self._routine

    @property
    def phase(self) -> SessionState:
        """Where the routine is, whether or not it is paused or a question is open."""
        return self._talk.phase

    @property
    def step_index(self) -> int:
        return self._step

    @property
    def step(self) -> Step:
        assert self._routine is not None
        return self._routine.steps[self._step]

    @property
    def side_index(self) -> int:
        """0 on a step's first side (or its only one), 1 on its second."""
        return self._side

    @property
    def side_name(self) -> str:
        return self._side_order[self._side].value

    @property
    def pace(self) -> float:
        return self._pace

    @property
    def words_per_minute(self) -> float:
        return self._talk.words_per_minute

    @property
    def record(self) -> SessionRecord:
        return self._record

    @property
    def timer(self) -> Countdown | None:
        """The countdown of the hold or rest running; None in a spoken phase."""
        return self._schedule.timer if self._schedule is not None else None

    @property
    def extra_hold_seconds(self) -> float:
        """More time asked for outside a hold: the next hold gets it."""
        return self._extra_hold_seconds

    # --- time -----------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When the next Tick would change something, or None while nothing is timed."""
        if self._talk.question is not None:
            return self._talk.question.next_deadline()
        if self._talk.paused or self._routine is None:
            return None
        if self._talk.phase in SPOKEN_PHASES:
            return self._spoken_deadline
        if self._schedule is None:
            return None
        return max(self._updated_at + self._schedule.real_seconds_to_next(), self._updated_at)

    def seconds_since_update(self, now: float) -> float:
        """How long the course's clock has run since it was last brought up to date: 0 while
        it stands still."""
        return 0.0 if self._talk.frozen else max(0.0, now - self._updated_at)

    def _advance_to(self, moment: float) -> None:
        timed = self._talk.phase in TIMED_PHASES
        if self._schedule is not None and not self._talk.frozen and timed:
            self._schedule.advance(moment - self._updated_at)
        self._updated_at = moment

    def catch_up(self, now: float, out: list[Action], *, before_now: bool = False) -> None:
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
        if self._talk.question is not None:
            self._talk.question_due(now, out)
        elif self._talk.phase in SPOKEN_PHASES:
            self._leave_spoken_phase(now, out)
        elif self._talk.phase is SessionState.HOLDING:
            self._fire_hold(now, out)
        elif self._talk.phase is SessionState.RESTING and self.timer and self.timer.finished:
            self.begin_step(self._step + 1, now, out)

    def _fire_hold(self, now: float, out: list[Action]) -> None:
        assert self._schedule is not None
        for due in self._schedule.take_due():
            match due:
                case PressureChange(say=planned_words):
                    self._announce_pressure(out, planned_words)
                case Cue(say=words):
                    self._talk.say(out, words)
                case Moment.TEN_SECONDS_LEFT:
                    self._talk.say(out, phrases.TEN_SECONDS_LEFT.say())
                case Moment.TIME_UP:
                    self._end_hold(now, out)

    def left_alone(self, now: float) -> SessionCourse:
        """A copy of this course to run on as if nobody said another word: what fell due by
        `now` fired, a pause as if resumed now, a question as if answered with "carry on"."""
        # Routines are read, never changed: the copy shares them.
        question = self._talk.question
        routines = [self._routine, question.routine if question else None]
        probe = copy.deepcopy(self, {id(r): r for r in routines if r is not None})
        probe.catch_up(now, [])  # what fell due by now, as the engine would have fired it
        probe._talk.leave_alone()
        return probe

    def speech_finished(self, now: float, out: list[Action]) -> None:
        """The speaker has said everything it was given."""
        if self._talk.question is not None:
            self._talk.speech_finished(now)
        elif self._talk.phase in SPOKEN_PHASES and not self._talk.frozen:
            self._leave_spoken_phase(now, out)

    # --- starting and ending ----------------------------------------------------------------

    def start(self, routine: Routine, now: float, out: list[Action], *, gentle: bool = False,
              same_sitting: bool = False) -> None:
        """`gentle`: held at light pressure until the user says "firmer". `same_sitting`: a
        switch of routine, which goes on counting the pain reports."""
        if not same_sitting:
            self._pain_reports_this_sitting = 0
        self._clear(now)
        self._routine = routine
        if gentle:
            self._pressure.hold_light()
        out.append(SessionStarted(routine.name, routine.title, len(routine.steps), self._pace))
        self.introduce(now, out)

    def switch_to(self, routine: Routine, now: float, out: list[Action]) -> None:
        """End this session and start `routine` in the same sitting, keeping the light pressure
        promised after pain."""
        gentle = self._pressure.held_light
        self.finish(EndReason.STOPPED, now, out)
        self.start(routine, now, out, gentle=gentle, same_sitting=True)

    def finish(self, reason: EndReason, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        summary = self._record.summary(self._routine, reason, now, pace=self._pace,
                                       pressure_offset=self._pressure.offset)
        self._clear(now)
        self._talk.phase = SessionState.FINISHED
        self._talk.report(out)
        out.append(SessionFinished(summary))

    # --- spoken phases ----------------------------------------------------------------------

    def introduce(self, now: float, out: list[Action]) -> None:
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
        self._talk.phase = phase
        self._schedule = None
        self._spoken_parts, self._spoken_with_pressure = parts, with_pressure
        said = f"{lead} {self._spoken_text}" if lead else self._spoken_text
        self._expect_words(said, now)
        self._talk.say(out, said, interrupt=self._talk.answering)

    def _expect_words(self, said: str, now: float) -> None:
        """A spoken phase's words, `said` from `now`: when they end at the user's rate, and
        when to move on if the speaker never says they have."""
        self._spoken_until = now + seconds_to_say(said, self._talk.words_per_minute)
        self._spoken_deadline = now + speaking_seconds(said, self._talk.words_per_minute)

    @property
    def _spoken_text(self) -> str:
        """What this spoken phase says. An instruction read again after "that hurts" asks for
        the level the coach now holds, never the one it first said."""
        parts = list(self._spoken_parts)
        if self._spoken_with_pressure:
            parts.append(self.pressure_words(self._pressure_at(0.0)))
        return " ".join(wording.sentence(part) for part in parts if part)

    def words_end(self, now: float) -> float | None:
        """When the words of the phase being spoken end, if it is one."""
        if self._talk.phase not in SPOKEN_PHASES:
            return None
        if self._talk.phase is SessionState.INTRODUCING or self._talk.paused:
            # The introduction counts whole, as the session's length does; an instruction or
            # a closing that a pause cut off is read again when the session resumes.
            return now + seconds_to_say(self._spoken_text, self._talk.words_per_minute)
        return max(now, self._spoken_until)

    def _leave_spoken_phase(self, now: float, out: list[Action]) -> None:
        if self._talk.phase is SessionState.INTRODUCING:
            self.begin_step(0, now, out)
        elif self._talk.phase is SessionState.INSTRUCTING:
            self._begin_hold()
        elif self._talk.phase is SessionState.CLOSING:
            self.finish(EndReason.COMPLETED, now, out)

    def read_spoken_again(self, now: float, out: list[Action], *, lead: str = "") -> None:
        """The spoken phase's words from the start (after `lead`), cutting in; while paused
        they do not move the phase on."""
        said = f"{lead} {self._spoken_text}" if lead else self._spoken_text
        if not self._talk.paused:
            self._expect_words(said, now)
        self._talk.say(out, said, interrupt=True)

    # --- steps, sides, holds and rests ------------------------------------------------------

    def begin_step(self, index: int, now: float, out: list[Action], *, side: int = 0,
                   lead: str = "") -> None:
        assert self._routine is not None
        self._step, self._side = index, side
        step = self.step
        self._announced_pressure = self._pressure_at(0.0)
        parts = [
            phrases.STEP_HEADING.say(number=index + 1, total=len(self._routine.steps),
                                     title=step.title),
            step.instruction,
        ]
        if step.both_sides:
            on_side = phrases.FIRST_SIDE if side == 0 else phrases.SECOND_SIDE
            parts.append(on_side.say(side=self.side_name.capitalize()))
        self._speak_phase(SessionState.INSTRUCTING, parts, now, out, lead, with_pressure=True)

    def begin_last_side(self, index: int, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        self.begin_step(index, now, out, side=self._routine.steps[index].sides - 1)

    def switch_side(self, now: float, out: list[Action]) -> None:
        self._side = 1
        self._announced_pressure = self._pressure_at(0.0)
        parts = [phrases.SWITCH_SIDE.say(side=self.side_name)]
        self._speak_phase(SessionState.INSTRUCTING, parts, now, out, with_pressure=True)

    def _begin_hold(self) -> None:
        self._talk.phase = SessionState.HOLDING
        self._schedule = StepSchedule.hold(self.step, self._pace, self._extra_hold_seconds)
        self._extra_hold_seconds = 0.0
        self._announced_pressure = self._pressure_at(0.0)

    def _end_hold(self, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        step = self.step
        if step.both_sides and self._side == 0:
            self.switch_side(now, out)
            return
        self._record.complete(self._step, step.title, out)
        if self._step + 1 >= len(self._routine.steps):
            self.begin_closing(now, out)
        elif step.rest_seconds:
            self._begin_rest(out)
        else:
            self.begin_step(self._step + 1, now, out)

    def skip_step(self, out: list[Action]) -> None:
        """Moved on from before its hold was done: skipped, not finished."""
        self._record.skip(self._step, self.step.title, out)

    def _begin_rest(self, out: list[Action]) -> None:
        assert self._routine is not None
        self._talk.phase = SessionState.RESTING
        self._schedule = StepSchedule.rest(self.step.rest_seconds)
        upcoming = self._routine.steps[self._step + 1]
        self._talk.say(out, phrases.REST.say(duration=wording.duration(self._schedule.timer.length),
                                       title=upcoming.title))

    def begin_closing(self, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        minutes = self._record.minutes(now)
        parts = [
            phrases.END_OF.say(title=self._routine.title),
            self._routine.closing or "",
            phrases.WELL_DONE.say(minutes=minutes),
            self._progress_line(),
            phrases.PROFESSIONAL_ADVICE.say(),
        ]
        self._speak_phase(SessionState.CLOSING, parts, now, out)

    def _progress_line(self) -> str:
        so_far = self._sitting.precautions.so_far
        return so_far.spoken(pain_now=self._record.pain_reports > 0) if so_far else ""

    # --- pressure ---------------------------------------------------------------------------

    def _pressure_at(self, seconds_into_hold: float) -> Pressure:
        return self._pressure.at(self.step, self._step, seconds_into_hold)

    def _seconds_into_hold(self) -> float:
        in_hold = self._talk.phase is SessionState.HOLDING and self.timer is not None
        return self.timer.done if in_hold and self.timer else 0.0

    def pressure_now(self) -> Pressure:
        return self._pressure_at(self._seconds_into_hold())

    def pressure_words(self, level: Pressure) -> str:
        return pressure_words(self.step, level)

    @property
    def light_after_pain(self) -> bool:
        """This step hurt: it stays light to its end."""
        return self._pressure.light_after_pain(self._step)

    def choose_pressure(self, chosen: Pressure) -> Pressure:
        """The user's "lighter" or "firmer" (see `PressureChoices.choose`): the level now."""
        self._pressure.choose(chosen, self.step, self._step, self._seconds_into_hold())
        self._announced_pressure = self.pressure_now()
        return self._announced_pressure

    def _announce_pressure(self, out: list[Action], planned_words: str | None) -> None:
        level = self.pressure_now()
        if level == self._announced_pressure:
            return  # the user's own adjustment or a pain cap already covers this point
        deeper = level.rank > self._announced_pressure.rank
        self._announced_pressure = level
        if deeper and planned_words:
            self._talk.say(out, planned_words)
        else:
            words = self.pressure_words(level).lower()
            self._talk.say(out, phrases.NOW_PRESSURE.say(pressure=words))

    def note_pain(self, out: list[Action]) -> int:
        """"That hurts", noted for the history; light pressure for the rest of this step (in
        a rest, both the step just done and the one about to begin, whichever the user goes
        on with), and for the session once it has hurt again. How many times it has hurt in
        this sitting."""
        assert self._routine is not None
        self._pain_reports_this_sitting += 1
        step = self.step
        pressed = step.technique not in UNPRESSED_TECHNIQUES
        self._record.note_pain(
            self._routine, self._step, side=self.side_name if step.both_sides else None,
            pressure=self.pressure_now() if pressed else None, out=out)  # when it hurt
        resting = self._talk.phase is SessionState.RESTING
        hurt = (self._step, self._step + 1) if resting else (self._step,)
        self._pressure.after_pain(hurt, hurt_again=self._pain_reports_this_sitting > 1)
        self._announced_pressure = Pressure.LIGHT
        return self._pain_reports_this_sitting

    # --- the user's changes -----------------------------------------------------------------

    def note_adjustment(self, change: str, out: list[Action]) -> None:
        """A change of pace, pressure or time, for the history."""
        self._record.adjustments.append(change)
        out.append(Adjusted(change, self._pace, self._pressure.offset))

    def set_pace(self, pace: float) -> float | None:
        """The pace from now on: in a hold, its countdown too; then the seconds it has left."""
        self._pace = pace
        if self._talk.phase is SessionState.HOLDING and self._schedule and self.timer:
            self._schedule.set_pace(pace)
            return self.timer.real_seconds_left
        return None

    def add_time(self, seconds: float) -> float | None:
        """More time: on the hold or rest running (then the seconds it has left), or else on
        the next hold."""
        if self._talk.phase in TIMED_PHASES and self._schedule and self.timer:
            self._schedule.add_real_seconds(seconds)
            return self.timer.real_seconds_left
        self._extra_hold_seconds += seconds
        return None

    def put_side_first(self, first: Side) -> bool:
        """Work on `first` before the other side; False if that was the order already."""
        other = Side.RIGHT if first is Side.LEFT else Side.LEFT
        if (first, other) == self._side_order:
            return False
        self._side_order = (first, other)
        return True

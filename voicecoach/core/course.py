"""The course of a session: where a routine has got to (step, side, hold, rest, the closing),
its pace and pressure, its time, and the state the coach is in. Pure: no I/O, no threads, no
clock.

The engine (engine.py) has one `SessionCourse` and brings it up to each moment (`catch_up`).
The command handlers (commands.py) and the answers to questions (answers.py) move it only
through its methods, in the user's words: `start`, `move_on`, `go_back`, `pause`, `stop`...
While a question is open (an `OpenQuestion`, questions.py) the course stands still: its clock
does not run and its state is ASKING. How long a session has to go is `time_to_go.py`'s; the
pressure the user has chosen is `PressureChoices`' (pressure_choices.py).
"""

from __future__ import annotations

import copy

from . import phrasebook as phrases
from . import wording
from .intents import Side
from .messages import (
    SPOKEN_PHASES,
    TIMED_PHASES,
    Action,
    Adjusted,
    EndReason,
    PainReported,
    Say,
    SessionFinished,
    SessionStarted,
    SessionState,
    StateChanged,
)
from .pressure_choices import UNPRESSED_TECHNIQUES, PressureChoices, pressure_words
from .progress import where_we_are
from .questions import OpenQuestion, Question
from .routine import Cue, Pressure, PressureChange, Routine, Step
from .schedule import Moment, StepSchedule
from .session_record import SessionRecord
from .speaking_time import USUAL_WORDS_PER_MINUTE, seconds_to_say, speaking_seconds
from .timer import EPSILON, Countdown

PACE_BOUNDS = (0.5, 2.0)
MAX_FIRINGS_PER_EVENT = 10_000



def clamp(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max(value, low), high)


class SessionCourse:
    def __init__(self, *, pace: float = 1.0,
                 words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> None:
        """`words_per_minute`: the rate the voice is asked for (the user's `speech_rate`), so
        that the minutes the coach says a session takes count its words as `voicecoach list`
        does."""
        self.words_per_minute = words_per_minute
        self._default_pace = clamp(pace, PACE_BOUNDS)
        self._phase = SessionState.IDLE
        self._reported = SessionState.IDLE
        # Set by the engine while it answers a command: a spoken phase begun then cuts in;
        # moving on by itself, the coach queues its words.
        self.answering = False
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
        self._paused = False
        # The pause is the devices' (one failed): all of them back, the session carries on.
        self._paused_for_devices = False
        self._question: OpenQuestion | None = None
        self._spoken_parts: list[str] = []
        self._spoken_with_pressure = False  # an instruction ends with the level to use
        self._spoken_deadline = 0.0
        self._spoken_until = 0.0  # when its words end, said at the user's rate
        self._pace = self._default_pace
        self._pressure = PressureChoices()
        self._announced_pressure = Pressure.LIGHT  # the level the coach last asked for
        self._extra_hold_seconds = 0.0

    # --- what the coach is doing ------------------------------------------------------------

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

    @property
    def routine(self) -> Routine | None:
        return self._routine

    @property
    def phase(self) -> SessionState:
        """Where the routine is, whether or not it is paused or a question is open."""
        return self._phase

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
    def paused(self) -> bool:
        return self._paused

    @property
    def paused_for_devices(self) -> bool:
        return self._paused_for_devices

    @property
    def question(self) -> OpenQuestion | None:
        return self._question

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
        if self._question is not None:
            return self._question.next_deadline()
        if self._paused or self._routine is None:
            return None
        if self._phase in SPOKEN_PHASES:
            return self._spoken_deadline
        if self._schedule is None:
            return None
        return max(self._updated_at + self._schedule.real_seconds_to_next(), self._updated_at)

    @property
    def _frozen(self) -> bool:
        return self._paused or self._question is not None

    def seconds_since_update(self, now: float) -> float:
        """How long the course's clock has run since it was last brought up to date: 0 while
        it stands still."""
        return 0.0 if self._frozen else max(0.0, now - self._updated_at)

    def _advance_to(self, moment: float) -> None:
        if self._schedule is not None and not self._frozen and self._phase in TIMED_PHASES:
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
        question = self._question
        if question is not None:
            if question.being_read:  # its estimated end has passed: it counts as said
                self._question = question.said_by(now)
            else:  # said, and no answer came (or cut off before its end): once more, in full
                self._question = question.asked_again()
                self.read_question(out, question.text, now, interrupt=False)
        elif self._phase in SPOKEN_PHASES:
            self._leave_spoken_phase(now, out)
        elif self._phase is SessionState.HOLDING:
            self._fire_hold(now, out)
        elif self._phase is SessionState.RESTING and self.timer and self.timer.finished:
            self.begin_step(self._step + 1, now, out)

    def _fire_hold(self, now: float, out: list[Action]) -> None:
        assert self._schedule is not None
        for due in self._schedule.take_due():
            match due:
                case PressureChange(say=planned_words):
                    self._announce_pressure(out, planned_words)
                case Cue(say=words):
                    self.say(out, words)
                case Moment.TEN_SECONDS_LEFT:
                    self.say(out, phrases.TEN_SECONDS_LEFT.say())
                case Moment.TIME_UP:
                    self._end_hold(now, out)

    def left_alone(self, now: float) -> SessionCourse:
        """A copy of this course to run on as if nobody said another word: what fell due by
        `now` fired, a pause as if resumed now, a question as if answered with "carry on"."""
        # Routines are read, never changed: the copy shares them.
        routines = [self._routine, self._question.routine if self._question else None]
        probe = copy.deepcopy(self, {id(r): r for r in routines if r is not None})
        probe.catch_up(now, [])  # what fell due by now, as the engine would have fired it
        probe._paused = probe.answering = False
        probe._question = None
        return probe

    def speech_finished(self, now: float, out: list[Action]) -> None:
        """The speaker has said everything it was given."""
        if self._question is not None:
            self._question = self._question.reading_finished(now)
        elif self._phase in SPOKEN_PHASES and not self._frozen:
            self._leave_spoken_phase(now, out)

    # --- speaking and asking ----------------------------------------------------------------

    def say(self, out: list[Action], text: str, *, interrupt: bool = False) -> None:
        self.report(out)  # a new state is announced before the words that belong to it
        out.append(Say(text, interrupt=interrupt))
        if interrupt and self._question is not None:
            self._question = self._question.cut_off()  # whatever was being said is cut off

    def report(self, out: list[Action]) -> None:
        if self.state != self._reported:
            self._reported = self.state
            out.append(StateChanged(self.state))

    def ask(self, question: OpenQuestion, now: float, out: list[Action]) -> None:
        self._question = question
        self.read_question(out, question.text, now)

    def read_question(self, out: list[Action], text: str, now: float, *,
                      interrupt: bool = True) -> None:
        """Say `text`, which ends with the open question; until the speaker reports it said,
        an estimate of when it will have been. Even at the slowest speaking rate (80 words a
        minute) the estimate falls after the safety brief's red flags."""
        self.say(out, text, interrupt=interrupt)
        assert self._question is not None
        self._question = self._question.read(now + speaking_seconds(text, self.words_per_minute))

    def question_said(self, now: float) -> bool:
        """True once the open question has been said to its end: the speaker reported it, or
        (a speaker that never reports back) its estimated end has passed."""
        assert self._question is not None
        self._question = self._question.said_by(now)
        return self._question.heard

    def close_question(self) -> None:
        self._question = None

    # --- pausing and carrying on ------------------------------------------------------------

    def pause(self) -> None:
        """The user's pause: only the user ends it, even one that a device's failure began."""
        self._paused, self._paused_for_devices = True, False

    def pause_for_devices(self) -> None:
        """A device failed: paused until all of them are back."""
        self._paused = self._paused_for_devices = True

    def unpause(self) -> None:
        self._paused = self._paused_for_devices = False

    def carry_on(self, now: float, out: list[Action], words: str) -> None:
        """After a pause or a question: say `words` and pick up where we were."""
        if self._paused:
            self.say(out, phrases.STILL_PAUSED.say(words=words), interrupt=True)
        elif self._phase is SessionState.INTRODUCING:
            # The introduction is read once ("repeat" reads it again on purpose): carrying on
            # from it is going on to the first step.
            self.begin_step(0, now, out, lead=words)
        elif self._phase in SPOKEN_PHASES:
            # Only a phase still being spoken is read again: an instruction the pause cut off.
            said = f"{words} {self.spoken_text}"
            self._expect_words(said, now)
            self.say(out, said, interrupt=True)
        else:
            self.say(out, f"{words} {where_we_are(self)}", interrupt=True)

    def say_spoken_again(self, now: float, out: list[Action]) -> None:
        """The spoken phase's words, read again from the start ("repeat"); while paused they
        do not move the phase on."""
        if not self._paused:
            self._expect_words(self.spoken_text, now)
        self.say(out, self.spoken_text, interrupt=True)

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

    def stop(self, now: float, out: list[Action]) -> None:
        """The user's "stop" (or yes to "shall we stop?"): what was done, and the end."""
        assert self._routine is not None
        summary = self._record.stop_summary(self._routine, now)
        self.say(out, phrases.STOPPING.say(), interrupt=True)  # heard at once: made ahead
        self.say(out, summary)
        self.finish(EndReason.STOPPED, now, out)

    def finish(self, reason: EndReason, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        summary = self._record.summary(self._routine, reason, now, pace=self._pace,
                                       pressure_offset=self._pressure.offset)
        self._clear(now)
        self._phase = SessionState.FINISHED
        self.report(out)
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
        self._phase = phase
        self._schedule = None
        self._spoken_parts, self._spoken_with_pressure = parts, with_pressure
        said = f"{lead} {self.spoken_text}" if lead else self.spoken_text
        self._expect_words(said, now)
        self.say(out, said, interrupt=self.answering)

    def _expect_words(self, said: str, now: float) -> None:
        """A spoken phase's words, `said` from `now`: when they end at the user's rate, and
        when to move on if the speaker never says they have."""
        self._spoken_until = now + seconds_to_say(said, self.words_per_minute)
        self._spoken_deadline = now + speaking_seconds(said, self.words_per_minute)

    @property
    def spoken_text(self) -> str:
        """What this spoken phase says. An instruction read again after "that hurts" asks for
        the level the coach now holds, never the one it first said."""
        parts = list(self._spoken_parts)
        if self._spoken_with_pressure:
            parts.append(self.pressure_words(self._pressure_at(0.0)))
        return " ".join(wording.sentence(part) for part in parts if part)

    def words_end(self, now: float) -> float | None:
        """When the words of the phase being spoken end, if it is one."""
        if self._phase not in SPOKEN_PHASES:
            return None
        if self._phase is SessionState.INTRODUCING or self._paused:
            # The introduction counts whole, as the session's length does; an instruction or
            # a closing that a pause cut off is read again when the session resumes.
            return now + seconds_to_say(self.spoken_text, self.words_per_minute)
        return max(now, self._spoken_until)

    def _leave_spoken_phase(self, now: float, out: list[Action]) -> None:
        if self._phase is SessionState.INTRODUCING:
            self.begin_step(0, now, out)
        elif self._phase is SessionState.INSTRUCTING:
            self._begin_hold()
        elif self._phase is SessionState.CLOSING:
            self.finish(EndReason.COMPLETED, now, out)

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
        self._phase = SessionState.HOLDING
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
        self._phase = SessionState.RESTING
        self._schedule = StepSchedule.rest(self.step.rest_seconds)
        upcoming = self._routine.steps[self._step + 1]
        self.say(out, phrases.REST.say(duration=wording.duration(self._schedule.timer.length),
                                       title=upcoming.title))

    def begin_closing(self, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        minutes = self._record.minutes(now)
        parts = [
            phrases.END_OF.say(title=self._routine.title),
            self._routine.closing or "",
            phrases.WELL_DONE.say(minutes=minutes),
            phrases.PROFESSIONAL_ADVICE.say(),
        ]
        self._speak_phase(SessionState.CLOSING, parts, now, out)

    # --- pressure ---------------------------------------------------------------------------

    def _pressure_at(self, seconds_into_hold: float) -> Pressure:
        return self._pressure.at(self.step, self._step, seconds_into_hold)

    def _seconds_into_hold(self) -> float:
        in_hold = self._phase is SessionState.HOLDING and self.timer is not None
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
            self.say(out, planned_words)
        else:
            self.say(out, phrases.NOW_PRESSURE.say(pressure=self.pressure_words(level).lower()))

    def report_pain(self, now: float, out: list[Action]) -> None:
        """"That hurts", said at any time: advice to ease off; said again in a session, the
        question whether to stop (unless one is open already)."""
        if self._routine is None:
            self.say(out, phrases.IDLE_PAIN_ADVICE.say(), interrupt=True)
            return
        reports = self._note_pain(out)
        if reports == 1 or self._question is not None:
            self.say(out, phrases.PAIN_ADVICE.say(), interrupt=True)
            return
        asked = phrases.SECOND_PAIN_QUESTION if reports == 2 else phrases.PAIN_AGAIN_QUESTION
        self.ask(OpenQuestion(Question.STOP_AFTER_PAIN, asked.say()), now, out)

    def _note_pain(self, out: list[Action]) -> int:
        """Noted for the history, and light pressure for the rest of this step (in a rest,
        both the step just done and the one about to begin, whichever the user goes on with);
        light for the session once it has hurt again. How many times it has hurt in this
        sitting."""
        assert self._routine is not None
        self._record.pain_reports += 1
        self._pain_reports_this_sitting += 1
        reports = self._pain_reports_this_sitting
        step = self.step
        pressed = step.technique not in UNPRESSED_TECHNIQUES
        out.append(
            PainReported(
                routine=self._routine.name,
                step_index=self._step,
                step_title=step.title,
                areas=tuple(area.value for area in step.areas or self._routine.areas),
                reports_this_session=self._record.pain_reports,
                side=self.side_name if step.both_sides else None,
                pressure=self.pressure_now() if pressed else None,  # what it was when it hurt
            )
        )
        resting = self._phase is SessionState.RESTING
        hurt = (self._step, self._step + 1) if resting else (self._step,)
        self._pressure.after_pain(hurt, hurt_again=reports > 1)
        self._announced_pressure = Pressure.LIGHT
        return reports

    # --- the user's changes -----------------------------------------------------------------

    def note_adjustment(self, change: str, out: list[Action]) -> None:
        """A change of pace, pressure or time, for the history."""
        self._record.adjustments.append(change)
        out.append(Adjusted(change, self._pace, self._pressure.offset))

    def set_pace(self, pace: float) -> float | None:
        """The pace from now on: in a hold, its countdown too; then the seconds it has left."""
        self._pace = pace
        if self._phase is SessionState.HOLDING and self._schedule and self.timer:
            self._schedule.set_pace(pace)
            return self.timer.real_seconds_left
        return None

    def add_time(self, seconds: float) -> float | None:
        """More time: on the hold or rest running (then the seconds it has left), or else on
        the next hold."""
        if self._phase in TIMED_PHASES and self._schedule and self.timer:
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

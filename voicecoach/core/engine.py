"""The session engine: `handle(event, now) -> actions`. Pure: no I/O, no threads, no clock.

    idle ──start──► introducing ──speech done──► instructing ──speech done──► holding
                                                  ▲   ▲                          │ time up
                                                  │   └──── other side ◄─────────┤
                                                  └─ time up ── resting ◄────────┤
                                 finished ◄──speech done── closing ◄── last step ┘
    any running state ──pause──► paused ──resume──► same state (an instruction or closing
                                 that the pause cut off is read again; the introduction
                                 is not: it goes on to step 1)
    any running state ──"start other" / second pain / "safety"──► asking ──yes / no──►
    any running state ──stop──► finished
    any running state ──device failed──► paused ──all devices back──► same state
    idle ──start, precautions due──► asking (safety brief, persistent pain) ──yes──► introducing
                                                                         └──no──► idle

Spoken phases (introducing, instructing, closing) wait for the speaker to finish, so a hold's
clock starts only once its instruction has been heard; if the speaker never reports back, an
estimate of the speaking time stands in. A hold's or a rest's timing (its countdown at 1/pace,
ramp points, cues, "ten seconds left") is a `StepSchedule` (schedule.py) that the engine asks
what is due; the words are in phrasebook.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from . import phrasebook as phrases
from . import wording
from .faults import FaultBook, failure_words, recovery_words
from .intents import Command, Intent, Side, VoiceChange
from .messages import (
    Action,
    Adjusted,
    ChangeVoice,
    Device,
    DeviceFailed,
    DeviceRecovered,
    EndReason,
    Event,
    FaultNoted,
    Heard,
    PainReported,
    SafetyBriefAnswered,
    Say,
    SessionFinished,
    SessionStarted,
    SessionState,
    SessionSummary,
    Snapshot,
    SpeechFinished,
    StateChanged,
    StepCompleted,
    StepSkipped,
    StopSpeaking,
    Tick,
)
from .precautions import Precautions
from .routine import Cue, Pressure, PressureChange, Routine, Step, Technique
from .schedule import Moment, StepSchedule
from .timer import EPSILON, Countdown
from .vocabulary import Listening, Vocabulary, vocabulary_for

PACE_FACTOR = 1.25
PACE_BOUNDS = (0.5, 2.0)
PRESSURE_OFFSET_BOUNDS = (-2, 2)
MORE_TIME_SECONDS = 30
QUESTION_REPEAT_SECONDS = 20.0
IDLE_HINT_SECONDS = 60.0  # between sessions, "how to start" is said at most this often
MAX_FIRINGS_PER_EVENT = 10_000
WORDS_PER_SECOND = 2.5  # a calm coaching voice; used only when the speaker never reports back

UNPRESSED_TECHNIQUES = (Technique.HEAT, Technique.ICE, Technique.BREATHING)

SPOKEN_PHASES = (SessionState.INTRODUCING, SessionState.INSTRUCTING, SessionState.CLOSING)
TIMED_PHASES = (SessionState.HOLDING, SessionState.RESTING)


class Question(StrEnum):
    SWITCH_ROUTINE = "switch_routine"
    STOP_AFTER_PAIN = "stop_after_pain"
    BEFORE_START = "before_start"  # the safety brief and/or a persistent-pain warning
    SAFETY_CHECK = "safety_check"  # the brief, asked for with "safety"


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max(value, low), high)


def _speaking_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_SECOND * 1.5 + 2.0


class SessionEngine:
    def __init__(self, routines: Mapping[str, Routine], *, pace: float = 1.0,
                 wake_word: bool = False) -> None:
        """`wake_word`: while no session runs, act only on commands said after the wake word
        (`Command.addressed`), so that a television cannot start a routine."""
        self._routines = dict(routines)
        self._wake_word = wake_word
        self._faults = FaultBook()
        self._default_pace = _clamp(pace, PACE_BOUNDS)
        self._precautions = Precautions()
        self._phase = SessionState.IDLE
        self._reported = SessionState.IDLE
        self._answering = False
        self._pending_start: Routine | None = None
        self._brief_in_question = False
        self._hinted_at: float | None = None  # when the last hint between sessions was said
        self._clear_session(0.0)
        self._handlers: dict[Intent, Callable[[Command, float, list[Action]], None]] = {
            Intent.START: self._on_start,
            Intent.NEXT: self._on_next,
            Intent.BACK: self._on_back,
            Intent.PAUSE: self._on_pause,
            Intent.RESUME: self._on_resume,
            Intent.REPEAT: self._on_repeat,
            Intent.RESTART: self._on_restart,
            Intent.STOP: self._on_stop,
            Intent.SLOWER: self._on_pace,
            Intent.FASTER: self._on_pace,
            Intent.LIGHTER: self._on_pressure,
            Intent.FIRMER: self._on_pressure,
            Intent.MORE_TIME: self._on_more_time,
            Intent.STATUS: self._on_status,
            Intent.HELP: self._on_help,
            Intent.LIST: self._on_list,
            Intent.PAIN: self._on_pain,
            Intent.YES: self._on_unasked_answer,
            Intent.NO: self._on_unasked_answer,
            Intent.SIDE: self._on_side,
            Intent.VOICE: self._on_voice,
            Intent.SAFETY: self._on_safety,
        }

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
        self._switch_target: Routine | None = None
        self._spoken_text = ""
        self._spoken_deadline = 0.0
        self._pace = self._default_pace
        self._pressure_offset = 0
        self._pain_step: int | None = None
        self._pain_reports = 0
        self._announced_pressure = Pressure.LIGHT
        self._extra_hold_seconds = 0.0
        self._completed: set[int] = set()
        self._skipped: set[int] = set()  # moved on from with "next"; a step finished later is not
        self._adjustments: list[str] = []
        self._faults.paused_session = False

    # --- public face ------------------------------------------------------------------------

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
    def listening(self) -> Vocabulary:
        """What the coach would act on now: the listener hears for this and nothing else."""
        return vocabulary_for(self._listening_state(), self._wake_word)

    def _listening_state(self) -> Listening:
        if self._question is not None:
            return Listening.ASKED
        if self._routine is None:
            return Listening.IDLE
        if self._paused:
            return Listening.PAUSED
        if self._phase is SessionState.INTRODUCING:
            return Listening.STARTING
        step = self._current_step
        if step.both_sides and self._side == 0 and self._phase is SessionState.INSTRUCTING:
            return Listening.SIDE
        return Listening.RUNNING

    def handle(self, event: Event, now: float) -> list[Action]:
        out: list[Action] = []
        self._answering = False
        # What the user says as something falls due goes first: they said it about what they
        # had heard so far ("pause" as a cue is due: "Paused.", and the cue after "resume").
        self._catch_up(now, out, before_now=isinstance(event, Heard))
        self._answering = isinstance(event, Heard)
        match event:
            case Heard(command) if self._question is not None:
                self._answer(command, now, out)
            case Heard(command) if self._wake_word and self._routine is None:
                if command.addressed:
                    self._handlers[command.intent](command, now, out)
            case Heard(command):
                if command.intent is Intent.PAUSE:
                    self._faults.paused_session = False  # the user's own choice from now on
                self._handlers[command.intent](command, now, out)
                if not self._paused:
                    self._faults.paused_session = False
            case DeviceFailed(device, detail):
                self._device_failed(device, detail, out)
            case DeviceRecovered(device):
                self._device_recovered(device, now, out)
            case SpeechFinished():
                if self._question is not None and not self._question_repeated:
                    self._question_asked_at = now  # the wait for an answer starts now
                elif self._phase in SPOKEN_PHASES and not self._frozen:
                    self._leave_spoken_phase(now, out)
            case Precautions():
                self._precautions = event
            case Tick():
                pass
        # A command may have left something already due (e.g. a spoken phase whose time ran
        # out while paused): it fires now, not at some later event.
        self._answering = False
        self._catch_up(now, out)
        self._report(out)
        return out

    def next_deadline(self) -> float | None:
        """When the next Tick would change something, or None while nothing is timed."""
        if self._question is not None:
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

    def snapshot(self, now: float) -> Snapshot:
        if self._routine is None:
            return Snapshot(state=self.state)
        step = self._current_step
        running_for = 0.0 if self._frozen else max(0.0, now - self._updated_at)
        step_left = step_total = None
        if self._timer is not None and self._phase in TIMED_PHASES:
            step_left = max(0.0, self._timer.real_seconds_left - running_for)
            step_total = self._timer.length / self._timer.rate
        return Snapshot(
            state=self.state,
            routine_title=self._routine.title,
            step_number=self._step + 1,
            step_count=len(self._routine.steps),
            step_title=step.title,
            instruction=step.instruction,
            side=self._side_name if step.both_sides else None,
            pressure=self._pressure_now(),
            step_seconds_left=step_left,
            step_seconds_total=step_total,
            routine_seconds_left=max(0.0, self._routine_seconds_left() - running_for),
            pace=self._pace,
        )

    # --- time ---------------------------------------------------------------------------------

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
            self._question_repeated = True
            self._say(out, self._question_text)
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

    # --- the routine's course -------------------------------------------------------------------

    @property
    def _current_step(self) -> Step:
        assert self._routine is not None
        return self._routine.steps[self._step]

    @property
    def _side_name(self) -> str:
        return self._side_order[self._side].value

    def _start_routine(self, routine: Routine, now: float, out: list[Action]) -> None:
        self._clear_session(now)
        self._routine = routine
        out.append(SessionStarted(routine.name, routine.title, len(routine.steps), self._pace))
        parts = [routine.title, routine.introduction, *routine.safety]
        if any(step.both_sides for step in routine.steps):
            parts.append(phrases.BOTH_SIDES_INTRO.say())
        self._speak_phase(SessionState.INTRODUCING, parts, now, out)

    def _speak_phase(
        self, phase: SessionState, parts: list[str], now: float, out: list[Action],
        lead: str = "",
    ) -> None:
        """`lead`: words said first ("Resuming."), not part of what "repeat" reads again."""
        self._phase = phase
        self._schedule = None
        self._spoken_text = " ".join(wording.sentence(part) for part in parts if part)
        said = f"{lead} {self._spoken_text}" if lead else self._spoken_text
        self._spoken_deadline = now + _speaking_seconds(said)
        # Moving on by itself the coach queues its words; answering a command it cuts in.
        self._say(out, said, interrupt=self._answering)

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
        parts.append(self._pressure_words(self._announced_pressure))
        self._speak_phase(SessionState.INSTRUCTING, parts, now, out, lead)

    def _switch_side(self, now: float, out: list[Action]) -> None:
        self._side = 1
        self._announced_pressure = self._pressure_at(0.0)
        parts = [
            phrases.SWITCH_SIDE.say(side=self._side_name),
            self._pressure_words(self._announced_pressure),
        ]
        self._speak_phase(SessionState.INSTRUCTING, parts, now, out)

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

    # --- pressure and timing ------------------------------------------------------------------

    def _pressure_at(self, seconds_into_hold: float) -> Pressure:
        if self._pain_step == self._step:
            return Pressure.LIGHT
        planned = self._current_step.pressure.level_at(seconds_into_hold)
        return planned.step(self._pressure_offset)

    def _pressure_now(self) -> Pressure:
        in_hold = self._phase is SessionState.HOLDING and self._timer is not None
        return self._pressure_at(self._timer.done if in_hold and self._timer else 0.0)

    def _announce_pressure(self, out: list[Action], planned_words: str | None) -> None:
        level = self._pressure_now()
        if level == self._announced_pressure:
            return  # the user's own adjustment or a pain cap already covers this point
        deeper = list(Pressure).index(level) > list(Pressure).index(self._announced_pressure)
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

    # --- speaking ------------------------------------------------------------------------------

    def _say(self, out: list[Action], text: str, *, interrupt: bool = False) -> None:
        self._report(out)  # a new state is announced before the words that belong to it
        out.append(Say(text, interrupt=interrupt))

    def _report(self, out: list[Action]) -> None:
        if self.state != self._reported:
            self._reported = self.state
            out.append(StateChanged(self.state))

    def _ask(self, question: Question, text: str, now: float, out: list[Action]) -> None:
        self._question = question
        self._question_text = text
        # Until the speaker reports the question said, an estimate of when it will be.
        self._question_asked_at = now + _speaking_seconds(text)
        self._question_repeated = False
        self._say(out, text, interrupt=True)

    def _carry_on(self, now: float, out: list[Action], words: str) -> None:
        """After a pause or a question: say `words` and pick up where we were."""
        if self._paused:
            self._say(out, phrases.STILL_PAUSED.say(words=words), interrupt=True)
        elif self._phase is SessionState.INTRODUCING:
            # The introduction is read once ("repeat" reads it again on purpose): carrying on
            # from it is going on to the first step.
            self._begin_step(0, now, out, lead=words)
        elif self._phase in SPOKEN_PHASES:
            # Only a phase still being spoken is read again: an instruction the pause cut off.
            self._spoken_deadline = now + _speaking_seconds(self._spoken_text)
            self._say(out, f"{words} {self._spoken_text}", interrupt=True)
        else:
            self._say(out, f"{words} {self._where_we_are()}", interrupt=True)

    def _where_we_are(self) -> str:
        if self._phase is SessionState.RESTING and self._timer:
            return phrases.RESTING_LEFT.say(left=wording.duration(self._timer.real_seconds_left))
        if self._phase is SessionState.HOLDING and self._timer:
            step = self._current_step
            left = wording.duration(self._timer.real_seconds_left)
            if step.both_sides:
                where = phrases.HOLD_LEFT_ON_SIDE.say(title=step.title, side=self._side_name,
                                                  left=left)
            else:
                where = phrases.HOLD_LEFT.say(title=step.title, left=left)
            pressure = self._pressure_words(self._pressure_now())
            return wording.sentence(f"{where} {pressure}")
        return ""

    # --- devices --------------------------------------------------------------------------------

    def _device_failed(self, device: Device, detail: str, out: list[Action]) -> None:
        if not self._faults.failed(device, detail):
            return
        out.append(FaultNoted(device, detail, recovered=False))
        pause = self._routine is not None and not self._paused and self._question is None
        if pause:
            self._paused = self._faults.paused_session = True
        self._say(out, failure_words(device, paused=pause), interrupt=pause)

    def _device_recovered(self, device: Device, now: float, out: list[Action]) -> None:
        if not self._faults.recovered(device):
            return
        out.append(FaultNoted(device, "", recovered=True))
        words = recovery_words(device, still_down=list(self._faults.down))
        if self._faults.all_clear and self._faults.paused_session and self._routine is not None:
            self._faults.paused_session = self._paused = False
            self._carry_on(now, out, phrases.BACK_CARRYING_ON.say(back=words))
        else:
            self._say(out, words)

    # --- commands -------------------------------------------------------------------------------

    def _not_running(self, now: float, out: list[Action]) -> None:
        self._idle_hint(now, out, phrases.NOTHING_RUNNING.say())

    def _idle_hint(self, now: float, out: list[Action], text: str = phrases.START_HINT) -> None:
        """Between sessions, how to start: at most once a minute. A room's talk heard as
        "next" or "help" again and again must not make the coach answer it again and again."""
        if self._hinted_at is not None and now - self._hinted_at < IDLE_HINT_SECONDS:
            return
        self._hinted_at = now
        self._say(out, text, interrupt=True)

    def _on_start(self, command: Command, now: float, out: list[Action]) -> None:
        target = self._routines.get(command.slots.get("routine", ""))
        if target is None and self._routine is None:
            self._idle_hint(now, out)
        elif target is None:
            self._say(out, phrases.START_HINT.say(), interrupt=True)
        elif self._routine is None and self._precautions.needed:
            self._ask_before_start(target, now, out)
        elif self._routine is None:
            self._start_routine(target, now, out)
        elif target.name == self._routine.name:
            self._say(out, phrases.ALREADY_DOING.say(title=target.title), interrupt=True)
        else:
            self._switch_target = target
            self._ask(
                Question.SWITCH_ROUTINE,
                phrases.SWITCH_QUESTION.say(current=self._routine.title, target=target.title),
                now,
                out,
            )

    def _on_next(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        if self._phase is SessionState.CLOSING:
            self._say(out, phrases.END_OF_ROUTINE.say(), interrupt=True)
            return  # nothing to move to: a pause stays a pause
        self._paused = False
        if self._phase is SessionState.INTRODUCING:
            self._begin_step(0, now, out)
        elif self._phase is SessionState.RESTING:
            self._begin_step(self._step + 1, now, out)
        elif self._current_step.both_sides and self._side == 0:
            self._switch_side(now, out)
        else:
            self._skip_step(out)  # moved on before its hold was done: skipped, not finished
            if self._step + 1 < len(self._routine.steps):
                self._begin_step(self._step + 1, now, out)
            else:
                self._begin_closing(now, out)

    def _on_back(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        if self._phase is SessionState.INTRODUCING:
            self._say(out, phrases.NOT_STARTED_YET.say(), interrupt=True)
            return  # nothing to go back to: a pause stays a pause
        self._paused = False
        # Each side counts, as for "next": back from a step's first side is the previous
        # step's last side, and from a rest (or the closing) the last side just done.
        if self._phase in (SessionState.RESTING, SessionState.CLOSING):
            self._begin_last_side(self._step, now, out)
        elif self._side == 1:
            self._begin_step(self._step, now, out)  # this step's first side
        elif self._step == 0:
            self._say(out, phrases.FIRST_STEP.say(), interrupt=True)
            self._begin_step(0, now, out)
        else:
            self._begin_last_side(self._step - 1, now, out)

    def _begin_last_side(self, index: int, now: float, out: list[Action]) -> None:
        assert self._routine is not None
        self._begin_step(index, now, out, side=self._routine.steps[index].sides - 1)

    def _on_restart(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        self._paused = False
        if self._phase is SessionState.INTRODUCING:
            self._start_routine(self._routine, now, out)
        elif self._phase in (SessionState.RESTING, SessionState.CLOSING):
            self._begin_step(self._step, now, out)
        else:
            self._begin_step(self._step, now, out, side=self._side)

    def _on_pause(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        if self._paused:
            self._say(out, phrases.ALREADY_PAUSED.say(), interrupt=True)
            return
        self._paused = True
        out.append(StopSpeaking())
        self._say(out, phrases.PAUSED.say())

    def _on_resume(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        if self._paused:
            self._paused = False
            self._carry_on(now, out, phrases.RESUMING.say())
        elif self._phase is SessionState.INTRODUCING:
            self._begin_step(0, now, out)  # "go" during the introduction: skip to the work
        else:
            self._say(out, phrases.NOT_PAUSED.say(), interrupt=True)

    def _on_repeat(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        if self._phase in SPOKEN_PHASES:
            if not self._paused:
                self._spoken_deadline = now + _speaking_seconds(self._spoken_text)
            self._say(out, self._spoken_text, interrupt=True)
        elif self._phase is SessionState.RESTING:
            upcoming = self._routine.steps[self._step + 1]
            self._say(out, phrases.NEXT_UP.say(where=self._where_we_are(), title=upcoming.title),
                      interrupt=True)
        else:
            step = self._current_step
            pressure = self._pressure_words(self._pressure_now())
            text = wording.sentence(f"{wording.sentence(step.instruction)} {pressure}")
            self._say(out, text, interrupt=True)

    def _on_stop(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        done, total = len(self._completed), len(self._routine.steps)
        minutes = wording.about_minutes(now - self._started_at)
        skipped = self._steps_skipped()
        if skipped:
            what = phrases.STOP_SUMMARY_SKIPPED.say(done=done, total=total, skipped=skipped,
                                                minutes=minutes)
        else:
            what = phrases.STOP_SUMMARY.say(done=done, total=total, minutes=minutes)
        self._say(out, phrases.STOPPING.say(), interrupt=True)  # heard at once: made ahead
        self._say(out, f"{what} {phrases.PROFESSIONAL_ADVICE.say()}")
        self._finish(EndReason.STOPPED, now, out)

    def _on_pace(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        slower = command.intent is Intent.SLOWER
        factor = PACE_FACTOR if slower else 1 / PACE_FACTOR
        pace = _clamp(self._pace * factor, PACE_BOUNDS)
        if abs(pace - self._pace) < EPSILON:
            limit = phrases.ALREADY_SLOWEST if slower else phrases.ALREADY_FASTEST
            self._say(out, limit.say(), interrupt=True)
            return
        self._pace = pace
        self._adjusted(command, out)
        if self._phase is SessionState.HOLDING and self._schedule and self._timer:
            self._schedule.set_pace(pace)
            left = wording.duration(self._timer.real_seconds_left)
            words = phrases.SLOWER_LEFT if slower else phrases.FASTER_LEFT
            self._say(out, words.say(left=left), interrupt=True)
        else:
            each = phrases.SLOWER_EACH_HOLD if slower else phrases.FASTER_EACH_HOLD
            self._say(out, each.say(), interrupt=True)

    def _on_pressure(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        lighter = command.intent is Intent.LIGHTER
        if not lighter and self._pain_step == self._step:
            self._say(out, phrases.KEEP_LIGHT_AFTER_PAIN.say(), interrupt=True)
            return
        if self._current_step.technique in UNPRESSED_TECHNIQUES:
            self._say(out, phrases.NO_PRESSURE_TO_CHANGE.say(), interrupt=True)
            return
        before = self._pressure_now()
        offset = int(_clamp(self._pressure_offset + (-1 if lighter else 1), PRESSURE_OFFSET_BOUNDS))
        previous_offset, self._pressure_offset = self._pressure_offset, offset
        after = self._pressure_now()
        if after == before:
            self._pressure_offset = previous_offset
            limit = phrases.ALREADY_LIGHTEST if lighter else phrases.ALREADY_FIRMEST
            self._say(out, limit.say(), interrupt=True)
            return
        self._announced_pressure = after
        self._adjusted(command, out)
        words = phrases.LIGHTER if lighter else phrases.FIRMER
        self._say(out, words.say(pressure=self._pressure_words(after).lower()), interrupt=True)

    def _adjusted(self, command: Command, out: list[Action]) -> None:
        self._adjustments.append(command.intent.value)
        out.append(Adjusted(command.intent.value, self._pace, self._pressure_offset))

    def _on_more_time(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        self._adjusted(command, out)
        if self._phase in TIMED_PHASES and self._schedule and self._timer:
            self._schedule.add_real_seconds(MORE_TIME_SECONDS)
            left = wording.duration(self._timer.real_seconds_left)
            self._say(out, phrases.MORE_TIME_LEFT.say(seconds=MORE_TIME_SECONDS, left=left),
                      interrupt=True)
        else:
            self._extra_hold_seconds += MORE_TIME_SECONDS
            self._say(out, phrases.MORE_TIME_ADDED.say(seconds=MORE_TIME_SECONDS), interrupt=True)

    def _on_status(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        routine = self._routine
        total = wording.about_minutes(self._routine_seconds_left())
        if self._phase is SessionState.INTRODUCING:
            text = phrases.STATUS_STARTING.say(title=routine.title, count=len(routine.steps),
                                           total=total)
        elif self._phase is SessionState.CLOSING:
            text = phrases.STATUS_FINISHING.say()
        elif self._phase is SessionState.RESTING:
            upcoming = routine.steps[self._step + 1]
            text = phrases.STATUS_RESTING.say(where=self._where_we_are(), number=self._step + 2,
                                          count=len(routine.steps), title=upcoming.title,
                                          total=total.capitalize())
        else:
            where = self._where_we_are() or f"{self._current_step.title}."
            text = phrases.STATUS_STEP.say(number=self._step + 1, count=len(routine.steps),
                                       where=where, total=total.capitalize())
        if self._paused:
            text = phrases.STATUS_PAUSED.say(status=text)
        self._say(out, text, interrupt=True)

    def _on_help(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._idle_hint(now, out)
        help_text = phrases.PAUSED_HELP if self._paused else phrases.RUNNING_HELP
        text = help_text.say()
        self._say(out, text, interrupt=True)

    def _on_list(self, command: Command, now: float, out: list[Action]) -> None:
        names = [routine.aliases[0] for routine in self._routines.values()]
        self._say(out, phrases.ROUTINE_LIST.say(count=len(names), names=wording.spoken_list(names)),
                  interrupt=True)

    def _on_pain(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            self._say(out, phrases.IDLE_PAIN_ADVICE.say(), interrupt=True)
            return
        self._pain_reports += 1
        step = self._current_step
        pressed = step.technique not in UNPRESSED_TECHNIQUES
        out.append(
            PainReported(
                routine=self._routine.name,
                step_index=self._step,
                step_title=step.title,
                areas=tuple(area.value for area in step.areas or self._routine.areas),
                reports_this_session=self._pain_reports,
                side=self._side_name if step.both_sides else None,
                pressure=self._pressure_now() if pressed else None,  # what it was when it hurt
            )
        )
        self._pain_step = self._step
        self._announced_pressure = Pressure.LIGHT
        if self._pain_reports == 1 or self._question is not None:
            self._say(out, phrases.PAIN_ADVICE.say(), interrupt=True)
            return
        self._ask(Question.STOP_AFTER_PAIN, phrases.SECOND_PAIN_QUESTION.say(), now, out)

    def _on_side(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        first = Side(command.slots.get("side", Side.LEFT))
        other = Side.RIGHT if first is Side.LEFT else Side.LEFT
        order = (first, other)
        if order == self._side_order:
            return
        self._side_order = order
        if self._side == 0:
            self._say(out, phrases.SIDE_FIRST.say(side=first), interrupt=True)
        else:
            self._say(out, phrases.SIDE_FIRST_FROM_NEXT_STEP.say(side=first), interrupt=True)

    def _on_voice(self, command: Command, now: float, out: list[Action]) -> None:
        change = command.slots.get("voice_change", "")
        if change not in set(VoiceChange):
            return
        out.append(ChangeVoice(change))
        self._say(out, phrases.VOICE_CHANGED.say(change=change), interrupt=True)

    def _on_unasked_answer(self, command: Command, now: float, out: list[Action]) -> None:
        """A yes or no nobody asked for is most likely a stray recognition: change nothing."""

    def _on_safety(self, command: Command, now: float, out: list[Action]) -> None:
        brief = f"{phrases.SAFETY_BRIEF.say()} {phrases.OKAY_TO_CONTINUE.say()}"
        self._ask(Question.SAFETY_CHECK, brief, now, out)

    def _ask_before_start(self, target: Routine, now: float, out: list[Action]) -> None:
        brief, pattern = self._precautions.safety_brief, self._precautions.persistent_pain
        parts = [pattern.spoken] if pattern else []
        if brief:
            parts += [phrases.SAFETY_BRIEF.say(), phrases.OKAY_TO_CONTINUE.say()]
        else:
            parts.append(phrases.GENTLE_SESSION_QUESTION.say(title=target.title))
        self._pending_start, self._brief_in_question = target, brief
        self._ask(Question.BEFORE_START, " ".join(parts), now, out)

    def _answer_safety(self, intent: Intent, now: float, out: list[Action]) -> None:
        """The answer to the safety brief or the persistent-pain warning."""
        brief = self._question is Question.SAFETY_CHECK or self._brief_in_question
        target, self._pending_start = self._pending_start, None
        if intent is Intent.YES:
            self._question = None
            if brief:
                out.append(SafetyBriefAnswered(accepted=True))
            # Heard for this sitting; the runner sends fresh precautions after the session.
            self._precautions = Precautions()
            if target is not None:
                self._start_routine(target, now, out)
            elif self._routine is not None:
                self._carry_on(now, out, phrases.GOOD_CARRYING_ON.say())
            else:
                self._say(out, phrases.GOOD_START_HINT.say(), interrupt=True)
        elif intent is Intent.NO:
            self._question = None
            if brief:
                out.append(SafetyBriefAnswered(accepted=False))
            declined = phrases.BRIEF_DECLINED if brief else phrases.PAIN_WARNING_DECLINED
            self._say(out, declined.say(), interrupt=True)
            if self._routine is not None:
                self._finish(EndReason.STOPPED, now, out)
        elif intent is Intent.STOP and self._routine is None:
            self._question = None
            self._say(out, phrases.WONT_START.say(), interrupt=True)
        elif intent is Intent.STOP:
            self._on_stop(Command(Intent.STOP), now, out)
        else:
            self._pending_start = target
            if intent is Intent.REPEAT:
                self._say(out, self._question_text, interrupt=True)
            elif intent is Intent.SAFETY:
                self._say(out, self._with_brief(brief), interrupt=True)
            else:  # not an answer: ask again in a few words, not thirty seconds of brief
                again = phrases.ASK_AGAIN_BRIEF if brief else phrases.ASK_AGAIN
                self._say(out, again.say(), interrupt=True)

    def _with_brief(self, brief_in_question: bool) -> str:
        """The answer to "safety" said to a question: the safety brief, and the question."""
        if brief_in_question:
            return self._question_text
        return f"{phrases.SAFETY_BRIEF.say()} {self._question_text}"

    def _answer(self, command: Command, now: float, out: list[Action]) -> None:
        question = self._question
        if command.intent is Intent.PAIN:
            self._on_pain(command, now, out)
        elif question in (Question.BEFORE_START, Question.SAFETY_CHECK):
            self._answer_safety(command.intent, now, out)
        elif command.intent is Intent.SAFETY:
            self._say(out, self._with_brief(False), interrupt=True)
        elif command.intent is Intent.STOP or (
            command.intent is Intent.YES and question is Question.STOP_AFTER_PAIN
        ):
            self._on_stop(command, now, out)
        elif command.intent is Intent.YES and self._switch_target is not None:
            target = self._switch_target
            title = self._routine.title if self._routine else ""
            self._say(out, phrases.STOPPING_ROUTINE.say(title=title), interrupt=True)
            self._finish(EndReason.STOPPED, now, out)
            self._start_routine(target, now, out)
        elif command.intent is Intent.NO:
            self._question = None
            self._switch_target = None
            gently = question is Question.STOP_AFTER_PAIN
            words = phrases.CARRY_ON_GENTLY if gently else phrases.CARRYING_ON
            self._carry_on(now, out, words.say())
        else:
            self._say(out, self._question_text, interrupt=True)

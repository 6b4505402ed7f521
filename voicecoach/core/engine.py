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
    asking takes yes or no only once the question has been said to its end (questions.py)

Spoken phases (introducing, instructing, closing) wait for the speaker to finish, so a hold's
clock starts only once its instruction has been heard; if the speaker never reports back, an
estimate of the speaking time stands in. A hold's or a rest's timing (its countdown at 1/pace,
ramp points, cues, "ten seconds left") is a `StepSchedule` (schedule.py) that the engine asks
what is due; the words are in phrasebook.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import phrasebook as phrases
from .commands import IDLE_HINT_SECONDS
from .course import PACE_BOUNDS, QUESTION_REPEAT_SECONDS, TIMED_PHASES
from .faults import failure_words, recovery_words
from .intents import Command, Intent
from .messages import (
    Action,
    Device,
    DeviceFailed,
    DeviceRecovered,
    Event,
    FaultNoted,
    Heard,
    SessionState,
    Snapshot,
    SpeechFinished,
    Tick,
)
from .precautions import Precautions
from .questions import Answers
from .routine import Routine
from .speaking_time import USUAL_WORDS_PER_MINUTE
from .vocabulary import Listening, Vocabulary, vocabulary_for

__all__ = ["IDLE_HINT_SECONDS", "PACE_BOUNDS", "QUESTION_REPEAT_SECONDS", "SessionEngine"]


class SessionEngine(Answers):
    """The state machine above: events in, actions out (`handle`), and when it next wants a
    `Tick` (`next_deadline`)."""

    def __init__(self, routines: Mapping[str, Routine], *, pace: float = 1.0,
                 wake_word: bool = False,
                 words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> None:
        """`wake_word`: while no session runs, act only on commands said after the wake word
        (`Command.addressed`), so that a television cannot start a routine.
        `words_per_minute`: the rate the voice is asked for (the user's `speech_rate`): the
        minutes the coach says a session takes count its words, as `voicecoach list` does."""
        super().__init__(routines, pace=pace, wake_word=wake_word,
                         words_per_minute=words_per_minute)
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

    # --- public face ----------------------------------------------------------------------

    @property
    def listening(self) -> Vocabulary:
        """What the coach would act on now: the listener hears for this and nothing else."""
        asking = self._question is not None and not self._question_heard
        return vocabulary_for(self._listening_state(), self._wake_word, answers_wait=asking)

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
            case Heard(command, certain, typed) if self._question is not None:
                self._answer(command, now, out, certain=certain, typed=typed)
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
                self._speech_finished(now, out)
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

    # --- devices --------------------------------------------------------------------------

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

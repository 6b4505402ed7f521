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
    asking takes yes or no only once the question has been said to its end (answers.py)

The engine has its parts and passes each event to one of them: the course of the session
(`SessionCourse`, course.py), which it brings up to each moment; the conversation
(`Conversation`, conversation.py), which says the coach's words and keeps the pause and the
open question; the command handlers (`CommandHandlers`, commands.py); and the answers to an
open question (`Answers`, answers.py). The handlers and the answers are peers: each moves the
course and the conversation through their methods, and what both call for (stopping,
carrying on, "that hurts") has one home, `Replies` (replies.py).

Spoken phases (introducing, instructing, closing) wait for the speaker to finish, so a hold's
clock starts only once its instruction has been heard; if the speaker never reports back, an
estimate of the speaking time stands in. A hold's or a rest's timing (its countdown at 1/pace,
ramp points, cues, "ten seconds left") is a `StepSchedule` (schedule.py) that the engine asks
what is due; the words are in phrasebook.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import phrasebook as phrases
from .answers import Answers
from .commands import IDLE_HINT_S, CommandHandlers
from .conversation import Conversation
from .course import PACE_BOUNDS, SessionCourse
from .faults import FaultBook, failure_words, recovery_words
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
from .progress import snapshot
from .questions import QUESTION_REPEAT_S
from .replies import Replies
from .routine import Routine
from .sitting import Sitting
from .speaking_time import USUAL_WORDS_PER_MINUTE
from .time_to_go import seconds_to_go
from .vocabulary import Vocabulary, VocabularyState, vocabulary_for

__all__ = ["IDLE_HINT_S", "PACE_BOUNDS", "QUESTION_REPEAT_S", "SessionEngine"]


class SessionEngine:
    """The state machine above: events in, actions out (`handle`), and when it next wants a
    `Tick` (`next_deadline`)."""

    def __init__(self, routines: Mapping[str, Routine], *, pace: float = 1.0,
                 wake_word: bool = False,
                 words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> None:
        """`wake_word`: while no session runs, act only on commands said after the wake word
        (`Command.addressed`), so that a television cannot start a routine.
        `words_per_minute`: the rate the voice is asked for (the user's `speech_rate`): the
        minutes the coach says a session takes count its words, as `voicecoach list` does."""
        self._wake_word = wake_word
        self._faults = FaultBook()
        talk = self._talk = Conversation(words_per_minute)
        sitting = self._sitting = Sitting()
        course = self._course = SessionCourse(talk, pace=pace, sitting=sitting)
        replies = self._replies = Replies(course, talk)
        self._commands = CommandHandlers(course, talk, replies, routines, sitting)
        self._answers = Answers(course, talk, replies, sitting)

    # --- public face ----------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        return self._talk.state

    @property
    def running(self) -> bool:
        return self._course.running

    def next_deadline(self) -> float | None:
        """When the next Tick would change something, or None while nothing is timed."""
        return self._course.next_deadline()

    def seconds_to_go(self, now: float) -> float:
        """How long the session has to go if nobody says another word (time_to_go.py)."""
        return seconds_to_go(self._course, now)

    @property
    def vocabulary(self) -> Vocabulary:
        """What the coach would act on now: the listener hears for this and nothing else."""
        question = self._talk.question
        asking = question is not None and not question.heard
        return vocabulary_for(self._vocabulary_state(), self._wake_word, answers_wait=asking)

    def _vocabulary_state(self) -> VocabularyState:
        course = self._course
        if self._talk.question is not None:
            return VocabularyState.ASKED
        if course.routine is None:
            return VocabularyState.IDLE
        if self._talk.paused:
            return VocabularyState.PAUSED
        if course.phase is SessionState.INTRODUCING:
            return VocabularyState.STARTING
        first_side = course.step.both_sides and course.side_index == 0
        if first_side and course.phase is SessionState.INSTRUCTING:
            return VocabularyState.SIDE
        return VocabularyState.RUNNING

    def handle(self, event: Event, now: float) -> list[Action]:
        out: list[Action] = []
        course, talk = self._course, self._talk
        talk.answering = False
        # What the user says as something falls due goes first: they said it about what they
        # had heard so far ("pause" as a cue is due: "Paused.", and the cue after "resume").
        course.catch_up(now, out, before_now=isinstance(event, Heard))
        talk.answering = isinstance(event, Heard)
        match event:
            case Heard(command, certain, typed) if talk.question is not None:
                self._answers.answer(command, now, out, certain=certain, typed=typed)
            case Heard(command) if self._wake_word and course.routine is None:
                if command.addressed:
                    self._commands.handle(command, now, out)
            case Heard(command):
                self._commands.handle(command, now, out)
            case DeviceFailed(device, detail):
                self._device_failed(device, detail, out)
            case DeviceRecovered(device):
                self._device_recovered(device, now, out)
            case SpeechFinished():
                course.speech_finished(now, out)
            case Precautions():
                self._sitting.precautions = event
            case Tick():
                pass
        # A command may have left something already due (e.g. a spoken phase whose time ran
        # out while paused): it fires now, not at some later event.
        talk.answering = False
        course.catch_up(now, out)
        talk.report(out)
        return out

    def snapshot(self, now: float) -> Snapshot:
        return snapshot(self._course, now)

    # --- devices --------------------------------------------------------------------------

    def _device_failed(self, device: Device, detail: str, out: list[Action]) -> None:
        if not self._faults.failed(device, detail):
            return
        out.append(FaultNoted(device, detail, recovered=False))
        talk = self._talk
        pause = self._course.running and not talk.paused and talk.question is None
        if pause:
            talk.pause_for_devices()
        talk.say(out, failure_words(device, paused=pause), interrupt=pause)

    def _device_recovered(self, device: Device, now: float, out: list[Action]) -> None:
        if not self._faults.recovered(device):
            return
        out.append(FaultNoted(device, "", recovered=True))
        words = recovery_words(device, still_down=list(self._faults.down))
        talk = self._talk
        if self._faults.all_clear and talk.paused_for_devices and self._course.running:
            talk.unpause()
            self._replies.carry_on(now, out, phrases.BACK_CARRYING_ON.say(back=words))
        else:
            talk.say(out, words)

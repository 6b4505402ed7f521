"""What the coach says, and the state it is in as it says it: the routine's phase, a pause, an
open question. Pure: no I/O, no threads, no clock.

Every line goes through `say`, so that a new state is announced before the words that belong
to it, and words said over an open question cut its reading off. The course (course.py) sets
the phase as the routine moves; the command handlers, the answers and the engine pause, ask
and say through this one object.
"""

from __future__ import annotations

from .messages import Action, Say, SessionState, StateChanged
from .questions import OpenQuestion
from .speaking_time import speaking_seconds


class Conversation:
    def __init__(self, words_per_minute: float) -> None:
        self.words_per_minute = words_per_minute
        self.phase = SessionState.IDLE  # where the routine is: the course's to set
        # Set by the engine while it answers a command: a spoken phase begun then cuts in;
        # moving on by itself, the coach queues its words.
        self.answering = False
        self._reported = SessionState.IDLE
        self._paused = False
        # The pause is the devices' (one failed): all of them back, the session carries on.
        self._paused_for_devices = False
        self._question: OpenQuestion | None = None

    def clear(self) -> None:
        """A session starts or ends: no pause and no question carry over."""
        self._paused = self._paused_for_devices = False
        self._question = None

    @property
    def state(self) -> SessionState:
        if self._question is not None:
            return SessionState.ASKING
        if self._paused:
            return SessionState.PAUSED
        return self.phase

    @property
    def frozen(self) -> bool:
        """Whether the routine's clock stands still: paused, or waiting for an answer."""
        return self._paused or self._question is not None

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def paused_for_devices(self) -> bool:
        return self._paused_for_devices

    @property
    def question(self) -> OpenQuestion | None:
        return self._question

    # --- saying ---------------------------------------------------------------------------

    def say(self, out: list[Action], text: str, *, interrupt: bool = False) -> None:
        self.report(out)  # a new state is announced before the words that belong to it
        out.append(Say(text, interrupt=interrupt))
        if interrupt and self._question is not None:
            self._question = self._question.cut_off()  # whatever was being said is cut off

    def report(self, out: list[Action]) -> None:
        if self.state != self._reported:
            self._reported = self.state
            out.append(StateChanged(self.state))

    # --- pausing --------------------------------------------------------------------------

    def pause(self) -> None:
        """The user's pause: only the user ends it, even one that a device's failure began."""
        self._paused, self._paused_for_devices = True, False

    def pause_for_devices(self) -> None:
        """A device failed: paused until all of them are back."""
        self._paused = self._paused_for_devices = True

    def unpause(self) -> None:
        self._paused = self._paused_for_devices = False

    # --- asking ---------------------------------------------------------------------------

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

    def question_due(self, now: float, out: list[Action]) -> None:
        """The open question's deadline has come."""
        question = self._question
        assert question is not None
        if question.being_read:  # its estimated end has passed: it counts as said
            self._question = question.said_by(now)
        else:  # said, and no answer came (or cut off before its end): once more, in full
            self._question = question.asked_again()
            self.read_question(out, question.text, now, interrupt=False)

    def speech_finished(self, now: float) -> None:
        """The speaker has said everything it was given: the open question too, if any."""
        if self._question is not None:
            self._question = self._question.reading_finished(now)

    def close_question(self) -> None:
        self._question = None

    def leave_alone(self) -> None:
        """As if nobody said another word: a pause resumed, a question answered "carry on"."""
        self._paused = self.answering = False
        self._question = None

"""The coach's yes/no questions, and the one it has open: what it asks, what it asks about,
and how far it has got in saying it. Pure: no I/O, no threads, no clock.

    asked ──said to its end──► waiting for an answer ──yes / no──► answered (answers.py)
      │                             │ no answer in QUESTION_REPEAT_S
      │                             ▼
      │                        asked again, in full, once; then it waits as long as it takes
      ▼
    something said over it cuts its reading off: it then counts as said only once it has
    been read again to its end

An `OpenQuestion` is a value: each change (read, cut off, said, asked again) makes a new one,
which the conversation (conversation.py) keeps in place of the old.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .routine import Routine
from .timer import EPSILON

QUESTION_REPEAT_S = 20.0


class Question(StrEnum):
    SWITCH_ROUTINE = "switch_routine"
    STOP_AFTER_PAIN = "stop_after_pain"
    BEFORE_START = "before_start"  # the safety brief and/or a persistent-pain warning
    SAFETY_CHECK = "safety_check"  # the brief, asked for with "safety"


# The questions whose answer decides something about the user's safety: consent after the
# safety brief or a persistent-pain warning, and whether to carry on after pain. Their yes or
# no must be heard for certain; a guess is asked again.
SAFETY_QUESTIONS = frozenset({
    Question.BEFORE_START, Question.SAFETY_CHECK, Question.STOP_AFTER_PAIN,
})


@dataclass(frozen=True)
class OpenQuestion:
    """A question the coach has asked and the user has not answered yet."""

    asks: Question
    text: str  # what the coach says, ending with the question itself
    # What a yes starts: the routine to switch to, or the one waiting for the safety brief.
    routine: Routine | None = None
    with_brief: bool = False  # the safety brief is part of `text`
    gentle: bool = False  # the session a yes starts is held at light pressure
    # When the wait for an answer started (or, while the first reading goes on, will start):
    # the question is asked again QUESTION_REPEAT_S after it.
    asked_at: float = 0.0
    # Answers wait until the question has been said to its end once (`heard`). While it is
    # being said, `read_by` is when that reading should end (the estimate that stands in if
    # the speaker never reports back); None once something else cut it off.
    read_by: float | None = None
    heard: bool = False
    repeated: bool = False

    @property
    def being_read(self) -> bool:
        return not self.heard and self.read_by is not None

    @property
    def brief_asked(self) -> bool:
        """Whether this is the question after the safety brief."""
        return self.asks is Question.SAFETY_CHECK or (
            self.asks is Question.BEFORE_START and self.with_brief)

    @property
    def about_safety(self) -> bool:
        return self.asks in SAFETY_QUESTIONS

    def next_deadline(self) -> float | None:
        """When the question next needs the clock: its reading's end, or the time to ask again."""
        if self.being_read:
            return self.read_by
        if self.repeated:
            return None
        return self.asked_at + QUESTION_REPEAT_S

    def read(self, read_by: float) -> OpenQuestion:
        """Being read from now until `read_by`. The first reading's end is when the wait for an
        answer starts; a repeat leaves that as it was."""
        return replace(self, read_by=read_by,
                       asked_at=self.asked_at if self.repeated else read_by)

    def cut_off(self) -> OpenQuestion:
        return replace(self, read_by=None)

    def said_by(self, now: float) -> OpenQuestion:
        """Said to its end once its estimated end has passed (a speaker that never reports
        back)."""
        if self.being_read and self.read_by is not None and self.read_by <= now + EPSILON:
            return replace(self, heard=True)
        return self

    def reading_finished(self, now: float) -> OpenQuestion:
        """The speaker has said everything it was given: the question too, unless something
        cut it off. The wait for an answer starts now, unless it has been asked again."""
        return replace(self, heard=self.heard or self.read_by is not None,
                       asked_at=self.asked_at if self.repeated else now)

    def asked_again(self) -> OpenQuestion:
        return replace(self, repeated=True)

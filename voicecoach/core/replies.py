"""The replies that a command, an answer to a question and the engine alike can call for:
stopping, carrying on, and "that hurts". Pure: no I/O, no threads, no clock.

One home for each, so that "stop" means the same whether it is said to the coach or as yes to
"shall we stop?", and "that hurts" the same whether or not a question is open.
"""

from __future__ import annotations

from . import phrasebook as phrases
from .conversation import Conversation
from .course import SessionCourse
from .messages import SPOKEN_PHASES, Action, EndReason, SessionState
from .progress import where_we_are
from .questions import OpenQuestion, Question


class Replies:
    def __init__(self, course: SessionCourse, talk: Conversation) -> None:
        self._course = course
        self._talk = talk

    def stop(self, now: float, out: list[Action]) -> None:
        """End the session running: what was done, and the advice."""
        course = self._course
        assert course.routine is not None
        summary = course.record.stop_summary(course.routine, now)
        self._talk.say(out, phrases.STOPPING.say(), interrupt=True)  # heard at once: made ahead
        self._talk.say(out, summary)
        course.finish(EndReason.STOPPED, now, out)

    def carry_on(self, now: float, out: list[Action], words: str) -> None:
        """After a pause or a question: say `words` and pick up where we were."""
        course = self._course
        if self._talk.paused:
            self._talk.say(out, phrases.STILL_PAUSED.say(words=words), interrupt=True)
        elif course.phase is SessionState.INTRODUCING:
            # The introduction is read once ("repeat" reads it again on purpose): carrying on
            # from it is going on to the first step.
            course.begin_step(0, now, out, lead=words)
        elif course.phase in SPOKEN_PHASES:
            # Only a phase still being spoken is read again: an instruction the pause cut off.
            course.read_spoken_again(now, out, lead=words)
        else:
            self._talk.say(out, f"{words} {where_we_are(course)}", interrupt=True)

    def report_pain(self, now: float, out: list[Action]) -> None:
        """"That hurts": advice to ease off; said again in a session, the question whether to
        stop (unless a question is open already)."""
        course = self._course
        if course.routine is None:
            self._talk.say(out, phrases.IDLE_PAIN_ADVICE.say(), interrupt=True)
            return
        reports = course.note_pain(out)
        if reports == 1 or self._talk.question is not None:
            self._talk.say(out, phrases.PAIN_ADVICE.say(), interrupt=True)
            return
        asked = phrases.SECOND_PAIN_QUESTION if reports == 2 else phrases.PAIN_AGAIN_QUESTION
        self._talk.ask(OpenQuestion(Question.STOP_AFTER_PAIN, asked.say()), now, out)

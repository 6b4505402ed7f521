"""The answers to the coach's yes/no questions: the safety brief, a persistent-pain warning,
"stop after this pain?" and "switch routines?". Pure: no I/O, no threads, no clock. The
questions are asked by the command handlers (commands.py) and the replies (replies.py), and
kept by the conversation (conversation.py) as an `OpenQuestion` (questions.py); while one is
open, the engine hands every command heard to `Answers.answer`.

    asked ──said to its end──► waiting for an answer ──yes / no──► answered
      │ stop, "that hurts", repeat, safety act at once; anything else is left alone, so that
      │ nothing cuts the question off and no answer comes before the user has heard it
      ▼
    a safety question's yes or no that was not heard for certain, or only "sure":
    "Sorry, was that yes or no?", and it waits again
"""

from __future__ import annotations

from . import phrasebook as phrases
from .conversation import Conversation
from .course import SessionCourse
from .grammar import CASUAL_ANSWERS
from .intents import Command, Intent
from .messages import Action, EndReason, SafetyBriefAnswered
from .precautions import Precautions
from .questions import OpenQuestion, Question
from .replies import Replies
from .sitting import Sitting


class Answers:
    """What a yes, a no, or anything else said to an open question does."""

    def __init__(self, course: SessionCourse, talk: Conversation, replies: Replies,
                 sitting: Sitting) -> None:
        self._course = course
        self._talk = talk
        self._replies = replies
        self._sitting = sitting

    def answer(self, command: Command, now: float, out: list[Action], *, certain: bool = True,
               typed: bool = False) -> None:
        """`certain`: False when the command was heard, but not for certain. `typed`: at the
        keyboard, where the question is on the screen before it is spoken to its end."""
        course, talk, question = self._course, self._talk, self._talk.question
        assert question is not None
        intent = command.intent
        if intent is Intent.PAIN:
            self._replies.report_pain(now, out)
        elif intent is Intent.STOP:
            self._stop_instead(now, out)
        elif intent is Intent.REPEAT:
            talk.read_question(out, question.text, now)
        elif intent is Intent.SAFETY:
            talk.read_question(out, _with_brief(question), now)
        elif not typed and not talk.question_said(now):
            return  # said over the question: no answer to it, and nothing may cut it off
        elif intent in (Intent.YES, Intent.NO) and not _clear_answer(question, command,
                                                                    certain):
            talk.say(out, phrases.YES_OR_NO_AGAIN.say(), interrupt=True)
        elif question.asks in (Question.BEFORE_START, Question.SAFETY_CHECK):
            self._answer_safety(question, intent, now, out)
        elif intent is Intent.YES and question.asks is Question.STOP_AFTER_PAIN:
            self._replies.stop(now, out)
        elif intent is Intent.YES and question.routine is not None:  # switch routines
            title = course.routine.title if course.routine else ""
            talk.say(out, phrases.STOPPING_ROUTINE.say(title=title), interrupt=True)
            course.switch_to(question.routine, now, out)
        elif intent is Intent.NO:
            talk.close_question()
            gently = question.asks is Question.STOP_AFTER_PAIN
            words = phrases.CARRY_ON_GENTLY if gently else phrases.CARRYING_ON
            self._replies.carry_on(now, out, words.say())
        elif question.asks is Question.STOP_AFTER_PAIN:
            # Not an answer: the question alone, not the whole pain message again.
            talk.say(out, phrases.SHALL_WE_STOP.say(), interrupt=True)
        else:
            talk.say(out, question.text, interrupt=True)

    def _stop_instead(self, now: float, out: list[Action]) -> None:
        """"Stop" said to a question: no session is started, or the one running ends."""
        course, talk = self._course, self._talk
        if course.routine is None:
            talk.close_question()
            talk.say(out, phrases.WONT_START.say(), interrupt=True)
        else:
            self._replies.stop(now, out)

    def _answer_safety(self, question: OpenQuestion, intent: Intent, now: float,
                       out: list[Action]) -> None:
        """The answer to the safety brief or the persistent-pain warning."""
        course, talk, brief = self._course, self._talk, question.brief_asked
        if intent is Intent.YES:
            talk.close_question()
            if brief:
                out.append(SafetyBriefAnswered(accepted=True))
            # Heard for this sitting; the runner sends fresh precautions after the session.
            self._sitting.precautions = Precautions()
            if question.routine is not None:
                course.start(question.routine, now, out, gentle=question.gentle)
            elif course.routine is not None:
                self._replies.carry_on(now, out, phrases.GOOD_CARRYING_ON.say())
            else:
                talk.say(out, phrases.GOOD_START_HINT.say(), interrupt=True)
        elif intent is Intent.NO:
            talk.close_question()
            if brief:
                out.append(SafetyBriefAnswered(accepted=False))
            declined = phrases.BRIEF_DECLINED if brief else phrases.PAIN_WARNING_DECLINED
            talk.say(out, declined.say(), interrupt=True)
            if course.routine is not None:
                course.finish(EndReason.STOPPED, now, out)
        else:  # not an answer: ask again in a few words, not thirty seconds of brief
            again = phrases.ASK_AGAIN_BRIEF if brief else phrases.ASK_AGAIN
            talk.say(out, again.say(), interrupt=True)


def _clear_answer(question: OpenQuestion, command: Command, certain: bool) -> bool:
    """Whether a yes or no may decide the open question: any answer to an everyday one; to a
    safety question, only one heard for certain and said as yes or no."""
    if not question.about_safety:
        return True
    return certain and command.text not in CASUAL_ANSWERS


def _with_brief(question: OpenQuestion) -> str:
    """The answer to "safety" said to a question: the safety brief, and the question."""
    if question.brief_asked:
        return question.text
    return f"{phrases.SAFETY_BRIEF.say()} {question.text}"

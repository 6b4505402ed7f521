"""The answers to the coach's yes/no questions: the safety brief, a persistent-pain warning,
"stop after this pain?" and "switch routines?". Pure: no I/O, no threads, no clock. What asks
them is in commands.py; while one is open, the engine hands every command heard to `_answer`.
"""

from __future__ import annotations

from . import phrasebook as phrases
from .commands import CommandHandlers
from .course import Question
from .intents import Command, Intent
from .messages import Action, EndReason, SafetyBriefAnswered
from .precautions import Precautions


class Answers(CommandHandlers):
    """What a yes, a no, or anything else said to an open question does."""

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

"""The answers to the coach's yes/no questions: the safety brief, a persistent-pain warning,
"stop after this pain?" and "switch routines?". Pure: no I/O, no threads, no clock. What asks
them is in commands.py; while one is open, the engine hands every command heard to `_answer`.

    asked ──said to its end──► waiting for an answer ──yes / no──► answered
      │ stop, "that hurts", repeat, safety act at once; anything else is left alone, so that
      │ nothing cuts the question off and no answer comes before the user has heard it
      ▼
    a safety question's yes or no that was not heard for certain, or only "sure":
    "Sorry, was that yes or no?", and it waits again
"""

from __future__ import annotations

from . import phrasebook as phrases
from .commands import CommandHandlers
from .course import Question
from .grammar import CASUAL_ANSWERS
from .intents import Command, Intent
from .messages import Action, EndReason, SafetyBriefAnswered
from .precautions import Precautions

# The questions whose answer decides something about the user's safety: consent after the
# safety brief or a persistent-pain warning, and whether to carry on after pain. Their yes or
# no must be heard for certain; a guess is asked again.
SAFETY_QUESTIONS = frozenset({
    Question.BEFORE_START, Question.SAFETY_CHECK, Question.STOP_AFTER_PAIN,
})


class Answers(CommandHandlers):
    """What a yes, a no, or anything else said to an open question does."""

    def _answer(self, command: Command, now: float, out: list[Action], *, certain: bool = True,
                typed: bool = False) -> None:
        """`certain`: False when the command was heard, but not for certain. `typed`: at the
        keyboard, where the question is on the screen before it is spoken to its end."""
        intent = command.intent
        if intent is Intent.PAIN:
            self._on_pain(command, now, out)
        elif intent is Intent.STOP:
            self._stop_instead(now, out)
        elif intent is Intent.REPEAT:
            self._read_question(out, self._question_text, now)
        elif intent is Intent.SAFETY:
            self._read_question(out, self._with_brief(), now)
        elif not typed and not self._question_said(now):
            return  # said over the question: no answer to it, and nothing may cut it off
        elif intent in (Intent.YES, Intent.NO) and not self._clear_answer(command, certain):
            self._say(out, phrases.YES_OR_NO_AGAIN.say(), interrupt=True)
        elif self._question in (Question.BEFORE_START, Question.SAFETY_CHECK):
            self._answer_safety(intent, now, out)
        elif intent is Intent.YES and self._question is Question.STOP_AFTER_PAIN:
            self._on_stop(command, now, out)
        elif intent is Intent.YES and self._switch_target is not None:
            target = self._switch_target
            title = self._routine.title if self._routine else ""
            self._say(out, phrases.STOPPING_ROUTINE.say(title=title), interrupt=True)
            self._finish(EndReason.STOPPED, now, out)
            self._start_routine(target, now, out)
        elif intent is Intent.NO:
            gently = self._question is Question.STOP_AFTER_PAIN
            self._question = None
            self._switch_target = None
            words = phrases.CARRY_ON_GENTLY if gently else phrases.CARRYING_ON
            self._carry_on(now, out, words.say())
        elif self._question is Question.STOP_AFTER_PAIN:
            # Not an answer: the question alone, not the whole pain message again.
            self._say(out, phrases.SHALL_WE_STOP.say(), interrupt=True)
        else:
            self._say(out, self._question_text, interrupt=True)

    def _clear_answer(self, command: Command, certain: bool) -> bool:
        """Whether a yes or no may decide the open question: any answer to an everyday one;
        to a safety question, only one heard for certain and said as yes or no."""
        if self._question not in SAFETY_QUESTIONS:
            return True
        return certain and command.text not in CASUAL_ANSWERS

    def _stop_instead(self, now: float, out: list[Action]) -> None:
        """"Stop" said to a question: no session is started, or the one running ends."""
        if self._routine is None:
            self._question = None
            self._pending_start = None
            self._say(out, phrases.WONT_START.say(), interrupt=True)
        else:
            self._on_stop(Command(Intent.STOP), now, out)

    def _answer_safety(self, intent: Intent, now: float, out: list[Action]) -> None:
        """The answer to the safety brief or the persistent-pain warning."""
        brief = self._brief_asked
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
        else:  # not an answer: ask again in a few words, not thirty seconds of brief
            self._pending_start = target
            again = phrases.ASK_AGAIN_BRIEF if brief else phrases.ASK_AGAIN
            self._say(out, again.say(), interrupt=True)

    @property
    def _brief_asked(self) -> bool:
        """Whether the open question is the one after the safety brief."""
        return self._question is Question.SAFETY_CHECK or (
            self._question is Question.BEFORE_START and self._brief_in_question)

    def _with_brief(self) -> str:
        """The answer to "safety" said to a question: the safety brief, and the question."""
        if self._brief_asked:
            return self._question_text
        return f"{phrases.SAFETY_BRIEF.say()} {self._question_text}"

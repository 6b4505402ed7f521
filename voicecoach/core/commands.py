"""What each command does while no question is open. Pure: no I/O, no threads, no clock.

`CommandHandlers` has the session's course (course.py) and the conversation (conversation.py),
and moves them through their methods; the engine (engine.py) chooses the handler for each
command heard, and hands commands said to an open question to the answers (answers.py)
instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import phrasebook as phrases
from . import wording
from .conversation import Conversation
from .course import PACE_BOUNDS, SessionCourse, clamp
from .intents import Command, Intent, Side, VoiceChange
from .messages import SPOKEN_PHASES, Action, ChangeVoice, SessionState, StopSpeaking
from .pressure_choices import UNPRESSED_TECHNIQUES
from .progress import where_we_are
from .questions import OpenQuestion, Question
from .replies import Replies
from .routine import Routine
from .sitting import Sitting
from .time_to_go import seconds_to_go
from .timer import EPSILON

PACE_FACTOR = 1.25
MORE_TIME_S = 30
IDLE_HINT_S = 60.0  # between sessions, "how to start" is said at most this often

Handler = Callable[[Command, float, list[Action]], None]


class CommandHandlers:
    """One handler per intent (`handler_for`)."""

    def __init__(self, course: SessionCourse, talk: Conversation, replies: Replies,
                 routines: Mapping[str, Routine], sitting: Sitting) -> None:
        self._course = course
        self._talk = talk
        self._replies = replies
        self._routines = dict(routines)
        self._sitting = sitting
        self._hinted_at: float | None = None  # when the last hint between sessions was said
        self._handlers: dict[Intent, Handler] = {
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

    def handle(self, command: Command, now: float, out: list[Action]) -> None:
        self._handlers[command.intent](command, now, out)

    # --- between sessions -----------------------------------------------------------------

    def _not_running(self, now: float, out: list[Action]) -> None:
        self._idle_hint(now, out, phrases.NOTHING_RUNNING.say())

    def _idle_hint(self, now: float, out: list[Action], text: str = phrases.START_HINT) -> None:
        """Between sessions, how to start: at most once a minute. A room's talk heard as
        "next" or "help" again and again must not make the coach answer it again and again."""
        if self._hinted_at is not None and now - self._hinted_at < IDLE_HINT_S:
            return
        self._hinted_at = now
        self._talk.say(out, text, interrupt=True)

    def _on_start(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        target = self._routines.get(command.slots.get("routine", ""))
        if target is None and course.routine is None:
            self._idle_hint(now, out)
        elif target is None:
            self._talk.say(out, phrases.START_HINT.say(), interrupt=True)
        elif course.routine is None and self._sitting.precautions.needed:
            self._ask_before_start(target, now, out)
        elif course.routine is None:
            course.start(target, now, out)
        elif target.name == course.routine.name:
            self._talk.say(out, phrases.ALREADY_DOING.say(title=target.title), interrupt=True)
        else:
            text = phrases.SWITCH_QUESTION.say(current=course.routine.title, target=target.title)
            self._talk.ask(OpenQuestion(Question.SWITCH_ROUTINE, text, routine=target), now, out)

    def _ask_before_start(self, target: Routine, now: float, out: list[Action]) -> None:
        precautions = self._sitting.precautions
        brief, pattern = precautions.safety_brief, precautions.persistent_pain
        parts = [pattern.spoken] if pattern else []
        if brief:
            parts += [phrases.SAFETY_BRIEF.say(), phrases.OKAY_TO_CONTINUE.say()]
        else:
            parts.append(phrases.GENTLE_SESSION_QUESTION.say(title=target.title))
        # Pain that keeps coming back: the session offered is gentle, and it is kept gentle.
        question = OpenQuestion(Question.BEFORE_START, " ".join(parts), routine=target,
                                with_brief=brief, gentle=pattern is not None)
        self._talk.ask(question, now, out)

    def _on_list(self, command: Command, now: float, out: list[Action]) -> None:
        names = [routine.aliases[0] for routine in self._routines.values()]
        self._talk.say(out, phrases.ROUTINE_LIST.say(
            routines=wording.counted(len(names), "routine"), names=wording.spoken_list(names)),
            interrupt=True)

    # --- moving through the routine -------------------------------------------------------

    def _on_next(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        if course.phase is SessionState.CLOSING:
            self._talk.say(out, phrases.END_OF_ROUTINE.say(), interrupt=True)
            return  # nothing to move to: a pause stays a pause
        self._talk.unpause()
        if course.phase is SessionState.INTRODUCING:
            course.begin_step(0, now, out)
        elif course.phase is SessionState.RESTING:
            course.begin_step(course.step_index + 1, now, out)
        elif course.step.both_sides and course.side_index == 0:
            course.switch_side(now, out)
        else:
            course.skip_step(out)
            if course.step_index + 1 < len(course.routine.steps):
                course.begin_step(course.step_index + 1, now, out)
            else:
                course.begin_closing(now, out)

    def _on_back(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        if course.phase is SessionState.INTRODUCING:
            self._talk.say(out, phrases.NOT_STARTED_YET.say(), interrupt=True)
            return  # nothing to go back to: a pause stays a pause
        self._talk.unpause()
        # Each side counts, as for "next": back from a step's first side is the previous
        # step's last side, and from a rest (or the closing) the last side just done.
        if course.phase in (SessionState.RESTING, SessionState.CLOSING):
            course.begin_last_side(course.step_index, now, out)
        elif course.side_index == 1:
            course.begin_step(course.step_index, now, out)  # this step's first side
        elif course.step_index == 0:  # nothing before it: its beginning, said in one breath
            course.begin_step(0, now, out, lead=phrases.FIRST_STEP_AGAIN.say())
        else:
            course.begin_last_side(course.step_index - 1, now, out)

    def _on_restart(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        self._talk.unpause()
        if course.phase is SessionState.INTRODUCING:
            course.introduce(now, out)  # the same session: what it promised still holds
        elif course.phase in (SessionState.RESTING, SessionState.CLOSING):
            course.begin_step(course.step_index, now, out)
        else:
            course.begin_step(course.step_index, now, out, side=course.side_index)

    def _on_pause(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        already = self._talk.paused
        self._talk.pause()
        if already:
            self._talk.say(out, phrases.ALREADY_PAUSED.say(), interrupt=True)
            return
        out.append(StopSpeaking())
        self._talk.say(out, phrases.PAUSED.say())

    def _on_resume(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        if self._talk.paused:
            self._talk.unpause()
            self._replies.carry_on(now, out, phrases.RESUMING.say())
        elif course.phase is SessionState.INTRODUCING:
            course.begin_step(0, now, out)  # "go" during the introduction: skip to the work
        else:
            self._talk.say(out, phrases.NOT_PAUSED.say(), interrupt=True)

    def _on_repeat(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        if course.phase in SPOKEN_PHASES:
            course.read_spoken_again(now, out)
        elif course.phase is SessionState.RESTING:
            upcoming = course.routine.steps[course.step_index + 1]
            self._talk.say(out, phrases.NEXT_UP.say(where=where_we_are(course),
                                                title=upcoming.title), interrupt=True)
        else:
            pressure = course.pressure_words(course.pressure_now())
            text = wording.sentence(f"{wording.sentence(course.step.instruction)} {pressure}")
            self._talk.say(out, text, interrupt=True)

    def _on_stop(self, command: Command, now: float, out: list[Action]) -> None:
        if self._course.routine is None:
            return self._not_running(now, out)
        self._replies.stop(now, out)

    def _on_side(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        first = Side(command.slots.get("side", Side.LEFT))
        if not course.put_side_first(first):
            return
        words = phrases.SIDE_FIRST if course.side_index == 0 else phrases.SIDE_FIRST_FROM_NEXT_STEP
        self._talk.say(out, words.say(side=first), interrupt=True)

    # --- the user's changes ---------------------------------------------------------------

    def _on_pace(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        slower = command.intent is Intent.SLOWER
        factor = PACE_FACTOR if slower else 1 / PACE_FACTOR
        pace = clamp(course.pace * factor, PACE_BOUNDS)
        if abs(pace - course.pace) < EPSILON:
            limit = phrases.ALREADY_SLOWEST if slower else phrases.ALREADY_FASTEST
            self._talk.say(out, limit.say(), interrupt=True)
            return
        hold_left = course.set_pace(pace)
        course.note_adjustment(command.intent.value, out)
        if hold_left is not None:
            words = phrases.SLOWER_LEFT if slower else phrases.FASTER_LEFT
            self._talk.say(out, words.say(left=wording.duration(hold_left)), interrupt=True)
        else:
            each = phrases.SLOWER_EACH_HOLD if slower else phrases.FASTER_EACH_HOLD
            self._talk.say(out, each.say(), interrupt=True)

    def _on_pressure(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        lighter = command.intent is Intent.LIGHTER
        if not lighter and course.light_after_pain:
            self._talk.say(out, phrases.KEEP_LIGHT_AFTER_PAIN.say(), interrupt=True)
            return
        if course.step.technique in UNPRESSED_TECHNIQUES:
            self._talk.say(out, phrases.NO_PRESSURE_TO_CHANGE.say(), interrupt=True)
            return
        before = course.pressure_now()
        chosen = before.step(-1 if lighter else 1)
        if chosen == before:
            limit = phrases.ALREADY_LIGHTEST if lighter else phrases.ALREADY_FIRMEST
            self._talk.say(out, limit.say(), interrupt=True)
            return
        after = course.choose_pressure(chosen)
        course.note_adjustment(command.intent.value, out)
        words = phrases.LIGHTER if lighter else phrases.FIRMER
        self._talk.say(out, words.say(pressure=course.pressure_words(after).lower()),
                   interrupt=True)

    def _on_more_time(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        if course.routine is None:
            return self._not_running(now, out)
        course.note_adjustment(command.intent.value, out)
        left = course.add_time(MORE_TIME_S)
        if left is not None:
            self._talk.say(out, phrases.MORE_TIME_LEFT.say(seconds=MORE_TIME_S,
                                                       left=wording.duration(left)),
                       interrupt=True)
        else:
            self._talk.say(out, phrases.MORE_TIME_ADDED.say(seconds=MORE_TIME_S),
                       interrupt=True)

    def _on_voice(self, command: Command, now: float, out: list[Action]) -> None:
        change = command.slots.get("voice_change", "")
        if change not in set(VoiceChange):
            return
        out.append(ChangeVoice(change))
        self._talk.say(out, phrases.VOICE_CHANGED.say(change=change), interrupt=True)

    # --- what the user asks and says ------------------------------------------------------

    def _on_status(self, command: Command, now: float, out: list[Action]) -> None:
        course = self._course
        routine = course.routine
        if routine is None:
            return self._not_running(now, out)
        total = wording.about_minutes(seconds_to_go(course, now))
        if course.phase is SessionState.INTRODUCING:
            text = phrases.STATUS_STARTING.say(
                title=routine.title, steps=wording.counted(len(routine.steps), "step"),
                total=total)
        elif course.phase is SessionState.CLOSING:
            text = phrases.STATUS_FINISHING.say()
        elif course.phase is SessionState.RESTING:
            upcoming = routine.steps[course.step_index + 1]
            text = phrases.STATUS_RESTING.say(
                where=where_we_are(course), number=course.step_index + 2,
                count=len(routine.steps), title=upcoming.title, total=total.capitalize())
        else:
            where = where_we_are(course) or f"{course.step.title}."
            text = phrases.STATUS_STEP.say(number=course.step_index + 1,
                                           count=len(routine.steps), where=where,
                                           total=total.capitalize())
        if self._talk.paused:
            text = phrases.STATUS_PAUSED.say(status=text)
        self._talk.say(out, text, interrupt=True)

    def _on_help(self, command: Command, now: float, out: list[Action]) -> None:
        if self._course.routine is None:
            return self._idle_hint(now, out)
        help_text = phrases.PAUSED_HELP if self._talk.paused else phrases.RUNNING_HELP
        self._talk.say(out, help_text.say(), interrupt=True)

    def _on_pain(self, command: Command, now: float, out: list[Action]) -> None:
        self._replies.report_pain(now, out)

    def _on_unasked_answer(self, command: Command, now: float, out: list[Action]) -> None:
        """A yes or no nobody asked for is most likely a stray recognition: change nothing."""

    def _on_safety(self, command: Command, now: float, out: list[Action]) -> None:
        brief = f"{phrases.SAFETY_BRIEF.say()} {phrases.OKAY_TO_CONTINUE.say()}"
        self._talk.ask(OpenQuestion(Question.SAFETY_CHECK, brief), now, out)

"""What each command does, and how the coach asks its yes/no questions. Pure: no I/O, no
threads, no clock. The state and the routine's course are `SessionCourse`'s (course.py), the
answers to the questions are in questions.py, and the engine (engine.py) chooses the handler
for each command heard.
"""

from __future__ import annotations

from . import phrasebook as phrases
from . import wording
from .course import (
    PACE_BOUNDS,
    SPOKEN_PHASES,
    TIMED_PHASES,
    UNPRESSED_TECHNIQUES,
    Question,
    SessionCourse,
    clamp,
)
from .intents import Command, Intent, Side, VoiceChange
from .messages import (
    Action,
    Adjusted,
    ChangeVoice,
    EndReason,
    PainReported,
    SessionState,
    StopSpeaking,
)
from .routine import Pressure, Routine
from .timer import EPSILON

PACE_FACTOR = 1.25
MORE_TIME_SECONDS = 30
IDLE_HINT_SECONDS = 60.0  # between sessions, "how to start" is said at most this often


class CommandHandlers(SessionCourse):
    """What each command does (`_on_*`, one per intent; the engine maps intents to them)."""

    # --- asking and carrying on -----------------------------------------------------------

    def _ask(self, question: Question, text: str, now: float, out: list[Action]) -> None:
        self._question = question
        self._question_text = text
        self._question_repeated = False
        self._question_heard = False
        self._read_question(out, text, now)

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
            said = f"{words} {self._spoken_text}"
            self._expect_words(said, now)
            self._say(out, said, interrupt=True)
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

    # --- commands -------------------------------------------------------------------------

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
        # Only what this start asks for decides how the next session begins.
        self._next_session_gentle, self._switching_to = False, None
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
            self._switch_target = self._switching_to = target
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
        elif self._step == 0:  # nothing before it: its beginning, said in one breath
            self._begin_step(0, now, out, lead=phrases.FIRST_STEP_AGAIN.say())
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
            self._introduce(now, out)  # the same session: what it promised still holds
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
                self._expect_words(self._spoken_text, now)
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
        done, steps = len(self._completed), wording.counted(len(self._routine.steps), "step")
        minutes = wording.about_minutes(now - self._started_at)
        skipped = self._steps_skipped()
        if skipped:
            what = phrases.STOP_SUMMARY_SKIPPED.say(done=done, steps=steps, skipped=skipped,
                                                minutes=minutes)
        else:
            what = phrases.STOP_SUMMARY.say(done=done, steps=steps, minutes=minutes)
        self._say(out, phrases.STOPPING.say(), interrupt=True)  # heard at once: made ahead
        self._say(out, f"{what} {phrases.PROFESSIONAL_ADVICE.say()}")
        self._finish(EndReason.STOPPED, now, out)

    def _on_pace(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            return self._not_running(now, out)
        slower = command.intent is Intent.SLOWER
        factor = PACE_FACTOR if slower else 1 / PACE_FACTOR
        pace = clamp(self._pace * factor, PACE_BOUNDS)
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
        if not lighter and self._step in self._light_steps:
            self._say(out, phrases.KEEP_LIGHT_AFTER_PAIN.say(), interrupt=True)
            return
        if self._current_step.technique in UNPRESSED_TECHNIQUES:
            self._say(out, phrases.NO_PRESSURE_TO_CHANGE.say(), interrupt=True)
            return
        before = self._pressure_now()
        chosen = before.step(-1 if lighter else 1)
        if chosen == before:
            limit = phrases.ALREADY_LIGHTEST if lighter else phrases.ALREADY_FIRMEST
            self._say(out, limit.say(), interrupt=True)
            return
        self._choose_pressure(chosen)
        after = self._pressure_now()
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
        total = wording.about_minutes(self.seconds_to_go(now))
        if self._phase is SessionState.INTRODUCING:
            text = phrases.STATUS_STARTING.say(
                title=routine.title, steps=wording.counted(len(routine.steps), "step"),
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
        self._say(out, phrases.ROUTINE_LIST.say(routines=wording.counted(len(names), "routine"),
                                                names=wording.spoken_list(names)),
                  interrupt=True)

    def _on_pain(self, command: Command, now: float, out: list[Action]) -> None:
        if self._routine is None:
            self._say(out, phrases.IDLE_PAIN_ADVICE.say(), interrupt=True)
            return
        self._pain_reports += 1
        self._pain_reports_this_sitting += 1
        reports = self._pain_reports_this_sitting
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
        # "The rest of this step": in a rest, both the step just done and the one about to
        # begin, whichever the user goes on with.
        self._light_steps.add(self._step)
        if self._phase is SessionState.RESTING:
            self._light_steps.add(self._step + 1)
        self._announced_pressure = Pressure.LIGHT
        if reports > 1:
            # Hurt again: whether the user stops or carries on gently, the pressure stays
            # light for the rest of the session, until they say "firmer" themselves.
            self._pressure_ceiling = Pressure.LIGHT
        if reports == 1 or self._question is not None:
            self._say(out, phrases.PAIN_ADVICE.say(), interrupt=True)
            return
        asked = phrases.SECOND_PAIN_QUESTION if reports == 2 else phrases.PAIN_AGAIN_QUESTION
        self._ask(Question.STOP_AFTER_PAIN, asked.say(), now, out)

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
        # Pain that keeps coming back: the session offered is gentle, and it is kept gentle.
        self._next_session_gentle = pattern is not None
        self._ask(Question.BEFORE_START, " ".join(parts), now, out)

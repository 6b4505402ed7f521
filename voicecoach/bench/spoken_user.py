"""The scripted user of a spoken session: what they say, and when, as a person would.

A person on a foam roller waits for the coach to finish its sentence, then speaks a second or
two later, and says each thing when it makes sense: "resume" once paused, "no" once asked.
The user here watches what the coach does (its vocabulary state, whether it is talking, what it
has acted on) and decides, block by block, when to say the next line of the script: a closed
loop, so a command is said at the moment it means something, however the session went.

A line the coach did not act on within OBEY_WITHIN_S is said again (at most RETRIES more
times), as a person would: only the first saying is scored, the others let the session go on
to the states the next lines are meant for. If the session is over (it never started, or a
line was taken for "stop") and the next line needs one, the user gives up: the rest of the
script is missed, as it would be.

Nothing here reads a clock or makes a sound: time and the coach are given, and the room
(spoken_room.py) turns the lines into audio.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core.intents import Intent
from ..core.vocabulary import Vocabulary, VocabularyState

OBEY_WITHIN_S = 5.0  # after the end of the words: slower than that is not what a user feels
RETRIES = 2  # said again at most this many times
PATIENCE_S = 30.0  # how long a line waits for its state before it is said anyway
GIVE_UP_S = 30.0  # between sessions this long, a line meant for a session is never said
LONGEST_WAIT_S = 120.0  # a coach that never falls silent is talked over after this
# Seconds of the coach's silence before speaking: one to two, varied line by line.
GAPS_S = (1.2, 1.8, 1.0, 1.5, 2.0)

RUNNING = frozenset({VocabularyState.RUNNING})
SESSION = frozenset(VocabularyState) - {VocabularyState.IDLE}


@dataclass(frozen=True)
class Acted:
    """A command the coach acted on, at a stream time."""

    at: float
    intent: Intent
    routine: str | None = None  # the routine a "start" started

    @property
    def what(self) -> str:
        return f"{self.intent} {self.routine}" if self.routine else str(self.intent)


@dataclass(frozen=True)
class Line:
    text: str  # what the user says
    intent: Intent  # what the coach must act on
    waits_for: frozenset[VocabularyState]  # the coach's vocabulary states in which it is said
    routine: str | None = None  # the routine "start" must start

    @property
    def reports_pain(self) -> bool:
        return self.intent is Intent.PAIN

    def answered_by(self, acted: Acted) -> bool:
        """The coach did what the line asks ("start gun" is not "start glutes")."""
        return acted.intent is self.intent and (self.routine is None
                                                or acted.routine == self.routine)


# A glutes session with the thirteen commands users were measured with from outside: every
# one a person needs, "that hurts" twice (the second time the coach asks whether to stop).
SCRIPT = (
    Line("start glutes", Intent.START, frozenset({VocabularyState.IDLE}), routine="glutes"),
    Line("pause", Intent.PAUSE, RUNNING),
    Line("resume", Intent.RESUME, frozenset({VocabularyState.PAUSED})),
    Line("next", Intent.NEXT, RUNNING),
    Line("that hurts", Intent.PAIN, RUNNING),
    Line("slower", Intent.SLOWER, RUNNING),
    Line("repeat", Intent.REPEAT, RUNNING),
    Line("ouch", Intent.PAIN, RUNNING),
    Line("no", Intent.NO, frozenset({VocabularyState.ASKED})),  # "shall we stop?": carry on gently
    Line("how long left", Intent.STATUS, RUNNING),
    Line("lighter", Intent.LIGHTER, RUNNING),
    Line("go back", Intent.BACK, RUNNING),
    Line("stop", Intent.STOP, RUNNING),
)
# `bench --quick`: the session's start, the urgent commands and the way back from a pause.
QUICK_SCRIPT = tuple(line for line in SCRIPT
                     if line.text in ("start glutes", "pause", "resume", "that hurts", "stop"))


@dataclass(frozen=True)
class Said:
    """One saying of a line of the script, in stream seconds."""

    line: int  # its index in the script
    attempt: int  # 0: the first time
    start_s: float
    end_s: float


@dataclass(frozen=True)
class CoachView:
    """What the user can tell about the coach at a moment."""

    vocabulary: Vocabulary
    speaking: bool
    acted: Sequence[Acted]  # every command acted on so far


class ScriptedUser:
    def __init__(self, script: Sequence[Line] = SCRIPT) -> None:
        self.script = tuple(script)
        self.said: list[Said] = []
        self.gave_up_at: int | None = None  # the first line never said, if the user gave up
        self._line = 0
        self._attempt = 0
        self._waiting_since = 0.0  # when the line in hand became the next to say
        self._coach_heard_at = 0.0  # when the coach was last heard talking
        self._awaiting: Said | None = None  # the saying whose answer is awaited

    @property
    def done(self) -> bool:
        return self._line >= len(self.script)

    def decide(self, now: float, coach: CoachView,
               seconds_to_say: Callable[[Line], float]) -> Line | None:
        """The line to begin saying at `now`, if any (kept in `said`); `seconds_to_say` says
        how long the user takes to say a line."""
        if coach.speaking:
            self._coach_heard_at = now
        if self.said and now < self.said[-1].end_s:
            return None  # still talking
        if self._answered_or_given_up(now, coach) or self.done:
            return None
        line = self.script[self._line]
        waited = now - self._waiting_since
        vocabulary = coach.vocabulary
        if (vocabulary.state is VocabularyState.IDLE and line.waits_for <= SESSION
                and waited >= GIVE_UP_S):
            self.gave_up_at, self._line = self._line, len(self.script)
            return None
        in_its_state = vocabulary.state in line.waits_for and not vocabulary.answers_wait
        # Said again, a line is said in the next silence: it was meant for this moment.
        if not in_its_state and self._attempt == 0 and waited < PATIENCE_S:
            return None
        gap = GAPS_S[(self._line + self._attempt) % len(GAPS_S)]
        if now - self._coach_heard_at < gap and waited < LONGEST_WAIT_S:
            return None
        self._awaiting = Said(self._line, self._attempt, now, now + seconds_to_say(line))
        self.said.append(self._awaiting)
        return line

    def _answered_or_given_up(self, now: float, coach: CoachView) -> bool:
        """After a saying: True while still waiting to see whether the coach acts on it; moves
        on (the next line, or the same again) once it did or OBEY_WITHIN_S went by."""
        last = self._awaiting
        if last is None:
            return False
        line = self.script[last.line]
        if any(line.answered_by(acted) and acted.at >= last.start_s for acted in coach.acted):
            self._next_line(now)
        elif now >= last.end_s + OBEY_WITHIN_S:
            if self._attempt < RETRIES:
                self._attempt += 1
                self._waiting_since = now
            else:
                self._next_line(now)
        else:
            return True
        self._awaiting = None
        return False

    def _next_line(self, now: float) -> None:
        self._line += 1
        self._attempt = 0
        self._waiting_since = now

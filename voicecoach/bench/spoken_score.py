"""How a spoken session went for its user: which commands were obeyed, whether "that hurts" was
answered with an ease-off, and what the coach did that nobody asked for.

- Obeyed: the coach acted on the line's intent from the start of its first saying to
  OBEY_WITHIN_S after its end. Sayings again do not count here (`obeyed_in_the_end` does).
- Pain answered: one of the coach's ease-off answers began in the same window.
- A false action: a command acted on that is not the one the user was saying or had just said
  (LATE_S after the end of its words): one the coach took from the room, from its own voice,
  or from another command mistaken for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .spoken_user import OBEY_WITHIN_S, Acted, Line, Said

LATE_S = 10.0  # an action this long after the words is still theirs, if it is what was said
EASE_OFF = "Ease off"  # how each of the coach's answers to pain begins (a test checks)



@dataclass(frozen=True)
class SessionScore:
    voice: str
    room: str
    noise: str | None
    seconds: float  # of audio
    lines: int  # in the script
    obeyed: tuple[str, ...]  # lines obeyed the first time they were said
    missed: tuple[str, ...]  # the others, each with what became of it
    obeyed_in_the_end: int  # lines obeyed, counting the times they were said again
    said_again: int  # sayings after the first
    pain_said: int
    pain_answered: int
    false_actions: tuple[str, ...]  # "intent at m:ss"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def score(script: Sequence[Line], said: Sequence[Said], acted: Sequence[Acted],
          coach_lines: Sequence[tuple[float, str]], seconds: float, *, voice: str, room: str,
          noise: str | None, gave_up_at: int | None = None) -> SessionScore:
    first = {s.line: s for s in said if s.attempt == 0}
    obeyed, missed = [], []
    in_the_end = pain_said = pain_answered = 0
    for index, line in enumerate(script):
        saying = first.get(index)
        if saying is None:
            why = "session over" if gave_up_at is not None else "never said"
            missed.append(f"{line.text} (not said: {why})")
            continue
        window = (saying.start_s, saying.end_s + OBEY_WITHIN_S)
        if _acted_on(acted, line, *window):
            obeyed.append(line.text)
        else:
            missed.append(f"{line.text} ({_instead(acted, *window)})")
        if any(_acted_on(acted, line, s.start_s, s.end_s + OBEY_WITHIN_S)
               for s in said if s.line == index):
            in_the_end += 1
        if line.reports_pain:
            pain_said += 1
            pain_answered += any(window[0] <= at <= window[1] and text.startswith(EASE_OFF)
                                 for at, text in coach_lines)
    false_actions = [f"{action.what} at {_clock(action.at)}" for action in acted
                     if not _asked_for(script, said, action)]
    return SessionScore(voice, room, noise, seconds, len(script), tuple(obeyed), tuple(missed),
                        in_the_end, sum(s.attempt > 0 for s in said), pain_said, pain_answered,
                        tuple(false_actions))


def _acted_on(acted: Sequence[Acted], line: Line, start: float, end: float) -> bool:
    return any(line.answered_by(action) and start <= action.at <= end for action in acted)


def _instead(acted: Sequence[Acted], start: float, end: float) -> str:
    other = [action.what for action in acted if start <= action.at <= end]
    return f"taken for {', '.join(other)}" if other else "nothing done"


def _asked_for(script: Sequence[Line], said: Sequence[Said], action: Acted) -> bool:
    before = [s for s in said if s.start_s <= action.at]
    if not before:
        return False
    last = before[-1]
    return script[last.line].answered_by(action) and action.at <= last.end_s + LATE_S


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


@dataclass(frozen=True)
class Pooled:
    """Sessions taken together (a room, or all of them)."""

    sessions: int
    lines: int
    obeyed: int
    obeyed_in_the_end: int
    pain_said: int
    pain_answered: int
    false_actions: int
    hours: float
    missed: dict[str, int]  # line -> how many sessions missed it, most missed first

    @property
    def obeyed_share(self) -> float | None:
        return self.obeyed / self.lines if self.lines else None

    @property
    def pain_share(self) -> float | None:
        return self.pain_answered / self.pain_said if self.pain_said else None

    @property
    def false_per_hour(self) -> float | None:
        return self.false_actions / self.hours if self.hours else None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "obeyed_share": self.obeyed_share,
                "pain_answered_share": self.pain_share,
                "false_actions_per_hour": self.false_per_hour}


def pooled(scores: Iterable[SessionScore]) -> Pooled:
    scores = list(scores)
    missed = Counter(text.split(" (")[0] for s in scores for text in s.missed)
    return Pooled(len(scores), sum(s.lines for s in scores), sum(len(s.obeyed) for s in scores),
                  sum(s.obeyed_in_the_end for s in scores), sum(s.pain_said for s in scores),
                  sum(s.pain_answered for s in scores),
                  sum(len(s.false_actions) for s in scores),
                  sum(s.seconds for s in scores) / 3600, dict(missed.most_common()))

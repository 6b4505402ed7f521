"""What the coach must say before a session: the safety brief, and a warning when pain keeps
coming back. Pure: the caller passes the past pain reports and the current time. The words
themselves (the brief's red flags among them) are in `phrasebook.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import phrasebook as phrases
from .wording import number, ordinal

# "Pain reported in three or more sessions within fourteen days, or on an area more than once
# a day": a rolling day, so that the rule does not depend on the time zone or midnight.
DAY_S = 24 * 3600.0
PAIN_WINDOW_S = 14 * DAY_S
PAIN_SESSIONS = 3


@dataclass(frozen=True)
class PastPain:
    """One pain report from the history."""

    session_id: int
    at: float  # seconds since the Unix epoch (the core never reads the clock itself)
    areas: tuple[str, ...]


@dataclass(frozen=True)
class PainPattern:
    """Why the coach recommends a professional: said at the start of the next session."""

    sessions: int  # sessions with pain in the window
    area: str | None  # an area that hurt more than once within a day, if any

    @property
    def spoken(self) -> str:
        if self.area is not None:
            found = phrases.PAIN_IN_AREA.say(area=self.area)
        else:
            found = phrases.PAIN_IN_SESSIONS.say(sessions=self.sessions)
        return f"{found} {phrases.PERSISTENT_PAIN_ADVICE.say()}"


def persistent_pain(reports: Sequence[PastPain], now: float) -> PainPattern | None:
    """The pattern in the last fourteen days that calls for a professional, or None.
    `now` is in seconds since the Unix epoch, like the reports' times."""
    recent = sorted(
        (r for r in reports if now - PAIN_WINDOW_S <= r.at <= now), key=lambda r: r.at
    )
    sessions = len({report.session_id for report in recent})
    area = _area_hurt_twice_in_a_day(recent)
    if area is None and sessions < PAIN_SESSIONS:
        return None
    return PainPattern(sessions=sessions, area=area)


def _area_hurt_twice_in_a_day(reports: Sequence[PastPain]) -> str | None:
    last_seen: dict[str, float] = {}
    for report in reports:  # in time order
        for area in report.areas:
            if area in last_seen and report.at - last_seen[area] < DAY_S:
                return area
            last_seen[area] = report.at
    return None


WEEK_S = 7 * DAY_S


@dataclass(frozen=True)
class PastSession:
    """One of the person's sessions from the history (or earlier in this sitting)."""

    at: float  # when it started, in seconds since the Unix epoch
    pain: bool  # whether pain was reported in it


@dataclass(frozen=True)
class SessionsSoFar:
    """What the history says about the sessions before the one under way: the coach's line of
    progress at the end of a finished session is made from it, and says nothing it does not
    show."""

    past_week: int  # sessions started in the seven days before
    pain_free: int  # the latest sessions in a row with no pain report, as far back as read

    def spoken(self, pain_now: bool) -> str:
        """The line for a session finished with (`pain_now`) or without pain reports; empty
        when there is nothing worth saying (a first session, pain just reported)."""
        week = self.past_week + 1
        streak = 0 if pain_now else self.pain_free + 1
        parts = []
        if week >= 2:
            parts.append(phrases.SESSIONS_IN_A_WEEK.say(ordinal=ordinal(week)))
        if streak >= 2:
            parts.append(phrases.NO_PAIN_LATELY.say(count=number(streak)))
        return " ".join(parts)


def sessions_so_far(sessions: Sequence[PastSession], now: float) -> SessionsSoFar:
    """From the person's past sessions, in any order; `now` in seconds since the epoch."""
    before = sorted((s for s in sessions if s.at <= now), key=lambda s: s.at)
    past_week = sum(1 for s in before if now - WEEK_S < s.at)
    pain_free = 0
    for past in reversed(before):
        if past.pain:
            break
        pain_free += 1
    return SessionsSoFar(past_week=past_week, pain_free=pain_free)


@dataclass(frozen=True)
class Precautions:
    """What to say before the next session starts (an engine event; the history and the
    settings decide it, and the session runner sends a fresh one when they change)."""

    safety_brief: bool = False
    persistent_pain: PainPattern | None = None
    # For the line said at the end of a finished session; None: no history to tell (none
    # kept, not read yet, or a recording, which is nobody's progress).
    so_far: SessionsSoFar | None = None

    @property
    def needed(self) -> bool:
        return self.safety_brief or self.persistent_pain is not None

"""What the coach must say before a session: the safety brief, and a warning when pain keeps
coming back. Pure: the caller passes the past pain reports and the current time.

The red flags are the ones the guide behind voicecoach names: hip pain after a fall, fever with a
hot swollen joint, numbness or weakness spreading down the leg, and night pain that will not ease
are not for self-massage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SAFETY_BRIEF = (
    "Before we start, a short safety check. Self-massage is not for every hip pain. "
    "Don't massage, and see a doctor, if you have had a fall or might have a fracture, "
    "if you have a fever with a hot, swollen joint, if numbness or weakness spreads down your "
    "leg, or if pain at night won't ease. Always start gently and build pressure slowly, "
    "and say that hurts at any time."
)
OKAY_TO_CONTINUE = "Are you okay to continue? Say yes or no."
BRIEF_DECLINED = (
    "Okay, we won't massage today. Please see a physiotherapist or your doctor first, "
    "and take care."
)
PERSISTENT_PAIN_ADVICE = (
    "Pain that keeps coming back needs a professional's eye: please see a physiotherapist or "
    "your doctor."
)

# "Pain reported in three or more sessions within fourteen days, or on an area more than once
# a day": a rolling day, so that the rule does not depend on the time zone or midnight.
DAY_SECONDS = 24 * 3600.0
PAIN_WINDOW_SECONDS = 14 * DAY_SECONDS
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
            found = f"You've reported pain in your {self.area} more than once in a day."
        else:
            found = f"You've reported pain in {self.sessions} sessions in the past two weeks."
        return f"{found} {PERSISTENT_PAIN_ADVICE}"


def persistent_pain(reports: Sequence[PastPain], now: float) -> PainPattern | None:
    """The pattern in the last fourteen days that calls for a professional, or None.
    `now` is in seconds since the Unix epoch, like the reports' times."""
    recent = sorted(
        (r for r in reports if now - PAIN_WINDOW_SECONDS <= r.at <= now), key=lambda r: r.at
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
            if area in last_seen and report.at - last_seen[area] < DAY_SECONDS:
                return area
            last_seen[area] = report.at
    return None


@dataclass(frozen=True)
class Precautions:
    """What to say before the next session starts (an engine event; the history and the
    settings decide it, and the session runner sends a fresh one when they change)."""

    safety_brief: bool = False
    persistent_pain: PainPattern | None = None

    @property
    def needed(self) -> bool:
        return self.safety_brief or self.persistent_pain is not None

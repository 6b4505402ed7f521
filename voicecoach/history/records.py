"""What a read of the session history returns: small frozen records, all times aware UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

UNFINISHED = "unfinished"


class SessionSource(StrEnum):
    """Where a session's audio came from: only a person's sessions count in the pain rules."""

    MICROPHONE = "microphone"
    KEYBOARD = "keyboard"
    RECORDING = "recording"  # run --input, serve --input: a test file, not the user
    DEMO = "demo"
    UNKNOWN = "unknown"  # recorded before voicecoach kept this


# A test recording's or the demo's sessions are nobody's: not in the pain rules, not progress.
NOT_A_PERSON = (SessionSource.RECORDING, SessionSource.DEMO)


@dataclass(frozen=True)
class PainRecord:
    """The user said it hurts: where in which routine, on which side, at what pressure."""

    session_id: int
    at: datetime
    routine: str
    step_index: int  # 0-based, as the engine counts
    step_title: str
    side: str | None
    pressure: str | None
    areas: tuple[str, ...]

    @property
    def step_number(self) -> int:
        """1-based, as people count steps."""
        return self.step_index + 1


@dataclass(frozen=True)
class Adjustment:
    """A change the user asked for, with the pace and pressure offset it led to."""

    at: datetime
    change: str  # slower, faster, lighter, firmer or more_time
    pace: float
    pressure_offset: int  # pressure levels above (+) or below (-) the routine's plan


@dataclass(frozen=True)
class Note:
    """Something worth knowing about a session that is not a command, e.g. a device fault."""

    at: datetime
    kind: str
    detail: str


@dataclass(frozen=True)
class SessionRecord:
    id: int
    routine: str
    routine_title: str
    started_at: datetime
    last_activity_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    steps_completed: int  # held to the end
    steps_total: int
    pace: float
    pressure_offset: int
    adjustments: tuple[Adjustment, ...]
    pain: tuple[PainRecord, ...]
    notes: tuple[Note, ...]
    steps_skipped: int = 0  # moved on from with "next" before the hold was done
    source: str = SessionSource.MICROPHONE  # a SessionSource value

    @property
    def how_it_ended(self) -> str:
        """The recorded reason, or "unfinished" when the process died or is still running."""
        return self.end_reason or UNFINISHED

    @property
    def duration_seconds(self) -> float:
        # An unfinished session lasted at least until the last thing it recorded.
        end = self.ended_at or self.last_activity_at
        return (end - self.started_at).total_seconds()

"""What goes into the session engine (events) and what comes out (actions).

Each message is a small frozen dataclass; times are seconds on whatever clock the caller uses
(the real monotonic clock live, stream time in the demo, a virtual clock in rehearsals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .intents import Command
from .precautions import Precautions
from .routine import Pressure


class SessionState(StrEnum):
    IDLE = "idle"
    INTRODUCING = "introducing"
    INSTRUCTING = "instructing"
    HOLDING = "holding"
    RESTING = "resting"
    PAUSED = "paused"
    ASKING = "asking"
    CLOSING = "closing"
    FINISHED = "finished"


# The phases that last as long as the coach's words, and those a countdown times.
SPOKEN_PHASES = (SessionState.INTRODUCING, SessionState.INSTRUCTING, SessionState.CLOSING)
TIMED_PHASES = (SessionState.HOLDING, SessionState.RESTING)


class Device(StrEnum):
    """The outside things a session needs; any of them can fail and come back."""

    MICROPHONE = "microphone"
    LOUDSPEAKER = "loudspeaker"
    RECOGNISER = "speech recogniser"
    SPEECH_ENGINE = "speech engine"


class EndReason(StrEnum):
    COMPLETED = "completed"
    STOPPED = "stopped"


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heard:
    """The user said something the command grammar understood."""

    command: Command
    # False: heard, but not for certain (the command verifier did not single it out among
    # every command it knows). Enough to pause on; not enough to answer a safety question.
    # Typed commands are certain.
    certain: bool = True
    # Typed at the keyboard: certain, and the coach's words were on the screen from their
    # first one, so an answer need not wait for a question to be spoken to its end.
    typed: bool = False


@dataclass(frozen=True)
class Tick:
    """Time has passed; the engine fires whatever fell due."""


@dataclass(frozen=True)
class SpeechFinished:
    """The speaker has said everything it was given and is silent now."""


@dataclass(frozen=True)
class DeviceFailed:
    """A device stopped working (unplugged, an error); the runner keeps trying to get it back."""

    device: Device
    detail: str  # the cause, in the user's words


@dataclass(frozen=True)
class DeviceRecovered:
    device: Device


# Precautions: what to say before a start.
Event = Heard | Tick | SpeechFinished | Precautions | DeviceFailed | DeviceRecovered


# --- actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    text: str
    interrupt: bool = False  # stop whatever is being said first (the user spoke over the coach)


@dataclass(frozen=True)
class StopSpeaking:
    pass


@dataclass(frozen=True)
class ChangeVoice:
    """Speak slower, faster, louder or quieter from now on (a `VoiceChange` value)."""

    change: str


@dataclass(frozen=True)
class StateChanged:
    state: SessionState


# What happened, for the history (the recorder adds the wall-clock time).


@dataclass(frozen=True)
class SessionStarted:
    routine: str
    title: str
    steps_total: int
    pace: float


@dataclass(frozen=True)
class StepCompleted:
    step_index: int  # 0-based
    step_title: str


@dataclass(frozen=True)
class StepSkipped:
    """The user moved on ("next") before the step's hold was done: not a finished step."""

    step_index: int  # 0-based
    step_title: str


@dataclass(frozen=True)
class Adjusted:
    """The user changed the pacing or the pressure: an `Intent` value, and where it left them."""

    change: str
    pace: float
    pressure_offset: int


@dataclass(frozen=True)
class PainReported:
    """Which routine, step, side and areas hurt, at what pressure."""

    routine: str
    step_index: int  # 0-based
    step_title: str
    areas: tuple[str, ...]
    reports_this_session: int
    side: str | None = None  # for steps done on both sides
    pressure: Pressure | None = None  # None for heat, ice and breathing


@dataclass(frozen=True)
class FaultNoted:
    """A device failed (`recovered` False) or came back: kept in the history."""

    device: Device
    detail: str
    recovered: bool


@dataclass(frozen=True)
class SafetyBriefAnswered:
    """The user heard the safety brief and said whether they are okay to continue."""

    accepted: bool


@dataclass(frozen=True)
class SessionSummary:
    routine: str
    reason: EndReason
    steps_completed: int
    steps_total: int
    elapsed_seconds: float
    pace: float
    pressure_offset: int
    pain_reports: int
    adjustments: tuple[str, ...] = field(default_factory=tuple)
    steps_skipped: int = 0  # moved on from before their hold was done; never also completed


@dataclass(frozen=True)
class SessionFinished:
    summary: SessionSummary


Action = (
    Say
    | StopSpeaking
    | ChangeVoice
    | StateChanged
    | SessionStarted
    | StepCompleted
    | StepSkipped
    | Adjusted
    | PainReported
    | SafetyBriefAnswered
    | FaultNoted
    | SessionFinished
)


@dataclass(frozen=True)
class Snapshot:
    """What a display shows: the engine's state at one moment, with times in real seconds."""

    state: SessionState
    routine_title: str | None = None
    step_number: int | None = None  # 1-based
    step_count: int | None = None
    step_title: str | None = None
    instruction: str | None = None
    side: str | None = None
    pressure: Pressure | None = None
    step_seconds_left: float | None = None
    step_seconds_total: float | None = None
    routine_seconds_left: float | None = None
    pace: float = 1.0

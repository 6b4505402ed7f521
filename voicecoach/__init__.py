"""voicecoach: an offline, hands-free voice coach for self-massage routines."""

from __future__ import annotations

from .core import (
    Action,
    Command,
    CommandGrammar,
    Event,
    Heard,
    Intent,
    Routine,
    SessionEngine,
    SessionState,
    SpeechFinished,
    Tick,
)
from .library import Library, RoutineError, load_library

__all__ = [
    "Action",
    "Command",
    "CommandGrammar",
    "Event",
    "Heard",
    "Intent",
    "Library",
    "Routine",
    "RoutineError",
    "SessionEngine",
    "SessionState",
    "SpeechFinished",
    "Tick",
    "load_library",
]

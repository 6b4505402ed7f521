"""The pure core: routine models, the command grammar and the session engine.

Nothing here does I/O, starts threads or reads the clock; it imports only the standard library
and pydantic. Adapters (audio, recognisers, speech, files, terminal) sit outside and import in.
"""

from __future__ import annotations

from .engine import SessionEngine
from .grammar import CommandGrammar, GrammarError
from .intents import Command, Intent, Side, VoiceChange
from .messages import (
    Action,
    ChangeVoice,
    EndReason,
    Event,
    Heard,
    PainReported,
    Say,
    SessionFinished,
    SessionState,
    SessionSummary,
    Snapshot,
    SpeechFinished,
    StateChanged,
    StopSpeaking,
    Tick,
)
from .routine import Area, Pressure, Routine, Step, Technique, Tool

__all__ = [
    "Action",
    "Area",
    "ChangeVoice",
    "Command",
    "CommandGrammar",
    "EndReason",
    "Event",
    "GrammarError",
    "Heard",
    "Intent",
    "PainReported",
    "Pressure",
    "Routine",
    "Say",
    "SessionEngine",
    "SessionFinished",
    "SessionState",
    "SessionSummary",
    "Side",
    "Snapshot",
    "SpeechFinished",
    "StateChanged",
    "Step",
    "StopSpeaking",
    "Technique",
    "Tick",
    "Tool",
    "VoiceChange",
]

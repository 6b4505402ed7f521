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
    Adjusted,
    ChangeVoice,
    EndReason,
    Event,
    Heard,
    PainReported,
    SafetyBriefAnswered,
    Say,
    SessionFinished,
    SessionStarted,
    SessionState,
    SessionSummary,
    Snapshot,
    SpeechFinished,
    StateChanged,
    StepCompleted,
    StepSkipped,
    StopSpeaking,
    Tick,
)
from .precautions import PainPattern, PastPain, Precautions, persistent_pain
from .routine import Area, Pressure, Routine, Step, Technique, Tool

__all__ = [
    "Action",
    "Adjusted",
    "Area",
    "ChangeVoice",
    "Command",
    "CommandGrammar",
    "EndReason",
    "Event",
    "GrammarError",
    "Heard",
    "Intent",
    "PainPattern",
    "PainReported",
    "PastPain",
    "Precautions",
    "Pressure",
    "Routine",
    "SafetyBriefAnswered",
    "Say",
    "SessionEngine",
    "SessionFinished",
    "SessionStarted",
    "SessionState",
    "SessionSummary",
    "Side",
    "Snapshot",
    "SpeechFinished",
    "StateChanged",
    "Step",
    "StepCompleted",
    "StepSkipped",
    "StopSpeaking",
    "Technique",
    "Tick",
    "Tool",
    "VoiceChange",
    "persistent_pain",
]

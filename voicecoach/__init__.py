"""voicecoach: an offline, hands-free voice coach for self-massage routines."""

from __future__ import annotations

import os

# An offline coach reports to nobody. ONNX Runtime (Piper's voice, the command verifier) sets
# up its telemetry when it is first imported, writing a device id under ~/.cache, and on a
# read-only home prints a warning in raw colour codes. The variable it reads at that import
# turns this off (ORT_TELEMETRY_DISABLED: the name newer releases read). Set here, before
# anything in voicecoach imports onnxruntime or piper.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ORT_TELEMETRY_DISABLED", "1")

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

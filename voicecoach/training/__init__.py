"""Training the command verifier on synthetic speech (`voicecoach train`).

scikit-learn, Piper and espeak-ng are needed here only; the coach runs the trained model with
numpy (`voicecoach.hearing.command_classifier`).
"""

from __future__ import annotations

from .negatives import HELD_OUT_WORDS
from .voices import HELD_OUT_VOICES

__all__ = ["HELD_OUT_VOICES", "HELD_OUT_WORDS"]

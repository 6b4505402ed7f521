"""What every speech engine shares: which engine, how to speak, and the small face an engine
shows the speech thread (`Synthesizer`). The engines themselves are `pyttsx3_engine.py` and
`piper_engine.py`; `tts.py` owns whichever one in its thread.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from ..audio.source import AudioError
from ..limits import VOLUME


class VoiceEngine(StrEnum):
    """The same strings in settings (`voice_engine`), `--voice-engine` and the cache key."""

    PIPER = "piper"  # a neural voice (ONNX Runtime), natural to listen to for a whole routine
    PYTTSX3 = "pyttsx3"  # espeak-ng on Linux: robotic but light, and always there


class SpeechUnavailable(AudioError):
    """No text-to-speech engine: the session goes on in print."""


@dataclass(frozen=True)
class VoiceSettings:
    # Engine-specific: a Piper voice name (None: the bundled joe voice), or a pyttsx3 voice id
    # or name fragment (None: the engine's default).
    voice: str | None = None
    words_per_minute: int = 150  # calm and clear for someone lying on the floor
    volume: float = 1.0  # 0..1

    def changed(self, change: str) -> VoiceSettings:
        """"slower", "faster", "louder" or "quieter", one notch, within sane bounds."""
        rate, volume = self.words_per_minute, self.volume
        # Spoken changes stay within 90-240 words a minute, but never go the wrong way from a
        # rate the settings put outside it (80-300): "faster" at 300 must not slow down.
        if change == "slower":
            rate = min(rate, max(90, rate - 20))
        elif change == "faster":
            rate = max(rate, min(240, rate + 20))
        elif change == "louder":
            volume = min(1.0, round(volume + 0.2, 2))
        elif change == "quieter":
            volume = max(VOLUME.low, round(volume - 0.2, 2))
        return replace(self, words_per_minute=rate, volume=volume)


class Synthesizer(Protocol):
    """One loaded engine and voice. Made, used and closed on the speech thread only."""

    engine: VoiceEngine
    voice_name: str  # what the user would call it: "en_US-joe-medium", "English (America)"
    voice_key: str  # the voice exactly, for the cache: an id, or a name and model digest

    def write(self, text: str, settings: VoiceSettings, path: Path) -> None:
        """The line spoken at settings' rate and volume, as a whole WAV file at `path`."""

    def close(self) -> None: ...

"""Choosing the coach's voice: Piper when it loads, else pyttsx3 (espeak-ng), said in one line.

Piper's joe voice is natural enough to listen to for a twenty-minute routine; espeak-ng is
robotic but light and always there. A machine where Piper cannot work (its package missing,
a CPU it has no build for, a damaged voice file) still gets a coach that speaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .synthesis import SpeechUnavailable, VoiceEngine, VoiceSettings
from .tts import TextToSpeech
from .voices import UnknownVoice

__all__ = ["SpeechUnavailable", "VoiceEngine", "open_voice"]

FALLBACK = "the coach speaks with espeak-ng (pyttsx3) instead"


def open_voice(settings: VoiceSettings, engine: VoiceEngine, note: Callable[[str], None],
               cache_dir: Path | None = None, *, voice_typed: bool = False) -> TextToSpeech:
    """The engine asked for, or pyttsx3 when Piper cannot load (said once through `note`).
    `UnknownVoice` for a voice neither engine has, and for a pyttsx3 voice typed for Piper
    (`voice_typed`: `--voice`, refused as `config set voice` refuses it); `SpeechUnavailable`
    when neither works."""
    if engine is VoiceEngine.PYTTSX3:
        return _started(settings, cache_dir, note, VoiceEngine.PYTTSX3)
    try:
        return _started(settings, cache_dir, note, VoiceEngine.PIPER)
    except UnknownVoice:
        # A voice set before Piper came (voice = "english" in the settings file): pyttsx3's,
        # kept as it was meant. One typed now is meant for the engine in use.
        if voice_typed or settings.voice is None or not _pyttsx3_has(settings.voice):
            raise
        note(f"{settings.voice!r} is a pyttsx3 voice, not a Piper one: {FALLBACK}; for "
             f"Piper's joe voice, unset the voice (voicecoach config unset voice)")
        return _started(settings, cache_dir, note, VoiceEngine.PYTTSX3)
    except SpeechUnavailable as exc:
        # A Piper voice name means nothing to pyttsx3: its default voice speaks instead.
        fallback = _started(replace(settings, voice=None), cache_dir, note, VoiceEngine.PYTTSX3)
        note(f"{exc}; {FALLBACK}")
        return fallback


def _started(settings: VoiceSettings, cache_dir: Path | None, note: Callable[[str], None],
             engine: VoiceEngine) -> TextToSpeech:
    """The engine loaded and ready: whether it can speak is only known once it has tried."""
    voice = TextToSpeech(settings, cache_dir, note, engine)
    voice.start()
    return voice


def _pyttsx3_has(voice: str) -> bool:
    from .voices import VoicesUnavailable, find_voice, pyttsx3_voices

    try:
        return find_voice(voice, pyttsx3_voices()) is not None
    except VoicesUnavailable:
        return False

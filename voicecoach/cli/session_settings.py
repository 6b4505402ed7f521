"""A session's settings from the command line's options, for `run`, `serve` and `demo` alike:
the parts below take the plain `SessionSettings`, never the argparse namespace."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..hearing.backends import Backend
from ..session.wiring import SessionSettings
from ..speaking.tts import VoiceEngine, VoiceSettings
from .origins import origin_of


def settings_from(args: argparse.Namespace) -> SessionSettings:
    """The command line's options, which `main` has already filled in from the user's settings."""
    return SessionSettings(
        backend=Backend(args.backend),
        model=Path(args.model).expanduser() if args.model else None,
        mute=args.mute,
        voice=VoiceSettings(voice=args.voice, words_per_minute=args.speech_rate,
                            volume=args.volume),
        voice_engine=VoiceEngine(args.voice_engine),
        pace=args.settings.pace,
        verify=not getattr(args, "no_verify", False),
        profile=not getattr(args, "no_profile", False),
        model_origin=origin_of(args, "model"),
        voice_origin=origin_of(args, "voice"),
    )


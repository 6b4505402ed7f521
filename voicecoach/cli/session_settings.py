"""A session's settings from the command line's options, for `run`, `serve` and `demo` alike:
the parts below take the plain `SessionSettings` and `LiveSettings`, never the argparse
namespace."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..audio.source import device_from_text
from ..hearing.backends import Backend
from ..session.launch import LiveSettings
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


def live_settings_from(args: argparse.Namespace, *, serve: bool = False) -> LiveSettings:
    """A live session's settings: `run`'s, or `serve`'s (`serve` True), which waits for a
    microphone missing at the start."""
    return LiveSettings(
        session=settings_from(args),
        user=args.settings,
        routine=getattr(args, "routine", None) or None,
        keyboard=getattr(args, "keyboard", False),
        wait_for_microphone=serve,
        history=not args.no_history,
        plain=args.plain,
        as_json=args.json,
        input_device=device_from_text(args.device),
        input_rate=args.rate,
        input_channels=args.channels,
        input_origin=origin_of(args, "device"),
        output_device=device_from_text(args.output_device),
        output_origin=origin_of(args, "output_device"),
    )

"""`voicecoach run` with the microphone or the keyboard, and `voicecoach serve`: the options
turned into `LiveSettings`, the session launched (session/launch.py), and how it ended said."""

from __future__ import annotations

import argparse

from ..audio.source import device_from_text
from ..library import Library
from ..session.launch import LiveSettings, run_live_session
from ..session.stopping import exit_code
from .notes import note
from .origins import origin_of
from .session_settings import settings_from


def run_live(args: argparse.Namespace, library: Library, *, serve: bool = False) -> int:
    """`run` (one user at the keyboard or microphone) or `serve` (always on: the microphone may
    be missing at the start, the wake word is honoured, and it ends only on a signal)."""
    if serve:
        library = library.with_wake_word(args.settings.wake_word)
    stopped_by = run_live_session(library, live_settings_from(args, serve=serve), note)
    if stopped_by is not None:  # the history says interrupted; the shell gets 130 or 143
        note(f"stopped by {'Ctrl-C' if stopped_by == 'SIGINT' else stopped_by}")
    return exit_code(stopped_by)


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

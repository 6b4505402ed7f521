"""`voicecoach demo` and `voicecoach run`: arguments in, the wired session out."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from .audio.synthetic import write_wav
from .core.intents import Command, Intent
from .hearing.backends import Backend
from .history.records import SessionSource
from .library import Library
from .session.demo import DEMO_SCRIPT, ScriptedUser
from .session.stream import EchoPath, StreamSession
from .session.terminal import PlainView, protected_stdout
from .session.wiring import (
    SessionSettings,
    make_demo_recorder,
    make_engine,
    make_listener,
    make_recorder,
    make_voice,
    prefetch_routine,
)
from .speaking.tts import VoiceSettings

if TYPE_CHECKING:
    from .hearing.echo_guard import EchoGuard

DEMO_ROUTINE = "glutes"
# The demo's room: the loudspeaker heard 12 dB down, 40 ms late, by the microphone.
DEMO_ECHO_DELAY_S, DEMO_ECHO_GAIN_DB = 0.04, -12.0


def _note(message: str) -> None:
    print(f"voicecoach: {message}", file=sys.stderr, flush=True)


def settings_from(args: argparse.Namespace) -> SessionSettings:
    """The command line's options, which `cli` has already filled in from the user's settings."""
    return SessionSettings(
        backend=Backend(args.backend),
        model=Path(args.model).expanduser() if args.model else None,
        mute=args.mute,
        voice=VoiceSettings(voice=args.voice, words_per_minute=args.speech_rate,
                            volume=args.volume),
        pace=args.settings.pace,
        verify=not getattr(args, "no_verify", False),
        profile=not getattr(args, "no_profile", False),
    )


def demo(args: argparse.Namespace, library: Library) -> int:
    # The demo's scripted user is not the real user: their voice profile stays out of it.
    settings = replace(settings_from(args), profile=False)
    listener = make_listener(library, settings, say=_note)
    voice = make_voice(settings, say=_note)
    with protected_stdout() as terminal:
        prefetch_routine(voice, library, DEMO_ROUTINE)
        view = PlainView(terminal, as_json=args.json)
        recorder = make_demo_recorder(args.settings, _note)
        session = StreamSession(
            make_engine(library, settings), listener, voice,
            guard=_guard(), room=EchoPath(DEMO_ECHO_DELAY_S, DEMO_ECHO_GAIN_DB),
            on_entry=view.entry,
            recorder=recorder,
        )
        try:
            session.run(ScriptedUser(DEMO_SCRIPT, coach_speaking=lambda: session.playback.busy))
        finally:
            recorder.close()  # its writer thread, joined
            if voice is not None:
                voice.close()
        _finish(session, terminal, args.save, play=not args.no_play)
    return 0


def _finish(session: StreamSession, terminal: TextIO, save: str | None, play: bool) -> None:
    for summary in session.summaries:
        print(f"-- session: {summary.routine}, {summary.reason}, {summary.steps_completed} of "
              f"{summary.steps_total} steps, {summary.elapsed_seconds:.0f} s of stream time, "
              f"{summary.pain_reports} pain report(s)", file=terminal)
    conversation = (np.concatenate(session.conversation) if session.conversation
                    else np.zeros(0, dtype=np.int16))
    if save:
        write_wav(Path(save), conversation)
        print(f"-- the whole conversation is in {save}", file=terminal)
    if play:
        _play(conversation, terminal)


def _play(conversation: np.ndarray, terminal: TextIO) -> None:
    from .speaking.output import play_blocking

    played = play_blocking(conversation)
    if played is not None:
        print(f"-- not played: {played}", file=terminal)


def _guard() -> EchoGuard:
    from .hearing.echo_guard import EchoGuard

    return EchoGuard()


def run(args: argparse.Namespace, library: Library) -> int:
    if args.input:
        return run_with_input(args, library)
    from .session.live_cli import run_live

    return run_live(args, library)


def serve(args: argparse.Namespace, library: Library) -> int:
    """Always on: waits for "start ..." (after the wake word, if one is set), coaches, and
    waits again; survives devices that come and go. Ends only on Ctrl-C or SIGTERM."""
    if args.input:
        return run_with_input(args, library.with_wake_word(args.settings.wake_word))
    from .session.live_cli import run_live

    return run_live(args, library, serve=True)


def run_with_input(args: argparse.Namespace, library: Library) -> int:
    settings = settings_from(args)
    listener = make_listener(library, settings, say=_note)
    voice = make_voice(settings, say=_note)
    from .audio.wav_file import WavFileSource

    source = WavFileSource(Path(args.input), chunk_seconds=0.05, on_note=_note)
    with protected_stdout() as terminal, source:
        wanted = getattr(args, "routine", None)
        routine = library.require(wanted) if wanted else None
        prefetch_routine(voice, library, routine.name if routine else None)
        view = PlainView(terminal, as_json=args.json)
        recorder = make_recorder(args.settings, _note, history=not args.no_history,
                                 source=SessionSource.RECORDING)
        session = StreamSession(make_engine(library, settings), listener, voice, guard=None,
                                on_entry=view.entry, recorder=recorder)
        if routine is not None:
            session.start(Command(Intent.START, {"routine": routine.name}, f"start {routine.name}"))
        try:
            session.run(source)
        finally:
            recorder.close()
            if voice is not None:
                voice.close()
        _finish(session, terminal, args.save, play=False)
    return 0

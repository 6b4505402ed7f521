"""`voicecoach run` with the microphone or the keyboard: wires the live session and ends it
cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import queue
import signal
import time
from collections.abc import Iterator
from typing import Any

from ..audio.source import AudioError
from ..core.intents import Command, Intent
from ..library import Library
from ..speaking.playback import Playback, Rendered
from .live import QUIT, KeyboardInput, LiveSession, MicrophoneInput, Speaking
from .terminal import PanelView, PlainView, protected_stdout
from .transcript import Entry
from .wiring import make_engine, make_listener, make_recorder, make_voice, prefetch_routine

GREETING = "Hello. Say start and a routine name, for example start glutes. Say help at any time."


@contextlib.contextmanager
def _quit_on_signals(inbox: queue.Queue[object]) -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        inbox.put(QUIT)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_live(args: argparse.Namespace, library: Library) -> int:
    from ..session_cli import _note, settings_from

    settings = settings_from(args)
    routine = library.require(args.routine) if args.routine else None
    voice = make_voice(settings, say=_note)
    listener = None if args.keyboard else make_listener(library, settings, say=_note)
    started = time.monotonic()

    def clock() -> float:
        return time.monotonic() - started

    inbox: queue.Queue[object] = queue.Queue()
    closers: list[Any] = []
    with protected_stdout() as terminal:
        plain = args.plain or args.json or not terminal.isatty()
        view: Any = PlainView(terminal, as_json=args.json) if plain else PanelView(terminal)
        closers.append(view)
        try:
            prefetch_routine(voice, library, routine.name if routine else None)
            playback = Playback()
            guard = _guard() if listener is not None else None
            speaking = Speaking(voice, playback, inbox.put, view.entry, clock, guard)
            closers.insert(0, speaking)
            if voice is not None:
                closers.insert(0, _open_output(playback, speaking, guard, args, view, clock))
            if args.keyboard:
                closers.insert(0, KeyboardInput(library.grammar, inbox.put, view.entry, clock))
            else:
                from ..audio.microphone import MicrophoneSource

                device = int(args.device) if args.device and args.device.isdigit() else args.device
                microphone = MicrophoneSource(
                    device, rate=args.rate, channels=args.channels,
                    on_problem=lambda text: view.entry(Entry(clock(), "note", text)),
                )
                assert listener is not None
                closers.insert(0, MicrophoneInput(microphone, listener, guard, inbox.put,
                                                  view.entry, clock))
            recorder = make_recorder(args.settings, _note, remember=not args.no_history)
            closers.append(recorder)  # after the threads, so its last write is the session's end
            session = LiveSession(make_engine(library, settings), speaking, inbox, clock,
                                  view.entry, view.show, recorder=recorder)
            start = None
            if routine is not None:
                start = Command(Intent.START, {"routine": routine.name}, f"start {routine.name}")
            else:
                speaking.say(GREETING, interrupt=False)
            with _quit_on_signals(inbox):
                session.run(start)
        finally:
            for closer in closers:
                closer.close()
            if voice is not None:
                voice.close()
    return 0


def _open_output(playback: Playback, speaking: Speaking, guard: Any, args: argparse.Namespace,
                 view: Any, clock: Any) -> Any:
    from ..speaking.output import SpeakerOutput

    def on_block(rendered: Rendered) -> None:
        if guard is not None:
            guard.played(rendered.audio, clock())
        speaking.played(rendered)

    device = args.output_device
    device = int(device) if device and device.isdigit() else device
    try:
        return SpeakerOutput(playback, on_block, device=device)
    except (AudioError, OSError) as exc:
        view.entry(Entry(clock(), "note", f"{exc}: the coach's lines are printed instead"))
        speaking.printing = True
        return _Nothing()


def _guard() -> Any:
    from ..hearing.echo_guard import EchoGuard

    return EchoGuard()


class _Nothing:
    def close(self) -> None:
        pass


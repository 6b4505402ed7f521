"""`voicecoach run` with the microphone or the keyboard: wires the live session and ends it
cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import queue
import time
from collections.abc import Callable
from typing import Any

from ..audio.source import device_from_text
from ..core.intents import Command, Intent
from ..core.messages import Device, DeviceFailed, DeviceRecovered
from ..history.records import SessionSource
from ..library import Library
from ..session.live import QUIT, KeyboardInput, LiveSession, MicrophoneInput, Speaking
from ..session.stopping import StopRequest, exit_code, stop_on_signals
from ..session.supervision import SpeakerSupervisor, SupervisedSource
from ..session.terminal import PanelView, PlainView, protected_stdout
from ..session.transcript import Entry
from ..session.wiring import (
    greeting,
    make_engine,
    make_listener,
    make_recorder,
    make_voice,
    prefetch_routine,
)
from ..speaking.playback import Playback, Rendered
from .notes import note
from .origins import origin_of
from .session_settings import settings_from

KEYBOARD_HINT = ("type a command and press Enter, e.g. start glutes; type quit or press Ctrl-D "
                 "to leave")


def run_live(args: argparse.Namespace, library: Library, *, serve: bool = False) -> int:
    """`run` (one user at the keyboard or microphone) or `serve` (always on: the microphone may
    be missing at the start, the wake word is honoured, and it ends only on a signal)."""
    settings = settings_from(args)
    if serve:
        library = library.with_wake_word(args.settings.wake_word)
    routine = library.require(args.routine) if getattr(args, "routine", None) else None
    keyboard = getattr(args, "keyboard", False)
    voice = make_voice(settings, say=note)
    listener = None if keyboard else make_listener(library, settings, say=note)
    started = time.monotonic()

    def clock() -> float:
        return time.monotonic() - started

    inbox: queue.Queue[object] = queue.Queue()
    closers: list[Any] = []
    stopped = StopRequest()
    with protected_stdout() as terminal:
        plain = args.plain or args.json or not terminal.isatty()
        view: Any = (PlainView(terminal, as_json=args.json) if plain
                     else PanelView(terminal, wake_word=library.grammar.wake_word,
                                    hearing="keyboard" if keyboard else "microphone"))
        closers.append(view)
        try:
            prefetch_routine(voice, library, routine.name if routine else None)
            playback = Playback()
            guard = echo_guard(hearing=listener is not None, speaking=voice is not None)
            speaking = Speaking(voice, playback, inbox.put, view.entry, clock, guard)
            closers.insert(0, speaking)
            speaker = None
            if voice is not None:
                speaker = _supervised_output(playback, speaking, guard, args, inbox, clock)
                closers.insert(0, speaker)
            listening: MicrophoneInput | KeyboardInput
            if keyboard:
                typing = view.typing if isinstance(view, PanelView) else None
                if typing is None:  # the panel says it itself
                    note(KEYBOARD_HINT)
                # A line not understood is answered with what to type now: it listens too.
                listening = KeyboardInput(library.grammar, inbox.put, view.entry, clock,
                                          typing=typing)
                closers.insert(0, listening)
            else:
                assert listener is not None
                source = _supervised_microphone(args, inbox, view, clock, speaking, speaker,
                                                open_now=not serve)
                listening = MicrophoneInput(
                    source, listener, guard, inbox.put, view.entry, clock,
                    rebuild_listener=lambda: make_listener(library, settings, say=note))
                closers.insert(0, listening)
            recorder = make_recorder(
                args.settings, note, history=not args.no_history,
                source=SessionSource.KEYBOARD if keyboard else SessionSource.MICROPHONE)
            closers.append(recorder)  # after the threads, so its last write is the session's end
            session = LiveSession(make_engine(library, settings), speaking, inbox, clock,
                                  view.entry, view.show, recorder=recorder,
                                  supervise=_checks(speaker, speaking), warn=note)
            session.listening = listening.listen_for
            start = None
            if routine is not None:
                start = Command(Intent.START, {"routine": routine.name}, f"start {routine.name}")
            else:
                speaking.say(greeting(library.grammar.wake_word), interrupt=False)
            def stop(signal_name: str) -> None:
                stopped(signal_name)
                inbox.put(QUIT)

            with stop_on_signals(stop):
                session.run(start)
        finally:
            for closer in closers:
                closer.close()
            if voice is not None:
                voice.close()
    if stopped.by is not None:  # the history says interrupted; the shell gets 130 or 143
        note(f"stopped by {'Ctrl-C' if stopped.by == 'SIGINT' else stopped.by}")
    return exit_code(stopped.by)


def _checks(speaker: SpeakerSupervisor | None, speaking: Speaking) -> Callable[[], None]:
    def check() -> None:
        if speaker is not None:
            speaker.check()
        speaking.check()

    return check


def _supervised_microphone(args: argparse.Namespace, inbox: queue.Queue[object], view: Any,
                           clock: Callable[[], float], speaking: Speaking,
                           speaker: SpeakerSupervisor | None, *,
                           open_now: bool) -> SupervisedSource:
    """The microphone, reopened whenever it goes away. `open_now`: open it before the session
    starts, so that a missing microphone is an error at once (`run`), not a wait (`serve`)."""
    from ..audio.microphone import MicrophoneSource, rescan_devices

    attempts = 0

    def open_microphone() -> MicrophoneSource:
        nonlocal attempts
        attempts += 1
        # A microphone plugged back in is only seen after PortAudio restarts, which would cut
        # the coach off: so only between its sentences, with the loudspeaker closed meanwhile.
        if attempts > 1 and speaking.idle:
            if speaker is not None:
                speaker.while_closed(rescan_devices)
            else:
                rescan_devices()
        return MicrophoneSource(
            device_from_text(args.device), rate=args.rate, channels=args.channels,
            on_problem=lambda text: view.entry(Entry(clock(), "note", text)),
            origin=origin_of(args, "device"),
        )

    def lost(reason: str) -> None:
        view.microphone(False)  # the panel says "no microphone", not "listening"
        inbox.put(DeviceFailed(Device.MICROPHONE, reason))

    def back() -> None:
        view.microphone(True)
        inbox.put(DeviceRecovered(Device.MICROPHONE))

    return SupervisedSource(
        open_microphone,
        on_lost=lost,
        on_back=back,
        opened=open_microphone() if open_now else None,
    )


def _supervised_output(playback: Playback, speaking: Speaking, guard: Any,
                       args: argparse.Namespace, inbox: queue.Queue[object],
                       clock: Callable[[], float]) -> SpeakerSupervisor:
    from ..speaking.output import SpeakerOutput

    def on_block(rendered: Rendered) -> None:
        if guard is not None:
            guard.played(rendered.audio, clock())
        speaking.played(rendered)

    def printing(on: bool) -> None:
        speaking.loudspeaker_down = on

    return SpeakerSupervisor(
        lambda: SpeakerOutput(playback, on_block, device=device_from_text(args.output_device),
                              origin=origin_of(args, "output_device")),
        on_lost=lambda reason: inbox.put(DeviceFailed(Device.LOUDSPEAKER, reason)),
        on_back=lambda: inbox.put(DeviceRecovered(Device.LOUDSPEAKER)),
        printing=printing,
    )


def echo_guard(*, hearing: bool, speaking: bool) -> Any:
    """The echo guard, only when the microphone is heard and the coach has a voice to play.
    Muted (or with no speech engine) nothing is ever played, so there is no echo to remove;
    yet speex's filters still reshape the microphone, and that alone turned "begin quick" over
    a running tap into "safety brief" (tests/test_muted_live_hearing.py): `serve --mute`
    then heard worse than the same audio given with --input, which has no guard."""
    if not (hearing and speaking):
        return None
    from ..hearing.echo_guard import EchoGuard

    return EchoGuard()

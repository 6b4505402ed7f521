"""The live session assembled: the clock, the inbox, the view, the coach's voice and the
loudspeaker, the microphone or the keyboard, the history, the signals; run until it ends, and
everything closed again however it ends. The command line hands it `LiveSettings`, already
decided from its options and the user's settings file."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.intents import Command, Intent
from ..core.messages import Device, DeviceFailed, DeviceRecovered
from ..history.records import SessionSource
from ..library import Library
from ..origins import Origin
from ..settings import Settings
from ..speaking.playback import Playback, Rendered
from .live import QUIT, KeyboardInput, LiveSession, MicrophoneInput, Speaking
from .stopping import StopRequest, stop_on_signals
from .supervision import SpeakerSupervisor, SupervisedSource
from .terminal import PanelView, PlainView, protected_stdout
from .transcript import Entry
from .wiring import (
    SessionSettings,
    greeting,
    make_engine,
    make_listener,
    make_recorder,
    make_voice,
    prefetch_routine,
)

KEYBOARD_HINT = ("type a command and press Enter, e.g. start glutes; type quit or press Ctrl-D "
                 "to leave")


@dataclass(frozen=True)
class LiveSettings:
    """What a live session (`run`, `serve`) needs to know, and nothing about how it was asked."""

    session: SessionSettings
    user: Settings  # the user's settings file: the safety brief's answer is kept in it
    routine: str | None = None  # started at once; None: the coach greets and waits
    keyboard: bool = False  # typed commands instead of the microphone
    # `serve`: a microphone missing at the start is waited for, not an error.
    wait_for_microphone: bool = False
    history: bool = True  # False: `--no-history`, nothing written
    plain: bool = False  # a log of lines even on a terminal, not the panel
    as_json: bool = False  # the log as JSON lines
    input_device: int | str | None = None  # None: the system's default microphone
    input_rate: int | None = None  # Hertz; None: the device's own
    input_channels: int | None = None  # None: the device's own (at most 2)
    input_origin: Origin | None = None  # where `input_device` came from, for messages
    output_device: int | str | None = None  # None: the system's default loudspeaker
    output_origin: Origin | None = None


def run_live_session(library: Library, settings: LiveSettings,
                     note: Callable[[str], None]) -> str | None:
    """Runs until the user leaves, the input ends, or a signal comes; returns the signal's name
    (SIGINT, SIGTERM) when one ended it, else None. `note` says one line to the user."""
    routine = library.require(settings.routine) if settings.routine else None
    keyboard = settings.keyboard
    voice = make_voice(settings.session, say=note)
    listener = None if keyboard else make_listener(library, settings.session, say=note)
    started = time.monotonic()

    def clock() -> float:
        return time.monotonic() - started

    inbox: queue.Queue[object] = queue.Queue()
    closers: list[Any] = []
    stopped = StopRequest()
    with protected_stdout() as terminal:
        plain = settings.plain or settings.as_json or not terminal.isatty()
        view: Any = (PlainView(terminal, as_json=settings.as_json) if plain
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
                speaker = _supervised_output(playback, speaking, guard, settings, inbox, clock)
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
                source = _supervised_microphone(settings, inbox, view, clock, speaking, speaker,
                                                open_now=not settings.wait_for_microphone)
                listening = MicrophoneInput(
                    source, listener, guard, inbox.put, view.entry, clock,
                    rebuild_listener=lambda: make_listener(library, settings.session, say=note))
                closers.insert(0, listening)
            recorder = make_recorder(
                settings.user, note, history=settings.history,
                source=SessionSource.KEYBOARD if keyboard else SessionSource.MICROPHONE)
            closers.append(recorder)  # after the threads, so its last write is the session's end
            session = LiveSession(make_engine(library, settings.session), speaking, inbox, clock,
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
    return stopped.by


def _checks(speaker: SpeakerSupervisor | None, speaking: Speaking) -> Callable[[], None]:
    def check() -> None:
        if speaker is not None:
            speaker.check()
        speaking.check()

    return check


def _supervised_microphone(settings: LiveSettings, inbox: queue.Queue[object], view: Any,
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
            settings.input_device, rate=settings.input_rate, channels=settings.input_channels,
            on_problem=lambda text: view.entry(Entry(clock(), "note", text)),
            origin=settings.input_origin,
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
                       settings: LiveSettings, inbox: queue.Queue[object],
                       clock: Callable[[], float]) -> SpeakerSupervisor:
    from ..speaking.output import SpeakerOutput

    def on_block(rendered: Rendered) -> None:
        if guard is not None:
            guard.played(rendered.audio, clock())
        speaking.played(rendered)

    def printing(on: bool) -> None:
        speaking.loudspeaker_down = on

    return SpeakerSupervisor(
        lambda: SpeakerOutput(playback, on_block, device=settings.output_device,
                              origin=settings.output_origin),
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

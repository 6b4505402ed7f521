"""The live session assembled: the clock, the inbox, the view, the coach's voice and the
loudspeaker, the microphone or the keyboard, the history, the signals; run until it ends, and
everything closed again however it ends. The command line hands it `LiveSettings`, already
decided from its options and the user's settings file."""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from ..core.intents import Command, Intent
from ..core.messages import Device, DeviceFailed, DeviceRecovered
from ..hearing.listener import CommandListener
from ..history.records import SessionSource
from ..library import Library
from ..origins import Origin
from ..settings import Settings
from ..speaking.playback import Playback, Rendered
from ..speaking.tts import TextToSpeech
from .keyboard_input import KeyboardInput
from .live import QUIT, LiveSession, MicrophoneInput, Speaking
from .recorder import SessionRecorder
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
    (SIGINT, SIGTERM) when one ended it, else None. `note` says one line to the user.

    Every part is built first, then started; each is closed in the reverse order, however the
    session ends (a close is safe for a part never started)."""
    routine = library.require(settings.routine) if settings.routine else None
    voice = make_voice(settings.session, say=note)  # started: whether it loads decides printing
    listener = None if settings.keyboard else make_listener(library, settings.session, say=note)
    started = time.monotonic()

    def clock() -> float:
        return time.monotonic() - started

    inbox: queue.Queue[object] = queue.Queue()
    stopped = StopRequest()
    with protected_stdout() as terminal, contextlib.ExitStack() as running:
        if voice is not None:
            running.callback(voice.close)  # started when made: closed last
        parts = _build(library, settings, note, voice, listener, terminal, inbox, clock)
        # Closed after the threads, so that its last write is the session's end; started
        # last, so that a session that could not begin (no microphone) opens no history.
        running.callback(parts.recorder.close)
        _start(running, parts.view)
        prefetch_routine(voice, library, routine.name if routine else None)
        _start(running, parts.speaking)
        if parts.speaker is not None:
            _start(running, parts.speaker)
        if parts.microphone is not None and not settings.wait_for_microphone:
            parts.microphone.open_now()  # `run`: a missing microphone is an error at once
        if settings.keyboard and not isinstance(parts.view, PanelView):  # the panel says it
            note(KEYBOARD_HINT)
        _start(running, parts.user_input)
        parts.recorder.start()
        start = None
        if routine is not None:
            start = Command(Intent.START, {"routine": routine.name}, f"start {routine.name}")
        else:
            parts.speaking.say(greeting(library.grammar.wake_word), interrupt=False)

        def stop(signal_name: str) -> None:
            stopped(signal_name)
            inbox.put(QUIT)

        with stop_on_signals(stop):
            parts.session.run(start)
    return stopped.by


@dataclass(frozen=True)
class _Parts:
    """A live session's parts, built and not yet started."""

    view: PlainView | PanelView
    speaking: Speaking
    speaker: SpeakerSupervisor | None  # None: no voice, the lines are printed
    microphone: SupervisedSource | None  # None: typed commands
    user_input: MicrophoneInput | KeyboardInput
    recorder: SessionRecorder
    session: LiveSession


def _build(library: Library, settings: LiveSettings, note: Callable[[str], None],
           voice: TextToSpeech | None, listener: CommandListener | None, terminal: TextIO,
           inbox: queue.Queue[object], clock: Callable[[], float]) -> _Parts:
    view = _view(library, settings, terminal)
    playback = Playback()
    guard = echo_guard(hearing=listener is not None, speaking=voice is not None)
    speaking = Speaking(voice, playback, inbox.put, view.entry, clock, guard)
    speaker = None
    if voice is not None:
        speaker = _supervised_output(playback, speaking, guard, settings, inbox, clock)
    microphone = None
    user_input: MicrophoneInput | KeyboardInput
    if listener is None:
        # A line not understood is answered with what to type now: it listens too.
        user_input = KeyboardInput(library.grammar, inbox.put, view.entry, clock,
                                  typing=view.typing if isinstance(view, PanelView) else None)
    else:
        microphone = _supervised_microphone(settings, inbox, view, clock, speaking, speaker)
        user_input = MicrophoneInput(
            microphone, listener, guard, inbox.put, view.entry, clock,
            rebuild_listener=lambda: make_listener(library, settings.session, say=note))
    recorder = make_recorder(
        settings.user, note, history=settings.history,
        source=SessionSource.KEYBOARD if settings.keyboard else SessionSource.MICROPHONE)
    session = LiveSession(make_engine(library, settings.session), speaking, inbox, clock,
                          view.entry, view.show, recorder=recorder,
                          supervise=_checks(speaker, speaking), warn=note)
    session.listen_for = user_input.listen_for
    return _Parts(view, speaking, speaker, microphone, user_input, recorder, session)


class _Part(Protocol):
    def start(self) -> None: ...

    def close(self) -> None: ...


def _start(running: contextlib.ExitStack, part: _Part) -> None:
    """Start `part`, to be closed when `running` ends (also if it fails half-way through)."""
    running.callback(part.close)
    part.start()


def _view(library: Library, settings: LiveSettings, terminal: TextIO) -> PlainView | PanelView:
    """The panel on a terminal; a log of lines when asked, for JSON, or into a pipe."""
    if settings.plain or settings.as_json or not terminal.isatty():
        return PlainView(terminal, as_json=settings.as_json)
    return PanelView(terminal, wake_word=library.grammar.wake_word,
                     hearing="keyboard" if settings.keyboard else "microphone")


def _checks(speaker: SpeakerSupervisor | None, speaking: Speaking) -> Callable[[], None]:
    def check() -> None:
        if speaker is not None:
            speaker.check()
        speaking.check()

    return check


def _supervised_microphone(settings: LiveSettings, inbox: queue.Queue[object],
                           view: PlainView | PanelView, clock: Callable[[], float],
                           speaking: Speaking,
                           speaker: SpeakerSupervisor | None) -> SupervisedSource:
    """The microphone, reopened whenever it goes away."""
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
        microphone = MicrophoneSource(
            settings.input_device, rate=settings.input_rate, channels=settings.input_channels,
            on_problem=lambda text: view.entry(Entry(clock(), "note", text)),
            origin=settings.input_origin,
        )
        microphone.start()
        return microphone

    def lost(reason: str) -> None:
        view.microphone(False)  # the panel says "no microphone", not "listening"
        inbox.put(DeviceFailed(Device.MICROPHONE, reason))

    def back() -> None:
        view.microphone(True)
        inbox.put(DeviceRecovered(Device.MICROPHONE))

    return SupervisedSource(open_microphone, on_lost=lost, on_back=back)


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

    def open_output() -> SpeakerOutput:
        output = SpeakerOutput(playback, on_block, device=settings.output_device,
                               origin=settings.output_origin)
        output.start()
        return output

    return SpeakerSupervisor(
        open_output,
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

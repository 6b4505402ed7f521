"""The sessions on a stream of audio assembled: `demo`'s scripted user and the recording of
`run --input` (and `serve --input`), heard on the stream's own time. The view, the coach's
voice, the history, the signals and the `--save` file are built, the recorder started, the
session built and run until the audio ends; everything is closed however it ends, and how it
went is reported on the terminal. The command line hands it `DemoSettings` or
`RecordingSettings`, already decided from its options and the user's settings file."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from ..audio.recording import WavRecording
from ..audio.source import Samples
from ..core.intents import Command, Intent
from ..core.messages import SessionState
from ..history.records import UNFINISHED, SessionSource
from ..history.store import INTERRUPTED
from ..library import Library
from ..settings import Settings
from .demo import DEMO_SCRIPT, ScriptedUser
from .stopping import stop_on_signals
from .stream import EchoPath, StreamClock, StreamSession
from .stream_report import report, what_the_input_left
from .terminal import PlainView, protected_stdout
from .wiring import (
    SessionSettings,
    greeting,
    make_demo_recorder,
    make_engine,
    make_listener,
    make_recorder,
    make_voice,
    prefetch_routine,
)

if TYPE_CHECKING:
    from ..hearing.echo_guard import EchoGuard

DEMO_ROUTINE = "glutes"
# The demo's room: the loudspeaker heard 12 dB down, 40 ms late, by the microphone.
DEMO_ECHO_DELAY_S, DEMO_ECHO_GAIN_DB = 0.04, -12.0


@dataclass(frozen=True)
class DemoSettings:
    """What `demo` needs to know, and nothing about how it was asked."""

    session: SessionSettings  # the coach's; the user's voice profile is left out all the same
    user: Settings  # the user's settings file, read only: the demo writes nothing in it
    save: Path | None = None  # where the conversation is written, already checked
    play: bool = True  # the conversation played once the demo has ended
    as_json: bool = False  # the transcript as JSON lines


@dataclass(frozen=True)
class RecordingSettings:
    """What a session on a recording (`run --input`, `serve --input`) needs to know, and
    nothing about how it was asked."""

    session: SessionSettings
    user: Settings  # the user's settings file; a recording's "yes" to the brief is not kept
    recording: Path  # heard as the microphone; the session ends when it is used up
    routine: str | None = None  # started at once; None: the coach greets and waits
    save: Path | None = None  # where the conversation is written, already checked
    history: bool = True  # False: `--no-history`, nothing written
    as_json: bool = False  # the transcript as JSON lines


@dataclass(frozen=True)
class RecordingEnd:
    """How a session on a recording ended."""

    stopped_by: str | None  # the signal (SIGINT, SIGTERM) that ended it, if one did
    # The recording ran out with the coach in the middle of a session, or of the question
    # before one: the work it began was not done, yet nothing failed.
    cut_short: bool


def run_demo(library: Library, settings: DemoSettings,
             note: Callable[[str], None]) -> str | None:
    """The scripted user's session, on stream time; returns the signal's name (SIGINT,
    SIGTERM) when one ended it, else None. `note` says one line to the user."""
    # The demo's scripted user is not the real user: their voice profile stays out of it.
    session_settings = replace(settings.session, profile=False)
    listener = make_listener(library, session_settings, say=note)
    voice = make_voice(session_settings, say=note)
    # Kept only to be played afterwards: the demo's script is a few minutes long.
    kept: list[Samples] | None = [] if settings.play else None
    with protected_stdout() as terminal, _recording(settings.save) as recording:
        prefetch_routine(voice, library, DEMO_ROUTINE)
        view = PlainView(terminal, as_json=settings.as_json)
        clock = StreamClock(time.time())
        recorder = make_demo_recorder(settings.user, note, wall_clock=clock)
        recorder.start()  # before the session is built: it reads the past pain at once
        session = StreamSession(
            make_engine(library, session_settings), listener, voice,
            guard=_echo_guard(), room=EchoPath(DEMO_ECHO_DELAY_S, DEMO_ECHO_GAIN_DB),
            on_entry=view.entry,
            recorder=recorder, clock=clock,
            record=_recording_to(recording, kept),
            words_per_minute=session_settings.voice.words_per_minute,
        )
        try:
            with stop_on_signals(session.stop):
                session.run(ScriptedUser(DEMO_SCRIPT,
                                         coach_speaking=lambda: session.playback.busy))
        finally:
            recorder.close()  # its writer thread, joined
            if voice is not None:
                voice.close()
        report(session, terminal, recording, note)
        if kept is not None and session.stopped_by is None:
            conversation = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int16)
            play_conversation(conversation, terminal)
    return session.stopped_by


def run_recording(library: Library, settings: RecordingSettings,
                  note: Callable[[str], None]) -> RecordingEnd:
    """The recording heard as the microphone, on its own time, until it is used up or a signal
    comes. `note` says one line to the user."""
    listener = make_listener(library, settings.session, say=note)
    voice = make_voice(settings.session, say=note)
    from ..audio.wav_file import WavFileSource

    source = WavFileSource(settings.recording, chunk_seconds=0.05, on_note=note)
    with protected_stdout() as terminal, source, _recording(settings.save) as recording:
        routine = library.require(settings.routine) if settings.routine else None
        prefetch_routine(voice, library, routine.name if routine else None)
        view = PlainView(terminal, as_json=settings.as_json)
        # The recording's own time: its sessions last as long as they took to say.
        clock = StreamClock(time.time())
        recorder = make_recorder(settings.user, note, history=settings.history,
                                 source=SessionSource.RECORDING, wall_clock=clock)
        recorder.start()  # before the session is built: it reads the past pain at once
        session = StreamSession(make_engine(library, settings.session), listener, voice,
                                guard=None, on_entry=view.entry, recorder=recorder,
                                clock=clock, record=_recording_to(recording),
                                words_per_minute=settings.session.voice.words_per_minute)
        ran_out = False
        try:
            with stop_on_signals(session.stop):
                if routine is not None:
                    session.start(Command(Intent.START, {"routine": routine.name},
                                          f"start {routine.name}"))
                else:  # as a live session begins: how to start a routine
                    session.say(greeting(library.grammar.wake_word))
                session.run(source)
            ran_out = session.stopped_by is None
        finally:
            # A session still under way is kept as unfinished when its recording ran out, as
            # interrupted when a signal or an error cut it off.
            recorder.close(UNFINISHED if ran_out else INTERRUPTED)
            if voice is not None:
                voice.close()
        report(session, terminal, recording, note,
               what_the_input_left(session, kept_in_history=settings.history))
    cut_short = session.under_way is not None or session.engine.state is SessionState.ASKING
    return RecordingEnd(session.stopped_by, cut_short)


@contextlib.contextmanager
def _recording(save: Path | None) -> Iterator[WavRecording | None]:
    """The `--save` file, written as the session goes and moved into place however it ends
    (a crash included: what was recorded is not lost)."""
    if save is None:
        yield None
        return
    recording = WavRecording(save)
    try:
        yield recording
    finally:
        recording.close()


def _recording_to(recording: WavRecording | None,
                  kept: list[Samples] | None = None) -> Callable[[Samples], None] | None:
    if kept is None:
        return recording.write if recording is not None else None

    def record(samples: Samples) -> None:
        if recording is not None:
            recording.write(samples)
        kept.append(samples)

    return record


def play_conversation(conversation: np.ndarray, terminal: TextIO) -> None:
    """The demo's conversation played once it has ended; why not, on `terminal`, if it
    cannot be."""
    from ..speaking.output import play_blocking

    # --mute does not help here: it is the recorded conversation that cannot be played.
    played = play_blocking(conversation, instead="use --no-play")
    if played is not None:
        print(f"-- not played: {played}", file=terminal)


def _echo_guard() -> EchoGuard:
    """The demo's room leaks the coach's voice into its microphone: this keeps it out."""
    from ..hearing.echo_guard import EchoGuard

    return EchoGuard()

"""`voicecoach demo` and `voicecoach run`: arguments in, the wired session out."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from ..audio.recording import WavRecording, check_recording_path
from ..audio.source import Samples
from ..core.intents import Command, Intent
from ..core.messages import SessionState, Snapshot
from ..core.wording import counted
from ..history.records import UNFINISHED, SessionSource
from ..history.store import INTERRUPTED
from ..library import Library
from ..session.demo import DEMO_SCRIPT, ScriptedUser
from ..session.stopping import exit_code, stop_on_signals
from ..session.stream import EchoPath, StreamClock, StreamSession
from ..session.terminal import PlainView, protected_stdout
from ..session.wiring import (
    greeting,
    make_demo_recorder,
    make_engine,
    make_listener,
    make_recorder,
    make_voice,
    prefetch_routine,
)
from .notes import note
from .session_settings import settings_from

if TYPE_CHECKING:
    from ..hearing.echo_guard import EchoGuard

DEMO_ROUTINE = "glutes"
# The exit status when a recording ran out in the middle of a session: the work it began was not
# done, yet nothing failed (1 is for errors, 2 for a command line that cannot be used).
RECORDING_ENDED_EARLY = 3
# The demo's room: the loudspeaker heard 12 dB down, 40 ms late, by the microphone.
DEMO_ECHO_DELAY_S, DEMO_ECHO_GAIN_DB = 0.04, -12.0


def demo(args: argparse.Namespace, library: Library) -> int:
    save = _checked_save(args)  # before any work: a typo must not cost the whole session
    # The demo's scripted user is not the real user: their voice profile stays out of it.
    settings = replace(settings_from(args), profile=False)
    listener = make_listener(library, settings, say=note)
    voice = make_voice(settings, say=note)
    # Kept only to be played afterwards: the demo's script is a few minutes long.
    kept: list[Samples] | None = None if args.no_play else []
    with protected_stdout() as terminal, _recording(save) as recording:
        prefetch_routine(voice, library, DEMO_ROUTINE)
        view = PlainView(terminal, as_json=args.json)
        clock = StreamClock(time.time())
        recorder = make_demo_recorder(args.settings, note, wall_clock=clock)
        recorder.start()  # before the session is built: it reads the past pain at once
        session = StreamSession(
            make_engine(library, settings), listener, voice,
            guard=_guard(), room=EchoPath(DEMO_ECHO_DELAY_S, DEMO_ECHO_GAIN_DB),
            on_entry=view.entry,
            recorder=recorder, clock=clock,
            record=_recording_to(recording, kept),
            words_per_minute=settings.voice.words_per_minute,
        )
        try:
            with stop_on_signals(session.stop):
                session.run(ScriptedUser(DEMO_SCRIPT,
                                         coach_speaking=lambda: session.playback.busy))
        finally:
            recorder.close()  # its writer thread, joined
            if voice is not None:
                voice.close()
        _finish(session, terminal, recording)
        if kept is not None and session.stopped_by is None:
            _play(np.concatenate(kept) if kept else np.zeros(0, dtype=np.int16), terminal)
    return exit_code(session.stopped_by)


def _checked_save(args: argparse.Namespace) -> Path | None:
    return check_recording_path(Path(args.save).expanduser()) if args.save else None


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


def _finish(session: StreamSession, terminal: TextIO, recording: WavRecording | None,
            left: str | None = None) -> None:
    """The sessions' summaries, how the input ended (`left`: what it left undone), and where
    the conversation was saved."""
    for summary in session.summaries:
        print(f"-- session: {summary.routine}, {summary.reason}, {summary.steps_completed} of "
              f"{counted(summary.steps_total, 'step')}, {summary.elapsed_seconds:.0f} s of "
              f"stream time, {counted(summary.pain_reports, 'pain report')}", file=terminal)
    if session.stopped_by is not None:
        print(f"-- ended by {session.stopped_by} after {session.now:.0f} s of stream time",
              file=terminal)
    elif left is not None:
        print(f"-- {left}", file=terminal)
    if recording is not None:
        recording.close()
        if recording.problem is not None:
            note(recording.problem)
        whole = "the whole conversation" if session.stopped_by is None else (
            "the conversation until then")
        print(f"-- {whole} ({recording.seconds:.0f} s) is in {recording.path}", file=terminal)


def what_the_input_left(session: StreamSession, kept_in_history: bool) -> str | None:
    """Why the coach fell silent when the input ran out, if it was in the middle of something
    or nothing happened at all; None when the input's sessions all ended."""
    ended = session.input_ended_at
    if ended is None:
        return None
    if session.under_way is not None:
        routine, began = session.under_way
        kept = ("the session is kept as unfinished" if kept_in_history
                else "nothing is kept (--no-history)")
        return (f"the recording ended {ended - began:.0f} s into the {routine} routine"
                f"{_where(session.engine.snapshot(session.now))}; {kept}")
    if session.engine.state is SessionState.ASKING:
        return (f"the recording ended ({ended:.0f} s of audio) while the coach waited for an "
                "answer before starting; no session was started")
    if session.commands_heard == 0:
        return f"the recording ended; no command was heard in it ({ended:.0f} s of audio)"
    if not session.summaries:
        return f"the recording ended ({ended:.0f} s of audio); no routine was started in it"
    return None


def _where(snapshot: Snapshot) -> str:
    if snapshot.state is SessionState.INTRODUCING:
        return ", during its introduction"
    if snapshot.state is SessionState.CLOSING:
        return ", in its closing words"
    if snapshot.step_number is None:
        return ""
    return f", at step {snapshot.step_number} of {snapshot.step_count}"


def exit_status(session: StreamSession) -> int:
    """130 or 143 after a signal; RECORDING_ENDED_EARLY when the recording ran out with the coach
    in the middle of a session (or of the question before one); else 0."""
    if session.stopped_by is not None:
        return exit_code(session.stopped_by)
    cut_short = session.under_way is not None or session.engine.state is SessionState.ASKING
    return RECORDING_ENDED_EARLY if cut_short else 0


def _play(conversation: np.ndarray, terminal: TextIO) -> None:
    from ..speaking.output import play_blocking

    # --mute does not help here: it is the recorded conversation that cannot be played.
    played = play_blocking(conversation, instead="use --no-play")
    if played is not None:
        print(f"-- not played: {played}", file=terminal)


def _guard() -> EchoGuard:
    from ..hearing.echo_guard import EchoGuard

    return EchoGuard()


def _refuse_live_save(args: argparse.Namespace) -> int | None:
    """A live session is not recorded: `--save` without `--input` would be silently ignored."""
    if not args.save or args.input:
        return None
    if getattr(args, "keyboard", False):
        note("--save cannot record a --keyboard session (there is no sound to save); drop "
              "--save")
    else:
        note("--save records sessions on a recording only (--input FILE.wav), not the live "
              "microphone; drop --save or add --input")
    return 2  # a usage error, as argparse's own


def run(args: argparse.Namespace, library: Library) -> int:
    if args.keyboard and args.input:
        # Either would silently win over the other: the user would type to a coach that only
        # hears the recording, or the other way round.
        note("--keyboard and --input cannot go together: --input plays a recording as the "
             "microphone, --keyboard takes typed commands instead of one; drop one of them")
        return 2  # a usage error, as argparse's own
    if args.input:
        return run_with_input(args, library)
    if (refused := _refuse_live_save(args)) is not None:
        return refused
    from .live import run_live

    return run_live(args, library)


def serve(args: argparse.Namespace, library: Library) -> int:
    """Always on: waits for "start ..." (after the wake word, if one is set), coaches, and
    waits again; survives devices that come and go. Ends only on Ctrl-C or SIGTERM."""
    if args.input:
        return run_with_input(args, library.with_wake_word(args.settings.wake_word))
    if (refused := _refuse_live_save(args)) is not None:
        return refused
    from .live import run_live

    return run_live(args, library, serve=True)


def run_with_input(args: argparse.Namespace, library: Library) -> int:
    save = _checked_save(args)  # before any work: a typo must not cost the whole session
    settings = settings_from(args)
    listener = make_listener(library, settings, say=note)
    voice = make_voice(settings, say=note)
    from ..audio.wav_file import WavFileSource

    source = WavFileSource(Path(args.input), chunk_seconds=0.05, on_note=note)
    with protected_stdout() as terminal, source, _recording(save) as recording:
        wanted = getattr(args, "routine", None)
        routine = library.require(wanted) if wanted else None
        prefetch_routine(voice, library, routine.name if routine else None)
        view = PlainView(terminal, as_json=args.json)
        # The recording's own time: its sessions last as long as they took to say.
        clock = StreamClock(time.time())
        recorder = make_recorder(args.settings, note, history=not args.no_history,
                                 source=SessionSource.RECORDING, wall_clock=clock)
        recorder.start()  # before the session is built: it reads the past pain at once
        session = StreamSession(make_engine(library, settings), listener, voice, guard=None,
                                on_entry=view.entry, recorder=recorder, clock=clock,
                                record=_recording_to(recording),
                                words_per_minute=settings.voice.words_per_minute)
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
        _finish(session, terminal, recording,
                what_the_input_left(session, kept_in_history=not args.no_history))
    return exit_status(session)

"""`voicecoach demo`, `voicecoach run` and `voicecoach serve`: the options checked and turned
into settings, the session launched (session/stream_launch.py for a scripted user or a
recording, session/launch.py for the microphone or the keyboard), and its exit status."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..audio.recording import check_recording_path
from ..library import Library
from ..session.stopping import exit_code
from ..session.stream_launch import (
    DemoSettings,
    RecordingEnd,
    RecordingSettings,
    run_demo,
    run_recording,
)
from .notes import note
from .session_settings import settings_from

# The exit status when a recording ran out in the middle of a session: the work it began was not
# done, yet nothing failed (1 is for errors, 2 for a command line that cannot be used).
RECORDING_ENDED_EARLY = 3


def demo(args: argparse.Namespace, library: Library) -> int:
    return exit_code(run_demo(library, demo_settings_from(args), note))


def demo_settings_from(args: argparse.Namespace) -> DemoSettings:
    save = _checked_save(args)  # before any work: a typo must not cost the whole session
    return DemoSettings(session=settings_from(args), user=args.settings, save=save,
                        play=not args.no_play, as_json=args.json)


def _checked_save(args: argparse.Namespace) -> Path | None:
    return check_recording_path(Path(args.save).expanduser()) if args.save else None


def exit_status(end: RecordingEnd) -> int:
    """130 or 143 after a signal; RECORDING_ENDED_EARLY when the recording ran out with the coach
    in the middle of a session (or of the question before one); else 0."""
    if end.stopped_by is not None:
        return exit_code(end.stopped_by)
    return RECORDING_ENDED_EARLY if end.cut_short else 0


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
    return exit_status(run_recording(library, recording_settings_from(args), note))


def recording_settings_from(args: argparse.Namespace) -> RecordingSettings:
    """`run --input`'s settings, or `serve --input`'s (which names no routine)."""
    save = _checked_save(args)  # before any work: a typo must not cost the whole session
    return RecordingSettings(
        session=settings_from(args),
        user=args.settings,
        recording=Path(args.input),
        routine=getattr(args, "routine", None) or None,
        save=save,
        history=not args.no_history,
        as_json=args.json,
    )

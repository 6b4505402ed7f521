"""How a session on a stream of audio went, said on the terminal once it has ended: its
routines' summaries, how the input ended, and where the conversation was saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..audio.recording import WavRecording
from ..core.messages import SessionState, Snapshot
from ..core.wording import counted
from .stream import StreamSession


def report(session: StreamSession, terminal: TextIO, recording: WavRecording | None,
           note: Callable[[str], None], left: str | None = None) -> None:
    """The sessions' summaries, how the input ended (`left`: what it left undone), and where
    the conversation was saved (the recording is closed first, so that it is all there)."""
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

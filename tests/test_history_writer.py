"""History writes never hold up the coach's answers: a locked database, a disk that stalls and a
full disk, through the recorder (fake clocks) and a real `voicecoach run` process."""

from __future__ import annotations

import errno
import functools
import queue
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime

import pytest

from voicecoach.core import Intent
from voicecoach.core.phrasebook import PAIN_ADVICE
from voicecoach.history.store import HistoryStore, default_history_path
from voicecoach.session.history_writer import HistoryWriter
from voicecoach.session.recorder import SessionRecorder

from .test_session_history import ACCEPTED, Sitting

WALL = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
# Far below the 5 s an answer waited on a locked history; far above what handing over takes.
PROMPT_S = 1.0


class StalledDisk:
    """A history on a disk that stalls (an SD card busy, a network mount): every write waits
    until `free()`, or raises `error` until then. Records each write it completed."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error
        self.written: list[str] = []
        self.tried = 0
        self._freed = threading.Event()

    def free(self) -> None:
        self._freed.set()

    def pain_reports(self, since: datetime | None = None, **_: object) -> list[object]:
        return []  # reads answer at once: what stalls is writing

    def sessions(self, since: datetime | None = None) -> list[object]:
        return []

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[..., int]:
        def write(*args: object, **kwargs: object) -> int:
            self.tried += 1
            if self.error is not None:
                if not self._freed.is_set():
                    time.sleep(0.01)
                    raise self.error
            else:
                self._freed.wait(30)
            self.written.append(name)
            return 1  # the session's id
        return write


def sitting_on(history: object, notes: list[str], **writer: object) -> Sitting:
    make = functools.partial(HistoryWriter, retry_seconds=(0.05,), **writer)
    wall = [WALL]
    recorder = SessionRecorder(history, ACCEPTED, None, notes.append,  # type: ignore[arg-type]
                               lambda: wall[0], writer=make)
    return Sitting(recorder, wall)


def timed(action: Callable[[], None]) -> float:
    began = time.monotonic()
    action()
    return time.monotonic() - began


def a_session_with_pain(sitting: Sitting) -> float:
    """Start, "that hurts", stop; returns how long the pain answer took to hand over."""
    sitting.hear(Intent.START, routine="glutes")
    took = timed(lambda: sitting.hear(Intent.PAIN))
    assert PAIN_ADVICE in sitting.said[-1]
    sitting.hear(Intent.STOP)
    return took


def test_a_stalled_disk_does_not_delay_the_pain_answer_and_every_fact_lands_later():
    disk, notes = StalledDisk(), []
    sitting = sitting_on(disk, notes)
    assert a_session_with_pain(sitting) < PROMPT_S
    assert disk.written == []  # still stuck on the session's start: the loop never waited
    disk.free()
    assert sitting.recorder.flush()
    assert disk.written == ["begin_session", "record_pain", "finish_session"]
    sitting.recorder.close()
    assert notes == []


@pytest.mark.parametrize("error", [
    OSError(errno.ENOSPC, "No space left on device"),
    sqlite3.OperationalError("database or disk is full"),
])
def test_a_full_disk_is_said_once_and_every_fact_lands_once_space_is_freed(error: Exception):
    disk, notes = StalledDisk(error), []
    sitting = sitting_on(disk, notes)
    a_session_with_pain(sitting)
    while disk.tried < 5:  # it keeps trying
        time.sleep(0.01)
    disk.free()
    assert sitting.recorder.flush()
    sitting.recorder.close()
    assert disk.written == ["begin_session", "record_pain", "finish_session"]
    full = [note for note in notes if "full" in note or "No space" in note]
    assert len(full) == 1 and "kept and written to the history once it can be" in full[0]
    assert notes[-1] == "the history is written again: nothing that waited was lost"


@pytest.fixture
def locked() -> Iterator[sqlite3.Connection]:
    """Another program holding the write lock on the user's history (`BEGIN EXCLUSIVE`)."""
    path = default_history_path()
    HistoryStore(path).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        yield other
        if other.in_transaction:
            other.execute("ROLLBACK")


def test_a_locked_history_does_not_delay_the_pain_answer_and_every_fact_lands_once_freed(
        locked: sqlite3.Connection):
    notes: list[str] = []
    path = default_history_path()
    sitting = sitting_on(lambda: HistoryStore(path, busy_timeout=0.05), notes)
    assert a_session_with_pain(sitting) < PROMPT_S
    assert not sitting.recorder.flush(timeout=0.3)  # waiting for the lock
    locked.execute("ROLLBACK")
    assert sitting.recorder.flush()
    sitting.recorder.close()
    with HistoryStore(path) as history:
        (session,) = history.sessions()
    assert session.how_it_ended == "stopped" and len(session.pain) == 1
    assert session.pain[0].at == datetime.fromtimestamp(WALL + 2, UTC)  # when it was said
    assert len([note for note in notes if "locked" in note]) == 1


def test_what_a_lock_never_released_kept_from_the_history_is_named_at_the_end(
        locked: sqlite3.Connection):
    notes: list[str] = []
    path = default_history_path()
    sitting = sitting_on(lambda: HistoryStore(path, busy_timeout=0.05), notes,
                         drain_seconds=0.2)
    a_session_with_pain(sitting)
    sitting.recorder.close()
    sitting.recorder.close()  # twice (a signal on the way out): harmless
    assert notes[-1].startswith(
        "not written to the history: 1 session start, 1 pain report, 1 session end (")
    assert "locked" in notes[-1]


def test_a_full_queue_keeps_pain_and_the_sessions_start_and_end_and_says_so_once():
    disk, notes = StalledDisk(), []
    sitting = sitting_on(disk, notes, capacity=4)
    sitting.hear(Intent.START, routine="glutes")
    for _ in range(6):
        sitting.hear(Intent.SLOWER)
        sitting.hear(Intent.FASTER)
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.STOP)
    disk.free()
    assert sitting.recorder.flush()
    sitting.recorder.close()
    assert disk.written[0] == "begin_session" and disk.written[-1] == "finish_session"
    assert disk.written.count("record_pain") == 1
    assert 0 < disk.written.count("record_adjustment") < 12
    behind = [note for note in notes if "far behind" in note]
    assert len(behind) == 1 and "pain reports and each session's start and end are kept" in \
        behind[0]
    assert notes[-1].startswith("not written to the history: ") and "changes" in notes[-1]


# --- a real `voicecoach run` with another program holding the lock ------------------------------


def _lines(stream: object, into: queue.Queue[tuple[float, str]]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put((time.monotonic(), line))


def _wait_for(lines: queue.Queue[tuple[float, str]], fragment: str) -> float:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            at, line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if fragment in line:
            return at
    raise AssertionError(f"never printed {fragment!r}")


def test_run_answers_pain_at_once_while_the_history_is_locked_and_writes_it_all_afterwards(
        locked: sqlite3.Connection):
    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain", "glutes"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(process.stdout, lines))
    reader.start()
    try:
        _wait_for(lines, "Are you okay to continue")  # a fresh user: the safety brief
        process.stdin.write("yes\nthat hurts\n")
        process.stdin.flush()
        typed = time.monotonic()
        answered = _wait_for(lines, "Ease off to light pressure")
        assert answered - typed < 3.0  # the history's 5 s lock wait is not on this loop
        locked.execute("ROLLBACK")  # the other program lets go
        process.stdin.write("stop\n")
        process.stdin.close()
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join()
    assert process.stderr is not None
    errors = process.stderr.read()
    process.stderr.close()
    process.stdout.close()
    assert "Traceback" not in errors
    with HistoryStore(default_history_path()) as history:
        (session,) = history.sessions()
    assert session.how_it_ended == "stopped" and session.source == "keyboard"
    assert [p.step_title for p in session.pain] == ["Warm up with long strokes"]

"""The history when the disk is full or another program holds it locked: looking needs no
space, a full disk is called full, and what a session could not write is kept, not lost."""

from __future__ import annotations

import errno
import functools
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from voicecoach.core import Intent
from voicecoach.history import store as store_module
from voicecoach.history.journal import Journal, journal_path
from voicecoach.history.store import HistoryError, HistoryStore
from voicecoach.session.history_writer import HistoryWriter
from voicecoach.session.recorder import SessionRecorder

from .test_session_history import ACCEPTED, Sitting

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def voicecoach(*argv: str, history: Path, stdin: str | None = None,
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "VOICECOACH_HISTORY": str(history)})


def a_session_with_pain(history: HistoryStore, at: datetime = T0) -> int:
    session = history.begin_session("glutes", "Glutes by hand", 4, 1.0, at, "keyboard")
    history.record_pain(session, 0, "Warm up", "left", "light", ["glutes"],
                        at + timedelta(seconds=30))
    history.finish_session(session, "stopped", 0, 1.0, -1, at + timedelta(seconds=60))
    return session


def fill(folder: Path) -> None:
    """Every byte the drive has left, taken."""
    with (folder / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB drive of its own (tmpfs), as a small SD card's last megabyte."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root?): the simulated full disk below "
                    "covers the same path")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_history_shows_the_past_sessions_on_a_full_disk(small_disk: Path):
    path = small_disk / "history.sqlite3"
    with HistoryStore(path) as history:
        a_session_with_pain(history)
    fill(small_disk)
    shown = voicecoach("history", "--json", history=path)
    assert shown.returncode == 0, shown.stderr
    (session,) = json.loads(shown.stdout)
    assert session["routine"] == "glutes" and len(session["pain"]) == 1


def test_a_session_on_a_full_disk_says_the_disk_is_full(small_disk: Path):
    path = small_disk / "history.sqlite3"
    HistoryStore(path).close()
    fill(small_disk)
    ran = voicecoach("run", "--keyboard", "--mute", "--plain", "glutes", history=path,
                     stdin="yes\nthat hurts\nstop\n")
    assert ran.returncode == 0, ran.stderr
    assert f"{path}: the disk is full. Fix: free some space" in ran.stderr
    assert "disk I/O error" not in ran.stderr


class FullDrive:
    """`os.statvfs` of a drive with nothing left (a stand-in for the kernel's answer)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, folder: object) -> SimpleNamespace:
        self.asked.append(str(folder))
        return SimpleNamespace(f_bavail=0, f_frsize=4096)


def test_reading_on_a_full_disk_falls_back_to_the_file_as_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "history.sqlite3"
    with HistoryStore(path) as history:
        a_session_with_pain(history)
    opened: list[str] = []
    real_open = store_module._open_uri

    def open_on_a_full_disk(uri: str, busy_timeout: float) -> sqlite3.Connection:
        opened.append(uri)
        if "immutable" not in uri:  # SQLite's shared memory for the log cannot grow
            raise sqlite3.OperationalError("disk I/O error")
        return real_open(uri, busy_timeout)

    monkeypatch.setattr(store_module, "_open_uri", open_on_a_full_disk)
    monkeypatch.setattr(store_module.os, "statvfs", FullDrive())
    with HistoryStore(path, read_only=True) as history:
        (session,) = history.sessions()
    assert len(session.pain) == 1
    assert [uri.split("?")[1] for uri in opened] == ["mode=ro", "mode=ro&immutable=1"]


def test_an_io_error_on_a_full_disk_is_called_a_full_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorname = "SQLITE_IOERR_SHMSIZE"  # type: ignore[attr-defined]
    name = str(tmp_path / "history.sqlite3")
    assert "disk I/O error" in str(store_module._explain(name, error))
    monkeypatch.setattr(store_module.os, "statvfs", FullDrive())
    said = store_module._explain(name, error)
    assert str(said) == f"{name}: the disk is full. Fix: free some space and try again."
    assert said.transient  # a session keeps what happens and writes it once there is space


# --- a history locked to the end: what could not be written is kept beside it -----------------


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A history that another program holds locked for writing (`BEGIN EXCLUSIVE`)."""
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        yield path, other
        if other.in_transaction:
            other.execute("ROLLBACK")


def a_sitting(path: Path, notes: list[str], wall: list[float]) -> Sitting:
    make = functools.partial(HistoryWriter, retry_seconds=(0.05,), drain_seconds=0.2)
    recorder = SessionRecorder(lambda: HistoryStore(path, busy_timeout=0.05), ACCEPTED, None,
                               notes.append, lambda: wall[0], writer=make,
                               journal=journal_path(path))
    return Sitting(recorder, wall)


def test_what_a_lock_kept_from_the_history_to_the_end_is_journaled_and_merged_next_time(
        locked: tuple[Path, sqlite3.Connection]):
    path, other = locked
    notes: list[str] = []
    wall = [T0.timestamp()]
    sitting = a_sitting(path, notes, wall)
    sitting.hear(Intent.START, routine="glutes")
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.STOP)
    sitting.recorder.close()
    journal = journal_path(path)
    assert journal.name == "history.journal" and journal.exists()
    assert len([note for note in notes if "locked" in note]) == 1  # said when it began
    assert notes[-1] == ("the history could not be written by the end: 1 session start, "
                         f"1 pain report, 1 session end kept in {journal}, merged into it "
                         "next time")
    assert not any(note.startswith("not written to the history") for note in notes)
    other.execute("ROLLBACK")  # the other program lets go
    later: list[str] = []
    a_sitting(path, later, [T0.timestamp() + 3600]).recorder.close()  # the next session
    assert later == [f"{journal}: 3 records kept by an earlier session are now in the history"]
    assert not journal.exists()
    with HistoryStore(path) as history:
        (session,) = history.sessions()
    assert session.how_it_ended == "stopped" and session.routine == "glutes"
    assert [pain.at for pain in session.pain] == [T0 + timedelta(seconds=2)]  # when said


def test_a_session_whose_start_was_written_gets_its_journaled_pain_and_end(tmp_path: Path):
    path = tmp_path / "history.sqlite3"
    notes: list[str] = []
    sitting = a_sitting(path, notes, [T0.timestamp()])
    sitting.hear(Intent.START, routine="glutes")
    assert sitting.recorder.flush()  # the start is in the history
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # then another program takes the lock
        sitting.hear(Intent.PAIN)
        sitting.recorder.close()  # still under way: it ends as interrupted
        other.execute("ROLLBACK")
    assert notes[-1].endswith(f"1 pain report, 1 session end kept in {journal_path(path)}, "
                              "merged into it next time")
    with HistoryStore(path) as history:
        assert Journal(journal_path(path)).merge_into(history) == 2
        (session,) = history.sessions()
    assert session.how_it_ended == "interrupted" and len(session.pain) == 1


def test_a_merge_into_a_locked_history_leaves_the_journal_whole(
        locked: tuple[Path, sqlite3.Connection]):
    path, _ = locked
    journal = Journal(journal_path(path))
    journal.append([{"fact": "start", "session": "k-1", "at": T0.isoformat(),
                     "routine": "glutes", "title": "Glutes", "steps_total": 4, "pace": 1.0,
                     "source": "keyboard"}])
    before = journal.path.read_bytes()
    with HistoryStore(path, busy_timeout=0.05) as history, pytest.raises(HistoryError) as said:
        journal.merge_into(history)
    assert said.value.transient and "locked" in str(said.value)
    assert journal.path.read_bytes() == before


def test_a_line_cut_off_by_a_power_cut_is_left_out_and_the_rest_merged(tmp_path: Path):
    path = tmp_path / "history.sqlite3"
    journal = Journal(journal_path(path))
    start = {"fact": "start", "session": "k-1", "at": T0.isoformat(), "routine": "glutes",
             "title": "Glutes", "steps_total": 4, "pace": 1.0, "source": "keyboard"}
    pain = {"fact": "pain", "session": "k-1", "at": (T0 + timedelta(seconds=5)).isoformat(),
            "step_index": 0, "step_title": "Warm up", "side": None, "pressure": "light",
            "areas": ["glutes"]}
    journal.append([start, pain])
    with journal.path.open("a") as cut:
        cut.write('{"fact": "pain", "session": "k-1", "at": "2026-0')
    with HistoryStore(path) as history:
        assert journal.merge_into(history) == 2
        (session,) = history.sessions()
    assert [p.step_title for p in session.pain] == ["Warm up"]
    assert not journal.path.exists()


def test_voicecoach_history_merges_what_a_locked_session_kept_and_shows_it(
        locked: tuple[Path, sqlite3.Connection]):
    path, other = locked
    ran = voicecoach("run", "--keyboard", "--mute", "--plain", "glutes", history=path,
                     stdin="yes\nthat hurts\nstop\n")
    assert ran.returncode == 0, ran.stderr
    journal = journal_path(path)
    assert f"1 pain report, 1 session end kept in {journal}, merged into it next time" in \
        ran.stderr
    assert "not written to the history" not in ran.stderr
    while_locked = voicecoach("history", "--json", history=path)
    assert while_locked.returncode == 0, while_locked.stderr
    assert f"3 records kept in {journal} are not shown" in while_locked.stderr
    other.execute("ROLLBACK")
    shown = voicecoach("history", "--json", history=path)
    assert shown.returncode == 0, shown.stderr
    (session,) = json.loads(shown.stdout)
    assert session["how_it_ended"] == "stopped" and len(session["pain"]) == 1
    assert not journal.exists()

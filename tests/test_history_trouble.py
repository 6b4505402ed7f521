"""The history when the disk is full or another program holds it locked: looking needs no
space, a full disk is called full, and what a session could not write is kept, not lost."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from voicecoach.history import store as store_module
from voicecoach.history.store import HistoryStore

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

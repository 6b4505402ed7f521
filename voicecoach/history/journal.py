"""What a session could not write to the history (another program held it locked to the end, the
disk stayed full) is kept beside it in a small journal, and merged into it the next time the
history is opened for writing: nothing the user said is lost.

    history.journal   one JSON record a line, appended under a lock and synced to the disk

A record is one fact, as data: `apply` writes it to a store, for a session's writer at once and
for the merge later, so the two cannot drift apart. It names its session by a key that the
session's start record also carries, and, once the start is in the history, by its id there.
A line cut off by a power cut was never synced whole; the merge leaves it out.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from .store import HistoryStore, UnknownSession

Record = dict[str, Any]


class SessionLost(Exception):
    """A fact about a session whose start could not be written: it has nowhere to go."""


class Sessions(Protocol):
    """The history's id of the session a record names, and those of the sessions begun."""

    def id_of(self, record: Record) -> int:
        """Raises SessionLost when the session's start was never written."""

    def started(self, record: Record, session_id: int) -> None: ...


def journal_path(history: Path | str) -> Path:
    """`history.journal` beside `history.sqlite3`."""
    return Path(history).with_suffix(".journal")


def apply(store: HistoryStore, record: Record, sessions: Sessions) -> None:
    """Write the fact `record` to `store`, at the moment it happened."""
    at = datetime.fromisoformat(record["at"])
    fact = record["fact"]
    if fact == "start":
        sessions.started(record, store.begin_session(
            record["routine"], record["title"], record["steps_total"], record["pace"], at,
            record["source"]))
        return
    if fact == "note":  # about no session in particular when it names none
        about = None if record["session"] is None else sessions.id_of(record)
        store.record_note(about, record["kind"], record["detail"], at)
        return
    session = sessions.id_of(record)
    match fact:
        case "step finished":
            store.record_step_completed(session, record["index"], record["title"], at)
        case "step skipped":
            store.record_step_skipped(session, record["index"], record["title"], at)
        case "change":
            store.record_adjustment(session, record["change"], record["pace"],
                                    record["pressure_offset"], at)
        case "pain":
            store.record_pain(session, record["step_index"], record["step_title"],
                              record["side"], record["pressure"], record["areas"], at)
        case "end":
            store.finish_session(session, record["reason"], record["steps_completed"],
                                 record["pace"], record["pressure_offset"], at,
                                 record["steps_skipped"])
        case "end unfinished":
            store.end_unfinished(session, at, record["reason"])
        case _:
            raise ValueError(f"not a history fact: {fact!r}")


class _Merged:
    """Sessions during a merge: by their id in the history, else by the start merged before."""

    def __init__(self) -> None:
        self._by_key: dict[str, int] = {}

    def id_of(self, record: Record) -> int:
        if record.get("session_id") is not None:
            return int(record["session_id"])
        if record["session"] not in self._by_key:
            raise SessionLost(record["session"])
        return self._by_key[record["session"]]

    def started(self, record: Record, session_id: int) -> None:
        self._by_key[record["session"]] = session_id


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, records: Sequence[Record]) -> None:
        """Keep `records`, synced to the disk before this returns; OSError if they could not
        be (the file is then as it was)."""
        data = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        created = not self.path.exists()
        with self._locked(os.O_WRONLY | os.O_APPEND | os.O_CREAT) as fd:
            assert fd is not None  # made if missing
            size = os.lseek(fd, 0, os.SEEK_END)
            try:
                _write_all(fd, data.encode())
                os.fsync(fd)
            except OSError:
                with suppress(OSError):  # no half line for the next record to run into
                    os.ftruncate(fd, size)
                raise
        if created:  # its name too must survive a power cut
            _sync_folder(self.path.parent)

    def merge_into(self, store: HistoryStore) -> int:
        """Write every record kept here to `store` in one transaction, then empty the journal;
        how many were written. HistoryError (locked, full) leaves the journal as it was."""
        with self._locked(os.O_RDONLY) as fd:
            if fd is None:
                return 0
            records = list(_records(_read_all(fd)))
            sessions, written = _Merged(), 0
            with store.all_or_nothing():
                for record in records:
                    try:
                        apply(store, record, sessions)
                    except (SessionLost, UnknownSession):
                        continue  # its session's start is nowhere: it has nowhere to go
                    except (KeyError, TypeError, ValueError):
                        continue  # not a record this voicecoach can read
                    written += 1
            # Only once they are committed: a crash in between writes them twice, not never.
            self.path.unlink()
        return written

    def count(self) -> int:
        """How many records wait here."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return 0
        return sum(1 for _ in _records(text))

    @contextmanager
    def _locked(self, flags: int) -> Iterator[int | None]:
        """The journal's file, held under an exclusive lock, so that an append and a merge
        never interleave; None when there is no journal (without O_CREAT)."""
        while True:
            try:
                fd = os.open(self.path, flags, 0o600)  # pain reports: the user's own
            except FileNotFoundError:
                if flags & os.O_CREAT:
                    raise  # its folder is missing
                yield None
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                # A merge may have emptied and removed it while this waited: open it again.
                if _same_file(fd, self.path):
                    yield fd
                    return
            finally:
                os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def _records(text: str) -> Iterator[Record]:
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # cut off by a crash before it was synced
        if isinstance(record, dict) and "fact" in record and "at" in record:
            yield record


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _sync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

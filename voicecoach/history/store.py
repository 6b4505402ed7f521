"""The session history in one SQLite file: what happened in each session, written as it happens.

Every fact is its own short transaction, committed before the coach moves on, so a session cut
off by a crash or a power cut leaves everything it recorded so far, with no end. Times are stored
as ISO-8601 UTC text, which sorts in time order.
"""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs

from .records import Adjustment, Note, PainRecord, SessionRecord
from .schema import SchemaTooNew, migrate, roll_back, schema_version

ENV_VARIABLE = "VOICECOACH_HISTORY"
BUSY_TIMEOUT_SECONDS = 5.0
INTERRUPTED = "interrupted"

class HistoryError(Exception):
    """The history file cannot be used: one line naming the file, the cause and the fix."""


class UnknownSession(LookupError):
    """A write named a session id the history does not have (a bug in the caller)."""

    def __init__(self, session_id: int) -> None:
        super().__init__(f"no session {session_id} in the history")


def default_history_path() -> Path:
    configured = os.environ.get(ENV_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_data_path("voicecoach", appauthor=False) / "history.sqlite3"


# --- errors in the user's words ----------------------------------------------------------------


def _explain(name: str, exc: sqlite3.Error) -> HistoryError:
    code = getattr(exc, "sqlite_errorname", "") or ""
    elsewhere = f"or choose another file with --history or ${ENV_VARIABLE}"
    if code.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        aside = f"mv {shlex.quote(name)} {shlex.quote(name + '.broken')}"
        return HistoryError(
            f"{name}: not a voicecoach history database (damaged or another file). Fix: move "
            f"it aside ({aside}); voicecoach then starts a new history. Nothing else is lost."
        )
    if code.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
        return HistoryError(
            f"{name}: voicecoach may not write to it ({exc}). Fix: give yourself write "
            f"permission on the file and its folder (chmod u+w), {elsewhere}."
        )
    if code.startswith("SQLITE_CANTOPEN"):
        return HistoryError(
            f"{name}: cannot be opened (its folder is missing, or the file or folder is not "
            f"readable and writable for you). Fix: check their permissions, {elsewhere}."
        )
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return HistoryError(
            f"{name}: another program kept the history locked for more than "
            f"{BUSY_TIMEOUT_SECONDS:g} seconds. Fix: close the other voicecoach and try again."
        )
    if code.startswith("SQLITE_FULL"):
        return HistoryError(f"{name}: the disk is full. Fix: free some space and try again.")
    return HistoryError(f"{name}: {exc}. Fix: check the disk, {elsewhere}.")


@contextmanager
def _translated(name: str) -> Iterator[None]:
    """Problems with the file become a HistoryError; our own mistakes stay what they are."""
    try:
        yield
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise
    except SchemaTooNew as exc:
        raise HistoryError(f"{name}: {exc}") from exc
    except sqlite3.Error as exc:
        raise _explain(name, exc) from exc


# --- the store -----------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"history times must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _configure(connection: sqlite3.Connection) -> None:
    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    # Reading the header first: a file that is not a database fails here, before we write to it.
    schema_version(connection)
    # WAL: the CLI can read while a session writes, and neither waits for the other.
    connection.execute("PRAGMA journal_mode = WAL")
    # A Raspberry Pi loses power without warning. In WAL mode NORMAL may drop the last commits
    # on power loss; FULL syncs the log at every commit, so a fact we recorded stays recorded.
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")


def _connect(name: str) -> sqlite3.Connection:
    if name != ":memory:":
        try:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"{name}: cannot create its folder ({exc.strerror}). Fix: create it yourself, "
                f"or choose another file with --history or ${ENV_VARIABLE}."
            ) from exc
    with _translated(name):
        # check_same_thread=False: a session thread writes while others may read; the store's
        # lock makes that safe.
        connection = sqlite3.connect(name, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                     check_same_thread=False)
        try:
            _configure(connection)
            migrate(connection)
        except BaseException:
            connection.close()
            raise
    return connection


def _touch(db: sqlite3.Connection, session_id: int, stamp: str) -> None:
    cursor = db.execute(
        "UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE id = ?",
        (stamp, session_id),
    )
    if cursor.rowcount == 0:
        raise UnknownSession(session_id)


def _by_session(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row[1:])
    return grouped


def _pain(row: Sequence[Any]) -> PainRecord:
    session_id, at, routine, step_index, step_title, side, pressure, areas = row
    return PainRecord(session_id, _time(at), routine, step_index, step_title, side, pressure,
                      tuple(json.loads(areas)))


_PAIN_COLUMNS = "session_id, at, routine, step_index, step_title, side, pressure, areas"


class HistoryStore:
    """The history file, open: writes from a session, reads for `voicecoach history`.

    One connection guarded by a lock; every method is one short transaction.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._connection = _connect(self.path)

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        with self._lock, _translated(self.path):
            db = self._connection
            db.execute(begin)
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                roll_back(db)
                raise

    # --- writes ----------------------------------------------------------------------------------

    def begin_session(self, routine: str, routine_title: str, steps_total: int, pace: float,
                      at: datetime) -> int:
        stamp = _stamp(at)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine, routine_title, steps_total, started_at,"
                " last_activity_at, pace) VALUES (?, ?, ?, ?, ?, ?)",
                (routine, routine_title, steps_total, stamp, stamp, pace),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def record_step_completed(self, session_id: int, step_index: int, step_title: str,
                              at: datetime) -> None:
        stamp = _stamp(at)
        with self._transaction() as db:
            _touch(db, session_id, stamp)
            db.execute(
                "INSERT INTO steps_completed (session_id, step_index, step_title, at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (session_id, step_index) DO NOTHING",
                (session_id, step_index, step_title, stamp),
            )
            db.execute(
                "UPDATE sessions SET steps_completed = max(steps_completed,"
                " (SELECT count(*) FROM steps_completed WHERE session_id = ?)) WHERE id = ?",
                (session_id, session_id),
            )

    def record_adjustment(self, session_id: int, change: str, pace: float, pressure_offset: int,
                          at: datetime) -> None:
        stamp = _stamp(at)
        with self._transaction() as db:
            _touch(db, session_id, stamp)
            db.execute(
                "INSERT INTO adjustments (session_id, at, change, pace, pressure_offset)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, stamp, change, pace, pressure_offset),
            )
            db.execute("UPDATE sessions SET pace = ?, pressure_offset = ? WHERE id = ?",
                       (pace, pressure_offset, session_id))

    def record_pain(self, session_id: int, step_index: int, step_title: str, side: str | None,
                    pressure: str | None, areas: Sequence[str], at: datetime) -> None:
        stamp = _stamp(at)
        with self._transaction() as db:
            _touch(db, session_id, stamp)
            db.execute(
                f"INSERT INTO pain_reports ({_PAIN_COLUMNS})"
                " SELECT id, ?, routine, ?, ?, ?, ?, ? FROM sessions WHERE id = ?",
                (stamp, step_index, step_title, side, pressure, json.dumps(list(areas)),
                 session_id),
            )

    def record_note(self, session_id: int | None, kind: str, detail: str, at: datetime) -> None:
        stamp = _stamp(at)
        with self._transaction() as db:
            if session_id is not None:
                _touch(db, session_id, stamp)
            db.execute("INSERT INTO notes (session_id, at, kind, detail) VALUES (?, ?, ?, ?)",
                       (session_id, stamp, kind, detail))

    def finish_session(self, session_id: int, reason: str, steps_completed: int, pace: float,
                       pressure_offset: int, at: datetime) -> None:
        stamp = _stamp(at)
        with self._transaction() as db:
            _touch(db, session_id, stamp)
            db.execute(
                "UPDATE sessions SET ended_at = ?, end_reason = ?,"
                " steps_completed = max(steps_completed, ?), pace = ?, pressure_offset = ?"
                " WHERE id = ?",
                (stamp, reason, steps_completed, pace, pressure_offset, session_id),
            )

    def mark_unfinished_as_interrupted(self, session_id: int, at: datetime) -> None:
        """Ctrl-C: end the session as "interrupted", unless it has already ended."""
        stamp = _stamp(at)
        with self._transaction() as db:
            db.execute(
                "UPDATE sessions SET ended_at = ?, end_reason = ?,"
                " last_activity_at = max(last_activity_at, ?) WHERE id = ? AND ended_at IS NULL",
                (stamp, INTERRUPTED, stamp, session_id),
            )

    # --- reads -----------------------------------------------------------------------------------

    def sessions(self, since: datetime | None = None) -> list[SessionRecord]:
        """Sessions started at or after `since` (all if None), oldest first, with their facts."""
        # Every stamp sorts after "", so "" means "from the beginning".
        after = _stamp(since) if since is not None else ""
        chosen = "SELECT id FROM sessions WHERE started_at >= ?"
        # One read transaction: a consistent snapshot while a session may be writing.
        with self._transaction("BEGIN") as db:
            rows = db.execute(
                "SELECT id, routine, routine_title, started_at, last_activity_at, ended_at,"
                " end_reason, steps_completed, steps_total, pace, pressure_offset"
                " FROM sessions WHERE started_at >= ? ORDER BY started_at, id",
                (after,),
            ).fetchall()
            adjustments = _by_session(db.execute(
                "SELECT session_id, at, change, pace, pressure_offset FROM adjustments"
                f" WHERE session_id IN ({chosen}) ORDER BY at, id", (after,)))
            notes = _by_session(db.execute(
                f"SELECT session_id, at, kind, detail FROM notes WHERE session_id IN ({chosen})"
                " ORDER BY at, id", (after,)))
            pain: dict[int, list[PainRecord]] = defaultdict(list)
            for row in db.execute(f"SELECT {_PAIN_COLUMNS} FROM pain_reports"
                                  f" WHERE session_id IN ({chosen}) ORDER BY at, id", (after,)):
                pain[row[0]].append(_pain(row))
        return [
            SessionRecord(
                id=id_, routine=routine, routine_title=title, started_at=_time(started),
                last_activity_at=_time(last), ended_at=_time(ended) if ended else None,
                end_reason=reason, steps_completed=done, steps_total=total, pace=pace,
                pressure_offset=offset,
                adjustments=tuple(Adjustment(_time(at), change, pace_then, offset_then)
                                  for at, change, pace_then, offset_then in adjustments[id_]),
                pain=tuple(pain[id_]),
                notes=tuple(Note(_time(at), kind, detail) for at, kind, detail in notes[id_]),
            )
            for (id_, routine, title, started, last, ended, reason, done, total, pace,
                 offset) in rows
        ]

    def pain_reports(self, since: datetime | None = None) -> list[PainRecord]:
        """Pain reported at or after `since` (all if None), oldest first."""
        after = _stamp(since) if since is not None else ""
        with self._transaction("BEGIN") as db:
            rows = db.execute(f"SELECT {_PAIN_COLUMNS} FROM pain_reports WHERE at >= ?"
                              " ORDER BY at, id", (after,)).fetchall()
        return [_pain(row) for row in rows]

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

from ..core.errors import VoicecoachError
from .records import Adjustment, Note, PainRecord, SessionRecord, SessionSource
from .schema import MIGRATIONS, SchemaTooNew, migrate, roll_back, schema_version

ENV_VARIABLE = "VOICECOACH_HISTORY"
BUSY_TIMEOUT_S = 5.0
INTERRUPTED = "interrupted"
# Less free space than this, and a failing open or write is the full disk's doing: SQLite's
# shared memory alone asks for 32 KiB, and says "disk I/O error", not "full".
FULL_BELOW_BYTES = 64 * 1024

class HistoryError(VoicecoachError):
    """The history file cannot be used: one line naming the file, the cause and the fix.

    `transient`: the same write may well succeed later (another program holds the lock, the
    disk is full or failing), so a session's writer keeps the fact and tries again."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


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


def _disk_full(name: str) -> bool:
    """Whether the drive holding the history has (next to) no space left for the user."""
    try:
        drive = os.statvfs(Path(name).absolute().parent)
    except OSError:
        return False
    return drive.f_bavail * drive.f_frsize < FULL_BELOW_BYTES


def _full(name: str) -> HistoryError:
    return HistoryError(f"{name}: the disk is full. Fix: free some space and try again.",
                        transient=True)


def _explain(name: str, exc: sqlite3.Error) -> HistoryError:
    code = getattr(exc, "sqlite_errorname", "") or ""
    # Said by every command that opens the history; only `voicecoach history` has --history.
    elsewhere = f"or choose another file with ${ENV_VARIABLE}"
    if code.startswith(("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")) and (
            code.startswith("SQLITE_FULL") or _disk_full(name)):
        return _full(name)
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
            f"{name}: another program keeps the history locked. Fix: close the other "
            "voicecoach (or the program that has the file open) and try again.",
            transient=True,
        )
    return HistoryError(f"{name}: {exc}. Fix: check the disk, {elsewhere}.",
                        transient=code.startswith("SQLITE_IOERR"))


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


def _configure(connection: sqlite3.Connection, busy_timeout: float) -> None:
    connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    # Reading the header first: a file that is not a database fails here, before we write to it.
    schema_version(connection)
    # WAL: the CLI can read while a session writes, and neither waits for the other.
    connection.execute("PRAGMA journal_mode = WAL")
    # A Raspberry Pi loses power without warning. In WAL mode NORMAL may drop the last commits
    # on power loss; FULL syncs the log at every commit, so a fact we recorded stays recorded.
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")


def _connect(name: str, busy_timeout: float) -> sqlite3.Connection:
    if name != ":memory:":
        try:
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"{name}: cannot create its folder ({exc.strerror}). Fix: create it yourself, "
                f"or choose another file with ${ENV_VARIABLE}."
            ) from exc
    with _translated(name):
        # check_same_thread=False: a session thread writes while others may read; the store's
        # lock makes that safe.
        connection = sqlite3.connect(name, timeout=busy_timeout, isolation_level=None,
                                     check_same_thread=False)
        try:
            _configure(connection, busy_timeout)
            migrate(connection)
        except BaseException:
            connection.close()
            raise
    return connection


def _connect_to_read(name: str, busy_timeout: float) -> sqlite3.Connection:
    """The history opened read-only: looking at it needs no space, no lock and no write. On a
    full disk SQLite cannot even make its shared memory for the log; if the log holds nothing,
    the file alone is the whole history, and is read as it is (`immutable`)."""
    if name == ":memory:":
        return _connect(name, busy_timeout)
    uri = f"{Path(name).absolute().as_uri()}?mode=ro"
    with _translated(name):
        try:
            connection = _open_uri(uri, busy_timeout)
        except sqlite3.OperationalError:
            if not (_disk_full(name) and _log_is_empty(name)):
                raise
            connection = _open_uri(f"{uri}&immutable=1", busy_timeout)
        try:
            version = schema_version(connection)
            if version > len(MIGRATIONS):
                raise SchemaTooNew(version, len(MIGRATIONS))
        except BaseException:
            connection.close()
            raise
    if version < len(MIGRATIONS):  # from an older voicecoach: brought up to date first
        connection.close()
        return _connect(name, busy_timeout)
    return connection


def _open_uri(uri: str, busy_timeout: float) -> sqlite3.Connection:
    connection = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None,
                                 check_same_thread=False)
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        schema_version(connection)  # the first read: where a full disk's shared memory fails
    except BaseException:
        connection.close()
        raise
    return connection


def _log_is_empty(name: str) -> bool:
    """No write-ahead log, or an empty one: nothing committed lives outside the file."""
    try:
        return os.path.getsize(f"{name}-wal") == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _touch(db: sqlite3.Connection, session_id: int, stamp: str) -> None:
    cursor = db.execute(
        "UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE id = ?",
        (stamp, session_id),
    )
    if cursor.rowcount == 0:
        raise UnknownSession(session_id)


def _count_steps(db: sqlite3.Connection, session_id: int) -> None:
    db.execute(
        "UPDATE sessions SET steps_completed = max(steps_completed,"
        " (SELECT count(*) FROM steps_completed WHERE session_id = ?)),"
        " steps_skipped = (SELECT count(*) FROM steps_skipped WHERE session_id = ?) WHERE id = ?",
        (session_id, session_id, session_id),
    )


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

    def __init__(self, path: Path | str, busy_timeout: float = BUSY_TIMEOUT_S, *,
                 read_only: bool = False) -> None:
        """`busy_timeout`: how long one call waits for another program's lock (a session's
        writer waits briefly and retries, so that it can be stopped between tries).
        `read_only`: for looking only (`voicecoach history`): nothing is written, not even the
        log's mode, so a full disk or a locked file still shows the past sessions."""
        self.path = str(path)
        self._lock = threading.Lock()
        self._batch_thread: int | None = None  # the thread inside all_or_nothing(), if any
        self._connection = (_connect_to_read if read_only else _connect)(self.path,
                                                                         busy_timeout)

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """The writes made inside, from this thread, are one transaction: all are kept, or,
        if one fails with an error that is not caught inside, none."""
        with self._transaction():
            self._batch_thread = threading.get_ident()
            try:
                yield
            finally:
                self._batch_thread = None

    @contextmanager
    def _transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        if self._batch_thread == threading.get_ident():  # inside all_or_nothing(): its own
            yield self._connection
            return
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
                      at: datetime, source: str = SessionSource.MICROPHONE) -> int:
        """`source`: where the session's audio came from (a `SessionSource` value)."""
        stamp = _stamp(at)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine, routine_title, steps_total, started_at,"
                " last_activity_at, pace, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (routine, routine_title, steps_total, stamp, stamp, pace, str(source)),
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
            # Skipped once, done properly after going back: it is finished, not skipped.
            db.execute("DELETE FROM steps_skipped WHERE session_id = ? AND step_index = ?",
                       (session_id, step_index))
            _count_steps(db, session_id)

    def record_step_skipped(self, session_id: int, step_index: int, step_title: str,
                            at: datetime) -> None:
        """The user moved on ("next") before the step's hold was done; a step already
        finished stays finished."""
        stamp = _stamp(at)
        with self._transaction() as db:
            _touch(db, session_id, stamp)
            db.execute(
                "INSERT INTO steps_skipped (session_id, step_index, step_title, at)"
                " SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM steps_completed"
                " WHERE session_id = ? AND step_index = ?)"
                " ON CONFLICT (session_id, step_index) DO NOTHING",
                (session_id, step_index, step_title, stamp, session_id, step_index),
            )
            _count_steps(db, session_id)

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
                       pressure_offset: int, at: datetime, steps_skipped: int = 0) -> None:
        """The engine's counts are the truth at the end (a skipped step finished later is no
        longer skipped), except that a finished step recorded on its own is never lost."""
        stamp = _stamp(at)
        with self._transaction() as db:
            _touch(db, session_id, stamp)
            db.execute(
                "UPDATE sessions SET ended_at = ?, end_reason = ?,"
                " steps_completed = max(steps_completed, ?), steps_skipped = ?, pace = ?,"
                " pressure_offset = ? WHERE id = ?",
                (stamp, reason, steps_completed, steps_skipped, pace, pressure_offset,
                 session_id),
            )

    def end_unfinished(self, session_id: int, at: datetime, reason: str = INTERRUPTED) -> None:
        """The process is ending with the session under way: end it as `reason` ("interrupted"
        by Ctrl-C, "unfinished" when its recording ran out), unless it has already ended."""
        stamp = _stamp(at)
        with self._transaction() as db:
            db.execute(
                "UPDATE sessions SET ended_at = ?, end_reason = ?,"
                " last_activity_at = max(last_activity_at, ?) WHERE id = ? AND ended_at IS NULL",
                (stamp, reason, stamp, session_id),
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
                " end_reason, steps_completed, steps_skipped, steps_total, pace,"
                " pressure_offset, source FROM sessions WHERE started_at >= ?"
                " ORDER BY started_at, id",
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
                end_reason=reason, steps_completed=done, steps_skipped=skipped,
                steps_total=total, pace=pace, pressure_offset=offset, source=source,
                adjustments=tuple(Adjustment(_time(at), change, pace_then, offset_then)
                                  for at, change, pace_then, offset_then in adjustments[id_]),
                pain=tuple(pain[id_]),
                notes=tuple(Note(_time(at), kind, detail) for at, kind, detail in notes[id_]),
            )
            for (id_, routine, title, started, last, ended, reason, done, skipped, total, pace,
                 offset, source) in rows
        ]

    def notes_between_sessions(self, since: datetime | None = None) -> list[Note]:
        """Notes about no session (a device lost while `serve` waited), oldest first."""
        after = _stamp(since) if since is not None else ""
        with self._transaction("BEGIN") as db:
            rows = db.execute("SELECT at, kind, detail FROM notes WHERE session_id IS NULL"
                              " AND at >= ? ORDER BY at, id", (after,)).fetchall()
        return [Note(_time(at), kind, detail) for at, kind, detail in rows]

    def pain_reports(self, since: datetime | None = None, *,
                     from_recordings: bool = True) -> list[PainRecord]:
        """Pain reported at or after `since` (all if None), oldest first. `from_recordings`
        False: only what a person said (a test recording's "that hurts" is nobody's pain)."""
        after = _stamp(since) if since is not None else ""
        columns = ", ".join(f"p.{name.strip()}" for name in _PAIN_COLUMNS.split(","))
        skip = "" if from_recordings else " AND s.source NOT IN (?, ?)"
        args: tuple[str, ...] = (after,) if from_recordings else (
            after, SessionSource.RECORDING, SessionSource.DEMO)
        with self._transaction("BEGIN") as db:
            rows = db.execute(f"SELECT {columns} FROM pain_reports p JOIN sessions s"
                              f" ON s.id = p.session_id WHERE p.at >= ?{skip}"
                              " ORDER BY p.at, p.id", args).fetchall()
        return [_pain(row) for row in rows]

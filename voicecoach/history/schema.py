"""The history's schema and its migrations, by `PRAGMA user_version`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import suppress

from ..core.errors import VoicecoachError

# MIGRATIONS[i] brings a database at version i (PRAGMA user_version) to version i + 1. Append
# new entries; never edit one that has shipped, since databases out there already ran it.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        routine TEXT NOT NULL,
        routine_title TEXT NOT NULL,
        steps_total INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        last_activity_at TEXT NOT NULL,
        ended_at TEXT,
        end_reason TEXT,
        steps_completed INTEGER NOT NULL DEFAULT 0,
        pace REAL NOT NULL,
        pressure_offset INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_by_start ON sessions (started_at);

    CREATE TABLE adjustments (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        at TEXT NOT NULL,
        change TEXT NOT NULL,
        pace REAL NOT NULL,
        pressure_offset INTEGER NOT NULL
    );
    CREATE INDEX adjustments_by_session ON adjustments (session_id);

    CREATE TABLE pain_reports (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        at TEXT NOT NULL,
        routine TEXT NOT NULL,
        step_index INTEGER NOT NULL,
        step_title TEXT NOT NULL,
        side TEXT,
        pressure TEXT,
        areas TEXT NOT NULL DEFAULT '[]'  -- a JSON array of area names
    );
    CREATE INDEX pain_reports_by_time ON pain_reports (at);
    CREATE INDEX pain_reports_by_session ON pain_reports (session_id);

    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions (id),  -- NULL: about no session in particular
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX notes_by_session ON notes (session_id);

    CREATE TABLE steps_completed (
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        step_index INTEGER NOT NULL,
        step_title TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (session_id, step_index)  -- a step repeated still counts once
    );
    """,
    # 2: a skipped step is not a finished one; where the session's audio came from (a test
    # recording must not count as the user's pain). Sessions from before are of unknown source.
    """
    ALTER TABLE sessions ADD COLUMN steps_skipped INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown';

    CREATE TABLE steps_skipped (
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        step_index INTEGER NOT NULL,
        step_title TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (session_id, step_index)
    );
    """,
)



class SchemaTooNew(VoicecoachError):
    """The database was written by a newer voicecoach than this one."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"written by a newer voicecoach (history version {found}; this one knows up to "
            f"{known}). Fix: upgrade voicecoach (pip install --upgrade voicecoach), or choose "
            "another file with $VOICECOACH_HISTORY."
        )
        self.found = found
        self.known = known


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> Iterator[str]:
    """The script's statements one by one; a ';' inside a string or comment does not split."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending
            pending = ""
    if pending.strip(" \t\r\n;"):
        yield pending  # incomplete: let SQLite report the syntax error


def migrate(connection: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Bring the database to version len(migrations) and return that version.

    Each migration commits together with its version bump, so one that fails leaves the
    database whole at the version before it. The connection must be in autocommit mode
    (isolation_level=None): sqlite3's executescript() would commit half-way, so statements
    run one at a time inside our own transaction.
    """
    target = len(migrations)
    while (version := schema_version(connection)) != target:
        if version > target:
            raise SchemaTooNew(version, target)
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the write lock.
            if schema_version(connection) == version:
                for statement in _statements(migrations[version]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except BaseException:
            roll_back(connection)
            raise
    return target


def roll_back(connection: sqlite3.Connection) -> None:
    # The error that made us roll back is the one worth reporting, not a failed ROLLBACK
    # (SQLite has already rolled back by itself after some errors).
    with suppress(sqlite3.Error):
        if connection.in_transaction:
            connection.execute("ROLLBACK")

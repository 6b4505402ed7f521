"""The session history: an SQLite file of what happened in each session, and reports on it."""

from __future__ import annotations

from .records import Adjustment, Note, PainRecord, SessionRecord, SessionSource
from .report import history_json, history_table, notes_table, write_csv
from .schema import MIGRATIONS, SchemaTooNew, migrate
from .store import HistoryError, HistoryStore, UnknownSession, default_history_path

__all__ = [
    "MIGRATIONS",
    "Adjustment",
    "HistoryError",
    "HistoryStore",
    "Note",
    "PainRecord",
    "SchemaTooNew",
    "SessionRecord",
    "SessionSource",
    "UnknownSession",
    "default_history_path",
    "history_json",
    "history_table",
    "migrate",
    "notes_table",
    "write_csv",
]

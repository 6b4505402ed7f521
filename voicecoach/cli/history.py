"""`voicecoach history`: past sessions as a table, as JSON, or as a CSV for a physiotherapist."""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from ..core.wording import counted
from ..history import (
    HistoryError,
    HistoryStore,
    Note,
    SessionRecord,
    default_history_path,
    history_json,
    history_table,
    notes_table,
    write_csv,
)
from ..history.journal import Journal, journal_path
from .notes import note

MERGE_BUSY_TIMEOUT = 0.5  # a locked history is not worth a wait: it is read without the merge
NO_HISTORY = (
    "No sessions recorded yet. Say “start glutes” in `voicecoach run` and each session will be "
    "listed here."
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def positive_days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if not (math.isfinite(days) and days > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive number of days, e.g. 7")
    return days


def add_history_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    help_text = "list past sessions: when, which routine, how they ended, any pain"
    command = sub.add_parser("history", help=help_text, description=help_text)
    output = command.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="every field, as JSON")
    output.add_argument("--export", metavar="FILE.csv",
                        help="one row per session as CSV, e.g. for a physiotherapist "
                        "(- for standard output)")
    command.add_argument("--since", type=positive_days, metavar="DAYS",
                         help="only sessions started in the last DAYS days")
    command.add_argument("--history", metavar="PATH",
                         help="the history file (default: $VOICECOACH_HISTORY, else "
                         "history.sqlite3 in your user data folder)")
    command.set_defaults(run=run_history)


def since_from(days: float | None, now: datetime) -> datetime | None:
    """`days` before `now`; None (every session) without `--since`."""
    if days is None:
        return None
    try:
        return now - timedelta(days=days)
    except OverflowError:  # more days than the calendar holds: everything
        return None


def read_history(path: Path, since: datetime | None) -> tuple[list[SessionRecord], list[Note]]:
    """The sessions, and the device notes from while no session ran."""
    # Looking must not create a history: no file simply means no sessions yet.
    if not path.exists():
        return [], []
    _merge_journal(path)
    # Read-only: looking needs no space and no lock, so a full disk still shows the past.
    with HistoryStore(path, read_only=True) as store:
        return store.sessions(since), store.notes_between_sessions(since)


def _merge_journal(path: Path) -> None:
    """What a session kept beside the history when it could not write it, merged in first, so
    that it is shown; if the history cannot be written yet, it waits for next time."""
    journal = Journal(journal_path(path))
    if not journal.path.exists():
        return
    try:
        with HistoryStore(path, busy_timeout=MERGE_BUSY_TIMEOUT) as store:
            journal.merge_into(store)
    except (HistoryError, sqlite3.Error, OSError) as exc:
        note(f"{journal.count()} records kept in {journal.path} are not shown: they cannot be "
             f"merged into the history yet ({exc})")


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def _export(records: Sequence[SessionRecord], target: str, out: Console) -> None:
    if target == "-":
        write_csv(records, out.file)
        return
    path = Path(target).expanduser()
    try:
        # With the byte-order mark, spreadsheet programs read the file as UTF-8, not Latin-1.
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            write_csv(records, file)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot write the export ({exc.strerror}). Fix: choose a "
                           "file in a folder you can write to.") from exc
    out.print(f"{_sessions(len(records))} written to {path}", markup=False, highlight=False)


def run_history(args: argparse.Namespace, out: Console,
                now: Callable[[], datetime] = utc_now) -> int:
    """`now` is the clock `--since` counts back from (a fixed one in tests)."""
    path = Path(args.history).expanduser() if args.history else default_history_path()
    records, between = read_history(path, since_from(args.since, now()))
    if args.export:
        _export(records, args.export, out)
    elif args.json:
        out.file.write(json.dumps(history_json(records), indent=2, ensure_ascii=False) + "\n")
    elif records or between:
        if records:
            out.print(history_table(records, out.width))
        if between:  # README: device failures are kept in the history; so they are shown
            out.print(notes_table(between))
    else:
        nothing = (f"No sessions in the last {counted(args.since, 'day')}." if args.since
                   else NO_HISTORY)
        out.print(nothing, markup=False, highlight=False)
    return 0

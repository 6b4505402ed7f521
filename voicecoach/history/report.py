"""Past sessions for people: a table for the terminal, JSON for programs, CSV for a physio.

Pure formatting: records in, text out. Times are shown in the machine's local time zone.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import IO, Any

from rich.table import Table

from ..fitting_tables import first_that_fits
from .records import Note, PainRecord, SessionRecord

TIMES = "\N{MULTIPLICATION SIGN}"

CSV_COLUMNS = (
    "date", "start", "end", "minutes", "seconds", "routine", "steps completed", "steps skipped",
    "steps total", "ended", "audio from", "pace at end", "pressure change", "adjustments",
    "pain reports", "pain details", "notes",
)


def _minutes(record: SessionRecord) -> str:
    return f"{record.duration_seconds / 60:.1f}"


def length(seconds: float) -> str:
    """A session's length for people: "42 s" under a minute (in minutes it would read 0.7),
    else minutes to a tenth."""
    if seconds < 60:
        return f"{round(seconds)} s"
    return f"{seconds / 60:.1f} min"


def steps_summary(record: SessionRecord) -> str:
    """ "3 of 4", or "1 of 4, 3 skipped": a skipped step is not a finished one."""
    done = f"{record.steps_completed} of {record.steps_total}"
    return f"{done}, {record.steps_skipped} skipped" if record.steps_skipped else done


def note_line(note: Note) -> str:
    """ "14:05 fault: microphone: unplugged"."""
    return f"{_clock(note.at)} {note.kind}: {note.detail}"


def notes_summary(notes: Sequence[Note]) -> str:
    return "; ".join(note_line(note) for note in notes)


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def changes_summary(record: SessionRecord) -> str:
    """The adjustments asked for, in the order first asked; a repeat shows its count after a
    multiplication sign (slower twice, then lighter once: "slower" TIMES "2, lighter")."""
    counts = Counter(adjustment.change.replace("_", " ") for adjustment in record.adjustments)
    return ", ".join(change if n == 1 else f"{change} {TIMES}{n}" for change, n in counts.items())


def _where(report: PainRecord) -> str:
    side = f", {report.side}" if report.side else ""
    return f"step {report.step_number} {report.step_title}{side}"


def pain_summary(record: SessionRecord) -> str:
    """How many pain reports and where: "2 (step 2 Figure four, left)"."""
    if not record.pain:
        return ""
    places = "; ".join(dict.fromkeys(_where(report) for report in record.pain))
    return f"{len(record.pain)} ({places})"


def pain_detail(report: PainRecord) -> str:
    """One report, for a physio: "14:05 step 2 Figure four (left, medium pressure; glutes)"."""
    pressure = f"{report.pressure} pressure" if report.pressure else ""
    how = ", ".join(part for part in (report.side, pressure) if part)
    inside = "; ".join(part for part in (how, ", ".join(report.areas)) if part)
    where = f"{_clock(report.at)} step {report.step_number} {report.step_title}"
    return f"{where} ({inside})" if inside else where


def pressure_change(offset: int) -> str:
    if offset == 0:
        return "none"
    levels = "level" if abs(offset) == 1 else "levels"
    return f"{abs(offset)} {levels} {'firmer' if offset > 0 else 'lighter'}"


def history_table(records: Sequence[SessionRecord], width: int | None = None) -> Table:
    """A row per session, in `width` columns (None: as wide as it takes). Columns empty for
    every session are left out; when the rest would cut words, "from" goes under "ended" and
    changes, pain and notes share one column, each on its own line."""
    return first_that_fits([lambda: _wide_table(records), lambda: _narrow_table(records)], width)


def _started(record: SessionRecord) -> str:
    return record.started_at.astimezone().strftime("%Y-%m-%d %H:%M")


def _wide_table(records: Sequence[SessionRecord]) -> Table:
    cells = {
        "date": [_started(record) for record in records],
        "routine": [record.routine_title for record in records],
        "length": [length(record.duration_seconds) for record in records],
        "steps": [steps_summary(record) for record in records],
        "ended": [record.how_it_ended for record in records],
        "from": [record.source for record in records],
        "changes": [changes_summary(record) for record in records],
        "pain": [pain_summary(record) for record in records],
        "notes": [notes_summary(record.notes) for record in records],
    }
    return _table({name: column for name, column in cells.items() if any(column)})


def _narrow_table(records: Sequence[SessionRecord]) -> Table:
    def remarks(record: SessionRecord) -> str:
        pain = pain_summary(record)
        lines = [changes_summary(record), f"pain: {pain}" if pain else ""]
        return "\n".join(line for line in [*lines, *map(note_line, record.notes)] if line)

    cells = {
        "date": [_started(record) for record in records],
        "routine": [record.routine_title for record in records],
        "length": [length(record.duration_seconds) for record in records],
        "steps": [steps_summary(record) for record in records],
        "ended, from": [f"{record.how_it_ended}\n{record.source}" for record in records],
        "changes, pain, notes": [remarks(record) for record in records],
    }
    return _table({name: column for name, column in cells.items() if any(column)})


def _table(columns: dict[str, list[str]]) -> Table:
    table = Table(title="Massage sessions", caption="times are local")
    for name in columns:
        # A length ("20.0 min") or an ending ("interrupted") is read whole, never wrapped.
        table.add_column(name, justify="right" if name == "length" else "left",
                         no_wrap=name in ("length", "ended"))
    for row in zip(*columns.values(), strict=True):
        table.add_row(*row)
    return table


def notes_table(notes: Sequence[Note]) -> Table:
    """Device failures and recoveries while no session ran (`serve` waiting)."""
    table = Table(title="Between sessions", caption="times are local")
    for column in ("date", "what", "detail"):
        table.add_column(column)
    for note in notes:
        table.add_row(note.at.astimezone().strftime("%Y-%m-%d %H:%M"), note.kind, note.detail)
    return table


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def history_json(records: Sequence[SessionRecord]) -> list[dict[str, Any]]:
    """Every field of every session, times as ISO-8601 UTC, plus how it ended and its length."""
    return [
        _jsonable({**asdict(record), "how_it_ended": record.how_it_ended,
                   "duration_seconds": record.duration_seconds})
        for record in records
    ]


def _csv_row(record: SessionRecord) -> dict[str, str]:
    start = record.started_at.astimezone()
    return {
        "date": start.strftime("%Y-%m-%d"),
        "start": _clock(start),
        "end": _clock(record.ended_at) if record.ended_at else "",
        "minutes": _minutes(record),
        "seconds": str(round(record.duration_seconds)),
        "routine": record.routine_title,
        "steps completed": str(record.steps_completed),
        "steps skipped": str(record.steps_skipped),
        "steps total": str(record.steps_total),
        "ended": record.how_it_ended,
        "audio from": record.source,
        "pace at end": f"{round(record.pace, 2):g}",
        "pressure change": pressure_change(record.pressure_offset),
        "adjustments": changes_summary(record),
        "pain reports": str(len(record.pain)),
        "pain details": "; ".join(pain_detail(report) for report in record.pain),
        "notes": notes_summary(record.notes),
    }


def write_csv(records: Sequence[SessionRecord], file: IO[str]) -> None:
    """One row per session. Open `file` with newline="" as the csv module requires."""
    writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(_csv_row(record) for record in records)

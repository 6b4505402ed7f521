"""A history of four weeks of typed sessions on a fake clock, with pain in two areas: what
`voicecoach report` is tested on, and what the README's picture is made from
(`scripts/report-picture`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from voicecoach.history import HistoryStore, SessionSource

# A Monday, 09:00 UTC: the four weeks start on 2, 9, 16 and 23 March 2026 in UTC and in UTC+2.
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = MONDAY + timedelta(days=26, hours=10)  # Saturday of the fourth week, 19:00 UTC
STEPS = {"glutes": ("Glutes release", ["Warm up", "Kneading", "Figure four", "Circles"]),
         "outer-hip": ("Outer hip", ["Warm up", "Side lying", "Cool down"])}


@dataclass(frozen=True)
class Typed:
    """One session as typed at the keyboard: when (days and hours after MONDAY), what, how."""

    day: float
    routine: str
    minutes: float
    ending: str = "completed"  # completed, stopped, or "" (cut off: no end recorded)
    steps_done: int | None = None  # None: all of them
    skipped: int = 0
    changes: tuple[str, ...] = ()
    pain: tuple[tuple[str, str], ...] = ()  # (area, pressure) per report
    source: str = SessionSource.KEYBOARD


SESSIONS = (
    # week 1: two sessions, pain in the glutes at medium pressure, a slower pace asked for
    Typed(0, "glutes", 12, changes=("slower", "lighter"), pain=(("glutes", "medium"),)),
    Typed(2, "glutes", 11, changes=("slower",)),
    # week 2: three; the outer hip hurts at firm pressure and one session is stopped after it
    Typed(7, "glutes", 12, pain=(("glutes", "medium"),)),
    Typed(9, "outer-hip", 6, ending="stopped", steps_done=1,
          pain=(("outer hip", "firm"), ("outer hip", "firm"))),
    Typed(11, "glutes", 10, steps_done=3, skipped=1),
    # week 3: two; less pain, a session cut off by Ctrl-C
    Typed(14, "outer-hip", 9, pain=(("outer hip", "medium"),)),
    Typed(16, "glutes", 4, ending="", steps_done=1),
    # week 4: four sessions, no pain, one firmer: the routine is getting easy
    Typed(21, "glutes", 12),
    Typed(22, "outer-hip", 9),
    Typed(24, "glutes", 12, changes=("firmer",)),
    Typed(25, "outer-hip", 9),
    # a test recording's session: nobody's progress, left out of the report
    Typed(23, "glutes", 3, source=SessionSource.RECORDING, pain=(("glutes", "firm"),)),
)


def write_history(path: Path, sessions: tuple[Typed, ...] = SESSIONS) -> Path:
    with HistoryStore(path) as store:
        for typed in sessions:
            _write(store, typed)
    return path


def _write(store: HistoryStore, typed: Typed) -> None:
    title, steps = STEPS[typed.routine]
    start = MONDAY + timedelta(days=typed.day)
    end = start + timedelta(minutes=typed.minutes)
    session = store.begin_session(typed.routine, title, len(steps), 1.0, start, typed.source)
    done = len(steps) if typed.steps_done is None else typed.steps_done
    pace, offset = 1.0, 0
    for n, change in enumerate(typed.changes):
        pace *= {"slower": 0.8, "faster": 1.25}.get(change, 1.0)
        offset += {"lighter": -1, "firmer": 1}.get(change, 0)
        store.record_adjustment(session, change, pace, offset, start + timedelta(minutes=n + 1))
    for n, (area, pressure) in enumerate(typed.pain):
        store.record_pain(session, 1, steps[1], "left", pressure, [area],
                          start + timedelta(minutes=3 + n))
    for index in range(done):
        store.record_step_completed(session, index, steps[index],
                                    start + timedelta(minutes=typed.minutes * (index + 1) /
                                                      (len(steps) + 1)))
    for index in range(done, done + typed.skipped):
        store.record_step_skipped(session, index, steps[index], end - timedelta(minutes=1))
    if typed.ending:
        store.finish_session(session, typed.ending, done, pace, offset, end, typed.skipped)
    else:
        store.end_unfinished(session, end)

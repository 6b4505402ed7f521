"""The figures of `voicecoach report`: what the history says about progress, week by week.

Pure: records in, figures out. The period's end ("now") and the time zone weeks and dates are
counted in are arguments; nothing here reads the clock, a file or the routine library (the
caller passes each routine's body areas).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from ..core.precautions import PAIN_WINDOW_S, PastPain, persistent_pain
from .records import NOT_A_PERSON, SessionRecord

FINISHED = "finished"
STOPPED = "stopped"
STOPPED_AFTER_PAIN = "stopped after pain"
CUT_OFF = "cut off"  # Ctrl-C, a crash or a recording that ran out: the session never ended
ENDINGS = (FINISHED, STOPPED, STOPPED_AFTER_PAIN, CUT_OFF)
# The changes a user can ask for, in the order a reader weighs them: easier, then harder.
CHANGES = ("slower", "lighter", "more time", "faster", "firmer")
UNKNOWN_AREA = "other"  # a routine no longer in the library: its areas are not known
# The coach's pain rule looks back this far, whatever period the report covers.
ADVICE_LOOKBACK = timedelta(seconds=PAIN_WINDOW_S)


@dataclass(frozen=True)
class Period:
    """What the report covers: from `start` (None: the first session) to `end`, "now"."""

    start: datetime | None
    end: datetime


@dataclass(frozen=True)
class Progress:
    """Every figure the report shows. Counts per week follow `weeks` (each a Monday, local)."""

    first_day: date  # the period, as local dates
    last_day: date
    sessions: tuple[SessionRecord, ...]  # the person's sessions in the period, oldest first
    left_out: int  # sessions in the period run on a recording or the demo
    weeks: tuple[date, ...]
    sessions_per_week: tuple[int, ...]
    minutes_per_week: tuple[float, ...]
    minutes_by_area: tuple[tuple[str, float], ...]  # most first
    pain_by_area: tuple[tuple[str, tuple[int, ...]], ...]  # per week, areas most reported first
    pain_by_pressure: tuple[tuple[str, int], ...]  # light, medium, firm, "not known"
    endings: tuple[tuple[str, int], ...]  # in ENDINGS' order, every one
    steps_skipped_per_week: tuple[int, ...]
    changes: tuple[tuple[str, int], ...]  # in CHANGES' order, every one
    advice: str | None  # the coach's own words when pain keeps coming back, else None

    @property
    def minutes(self) -> float:
        return sum(self.minutes_per_week)

    @property
    def pain_reports(self) -> int:
        return sum(sum(counts) for _, counts in self.pain_by_area)

    @property
    def steps_skipped(self) -> int:
        return sum(self.steps_skipped_per_week)


def week_of(moment: datetime, zone: tzinfo | None) -> date:
    """The Monday of `moment`'s week, in `zone` (None: the machine's local time zone)."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def ending(record: SessionRecord) -> str:
    """How a session ended, in the report's words."""
    if record.end_reason == "completed":
        return FINISHED
    if record.end_reason == "stopped":
        return STOPPED_AFTER_PAIN if record.pain else STOPPED
    return CUT_OFF


def progress(records: Sequence[SessionRecord], period: Period,
             routine_areas: Mapping[str, Sequence[str]], zone: tzinfo | None = None) -> Progress:
    """The figures for `period` from `records`, which may reach further back: the coach's
    advice about recurring pain looks at the fourteen days before `period.end`, as the coach
    does at the start of a session, even when the period is shorter."""
    people = [r for r in records if r.source not in NOT_A_PERSON and r.started_at <= period.end]
    chosen = tuple(r for r in people if period.start is None or r.started_at >= period.start)
    in_period = [r for r in records if period.start is None or r.started_at >= period.start]
    start = period.start or (chosen[0].started_at if chosen else period.end)
    weeks = _Weeks(week_of(start, zone), week_of(period.end, zone), zone)
    per_week = weeks.totals
    sessions = per_week([(r.started_at, 1) for r in chosen])
    minutes = per_week([(r.started_at, r.duration_seconds / 60) for r in chosen])
    skipped = per_week([(r.started_at, r.steps_skipped) for r in chosen])
    return Progress(
        first_day=start.astimezone(zone).date(),
        last_day=period.end.astimezone(zone).date(),
        sessions=chosen,
        left_out=len(in_period) - len(chosen),
        weeks=weeks.mondays,
        sessions_per_week=tuple(round(n) for n in sessions),
        minutes_per_week=tuple(minutes),
        minutes_by_area=_minutes_by_area(chosen, routine_areas),
        pain_by_area=_pain_by_area(chosen, per_week),
        pain_by_pressure=_pain_by_pressure(chosen),
        endings=tuple((name, sum(ending(r) == name for r in chosen)) for name in ENDINGS),
        steps_skipped_per_week=tuple(round(n) for n in skipped),
        changes=_changes(chosen),
        advice=_advice(people, period.end),
    )


class _Weeks:
    """The weeks of the period, each named by its Monday, and sums of values per week."""

    def __init__(self, first: date, last: date, zone: tzinfo | None) -> None:
        count = max((last - first).days // 7 + 1, 1)
        self.mondays = tuple(first + timedelta(weeks=n) for n in range(count))
        self._index = {week: position for position, week in enumerate(self.mondays)}
        self._zone = zone

    def totals(self, values: Sequence[tuple[datetime, float]]) -> list[float]:
        sums = [0.0] * len(self.mondays)
        for moment, value in values:
            sums[self._position(week_of(moment, self._zone))] += value
        return sums

    def _position(self, week: date) -> int:
        # A session still under way may record pain after the report's "now", past the last
        # week: it counts in the nearest one.
        if week in self._index:
            return self._index[week]
        return 0 if week < self.mondays[0] else len(self.mondays) - 1


def _minutes_by_area(records: Sequence[SessionRecord],
                     routine_areas: Mapping[str, Sequence[str]]) -> tuple[tuple[str, float], ...]:
    # A session's minutes are shared equally among its routine's areas: the history keeps how
    # long a session took, not how long each step did.
    totals: defaultdict[str, float] = defaultdict(float)
    for record in records:
        areas = list(routine_areas.get(record.routine, ())) or [UNKNOWN_AREA]
        for area in areas:
            totals[area] += record.duration_seconds / 60 / len(areas)
    return tuple(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def _pain_by_area(records: Sequence[SessionRecord],
                  per_week: Callable[[Sequence[tuple[datetime, float]]], list[float]],
                  ) -> tuple[tuple[str, tuple[int, ...]], ...]:
    reports = [report for record in records for report in record.pain]
    by_area: dict[str, list[tuple[datetime, float]]] = {}
    for report in reports:
        for area in report.areas or (UNKNOWN_AREA,):
            by_area.setdefault(area, []).append((report.at, 1))
    counted = {area: tuple(round(n) for n in per_week(moments))
               for area, moments in by_area.items()}
    return tuple(sorted(counted.items(), key=lambda item: (-sum(item[1]), item[0])))


def _pain_by_pressure(records: Sequence[SessionRecord]) -> tuple[tuple[str, int], ...]:
    counts = Counter(report.pressure or "not known" for r in records for report in r.pain)
    order = ["light", "medium", "firm"]
    named = [level for level in order if counts[level]]
    others = sorted(level for level in counts if level not in order)
    return tuple((level, counts[level]) for level in [*named, *others])


def _changes(records: Sequence[SessionRecord]) -> tuple[tuple[str, int], ...]:
    counts = Counter(a.change.replace("_", " ") for r in records for a in r.adjustments)
    return tuple((change, counts[change]) for change in CHANGES)


def _advice(records: Sequence[SessionRecord], now: datetime) -> str | None:
    reports = [PastPain(report.session_id, report.at.timestamp(), report.areas)
               for r in records for report in r.pain]
    pattern = persistent_pain(reports, now.timestamp())
    return pattern.spoken if pattern is not None else None

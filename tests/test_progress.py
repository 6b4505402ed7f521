"""The report's figures from records, with no file, clock or plotting: weeks counted in the
time zone given, minutes shared among areas, endings named, the coach's advice applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from voicecoach.core.phrasebook import PAIN_IN_SESSIONS, PERSISTENT_PAIN_ADVICE
from voicecoach.history import Adjustment, PainRecord, SessionRecord, SessionSource
from voicecoach.history.progress import (
    CUT_OFF,
    FINISHED,
    STOPPED,
    STOPPED_AFTER_PAIN,
    UNKNOWN_AREA,
    Period,
    ending,
    progress,
    week_of,
)

SUNDAY_NIGHT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # Monday 01:30 in UTC+2
PLUS_TWO = timezone(timedelta(hours=2))
AREAS = {"glutes": ["glutes"], "full-hip": ["glutes", "hamstrings", "outer hip", "piriformis"]}


def session(id_: int, start: datetime, minutes: float = 10, routine: str = "glutes",
            reason: str | None = "completed", pain: int = 0, changes: tuple[str, ...] = (),
            source: str = SessionSource.KEYBOARD, skipped: int = 0) -> SessionRecord:
    end = start + timedelta(minutes=minutes)
    return SessionRecord(
        id=id_, routine=routine, routine_title=routine.title(), started_at=start,
        last_activity_at=end, ended_at=end if reason else None, end_reason=reason,
        steps_completed=3, steps_total=4, pace=1.0, pressure_offset=0,
        adjustments=tuple(Adjustment(start, change, 1.0, 0) for change in changes),
        pain=tuple(PainRecord(id_, start + timedelta(minutes=1), routine, 0, "Warm up", None,
                              "medium", ("glutes",)) for _ in range(pain)),
        notes=(), steps_skipped=skipped, source=source)


def test_weeks_start_on_monday_in_the_time_zone_given() -> None:
    assert week_of(SUNDAY_NIGHT, UTC).isoformat() == "2026-02-23"
    assert week_of(SUNDAY_NIGHT, PLUS_TWO).isoformat() == "2026-03-02"


def test_every_week_of_the_period_is_counted_even_an_empty_one() -> None:
    records = [session(1, SUNDAY_NIGHT), session(2, SUNDAY_NIGHT + timedelta(days=8))]
    figures = progress(records, Period(None, SUNDAY_NIGHT + timedelta(days=9)), AREAS, UTC)
    assert [week.isoformat() for week in figures.weeks] == [
        "2026-02-23", "2026-03-02", "2026-03-09"]
    assert figures.sessions_per_week == (1, 0, 1)
    assert figures.first_day.isoformat() == "2026-03-01"


def test_a_sessions_minutes_are_shared_among_its_routines_areas() -> None:
    records = [session(1, SUNDAY_NIGHT, minutes=20, routine="full-hip"),
               session(2, SUNDAY_NIGHT, minutes=5, routine="glutes"),
               session(3, SUNDAY_NIGHT, minutes=2, routine="deleted-routine")]
    figures = progress(records, Period(None, SUNDAY_NIGHT + timedelta(hours=1)), AREAS, UTC)
    assert dict(figures.minutes_by_area) == {
        "glutes": 10, "hamstrings": 5, "outer hip": 5, "piriformis": 5, UNKNOWN_AREA: 2}
    assert figures.minutes == 27


def test_endings_are_told_apart_by_pain() -> None:
    assert ending(session(1, SUNDAY_NIGHT)) == FINISHED
    assert ending(session(1, SUNDAY_NIGHT, reason="stopped")) == STOPPED
    assert ending(session(1, SUNDAY_NIGHT, reason="stopped", pain=1)) == STOPPED_AFTER_PAIN
    assert ending(session(1, SUNDAY_NIGHT, reason="interrupted")) == CUT_OFF
    assert ending(session(1, SUNDAY_NIGHT, reason=None)) == CUT_OFF


def test_recordings_are_left_out_and_counted_as_left_out() -> None:
    records = [session(1, SUNDAY_NIGHT),
               session(2, SUNDAY_NIGHT, source=SessionSource.RECORDING, pain=3)]
    figures = progress(records, Period(None, SUNDAY_NIGHT + timedelta(hours=1)), AREAS, UTC)
    assert [record.id for record in figures.sessions] == [1]
    assert figures.left_out == 1
    assert figures.pain_reports == 0


def test_the_advice_is_the_coachs_when_pain_came_in_three_sessions() -> None:
    records = [session(n, SUNDAY_NIGHT + timedelta(days=2 * n), pain=1) for n in range(3)]
    now = SUNDAY_NIGHT + timedelta(days=5)
    figures = progress(records, Period(None, now), AREAS, UTC)
    assert figures.advice == f"{PAIN_IN_SESSIONS.say(sessions=3)} {PERSISTENT_PAIN_ADVICE.say()}"
    # Three weeks on, the pain is older than the coach's fourteen days: no advice.
    later = progress(records, Period(None, now + timedelta(days=21)), AREAS, UTC)
    assert later.advice is None


def test_changes_and_skips_are_counted_in_a_fixed_order() -> None:
    records = [session(1, SUNDAY_NIGHT, changes=("slower", "slower", "more_time"), skipped=2),
               session(2, SUNDAY_NIGHT, changes=("firmer",))]
    figures = progress(records, Period(None, SUNDAY_NIGHT + timedelta(hours=1)), AREAS, UTC)
    assert figures.changes == (("slower", 2), ("lighter", 0), ("more time", 1), ("faster", 0),
                               ("firmer", 1))
    assert figures.steps_skipped == 2

"""The session history file: schema, migrations, every write and read, crashes and errors."""

from __future__ import annotations

import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from voicecoach.history import (
    MIGRATIONS,
    HistoryError,
    HistoryStore,
    UnknownSession,
    default_history_path,
    migrate,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TABLES = {"sessions", "adjustments", "pain_reports", "notes", "steps_completed", "steps_skipped"}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def raw(path: Path | str) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def store(path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(path) as opened:
        yield opened


def begin(store: HistoryStore, at: datetime = T0, routine: str = "glutes") -> int:
    return store.begin_session(routine, f"{routine.title()} release", 4, 1.0, at)


# --- schema and migrations -----------------------------------------------------------------------


def test_a_new_history_is_created_at_the_latest_version_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "history.sqlite3"
    HistoryStore(path).close()
    with closing(raw(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 2
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        assert tables >= TABLES
        assert {"sessions_by_start", "pain_reports_by_time"} <= tables
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_connection_syncs_fully_and_enforces_foreign_keys(store: HistoryStore) -> None:
    # Per-connection settings, so only the store's own connection can show them.
    db = store._connection
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_reopening_keeps_what_was_recorded(path: Path) -> None:
    with HistoryStore(path) as store:
        session = begin(store)
    with HistoryStore(path) as store:
        assert [record.id for record in store.sessions()] == [session]


def test_a_history_from_a_newer_voicecoach_is_refused_with_upgrade_advice(path: Path) -> None:
    with closing(raw(path)) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path)
    message = str(caught.value)
    assert str(path) in message and "newer voicecoach" in message and "upgrade" in message
    with closing(raw(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 99


def test_a_failing_migration_leaves_the_previous_version_and_its_data(path: Path) -> None:
    with HistoryStore(path) as store:
        session = begin(store)
    broken = "ALTER TABLE sessions ADD COLUMN mood TEXT; INSERT INTO no_such_table VALUES (1);"
    db = raw(path)
    with pytest.raises(sqlite3.OperationalError):
        migrate(db, (*MIGRATIONS, broken))
    assert not db.in_transaction
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
    assert "mood" not in columns
    db.close()
    with HistoryStore(path) as store:
        assert [record.id for record in store.sessions()] == [session]


def test_a_new_migration_is_applied_once_with_its_version(path: Path) -> None:
    HistoryStore(path).close()
    # A ';' inside a string must not split the statement.
    second = ("ALTER TABLE sessions ADD COLUMN mood TEXT;\n"
              "INSERT INTO notes (at, kind, detail) VALUES ('2024-05-01', 'migrated', 'a;b');")
    db = raw(path)
    latest = len(MIGRATIONS) + 1
    assert migrate(db, (*MIGRATIONS, second)) == latest
    assert migrate(db, (*MIGRATIONS, second)) == latest
    assert db.execute("PRAGMA user_version").fetchone()[0] == latest
    assert "mood" in {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
    assert db.execute("SELECT detail FROM notes").fetchall() == [("a;b",)]
    db.close()


# --- errors in the user's words ------------------------------------------------------------------


def test_a_file_that_is_not_a_database_names_the_file_and_the_fix(path: Path) -> None:
    text = "shopping list: arnica, foam roller\n" * 20
    path.write_text(text)
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: not a voicecoach history database")
    assert f"mv {path} {path}.broken" in message and "new history" in message
    assert path.read_text() == text  # never written to


def test_a_folder_that_cannot_be_created_is_a_history_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(HistoryError, match="cannot create its folder"):
        HistoryStore(blocker / "history.sqlite3")


def test_a_folder_given_as_the_history_file_is_a_history_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=f"^{re.escape(str(tmp_path))}: cannot be opened.*Fix:"):
        HistoryStore(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to read-only files")
def test_a_read_only_history_is_a_history_error(path: Path) -> None:
    HistoryStore(path).close()
    path.chmod(0o444)
    with pytest.raises(HistoryError, match=r"may not write|cannot be opened"), \
            HistoryStore(path) as store:
        begin(store)


# --- writes --------------------------------------------------------------------------------------


def test_a_begun_session_is_unfinished_with_its_routine_and_start(store: HistoryStore) -> None:
    session = store.begin_session("glutes", "Glutes release", 4, 0.9, T0)
    [record] = store.sessions()
    assert (record.id, record.routine, record.routine_title) == (session, "glutes",
                                                                 "Glutes release")
    assert record.started_at == record.last_activity_at == T0
    assert record.started_at.tzinfo is not None and record.started_at.utcoffset() == timedelta(0)
    assert (record.steps_total, record.steps_completed, record.pace) == (4, 0, 0.9)
    assert record.ended_at is None and record.end_reason is None
    assert record.how_it_ended == "unfinished"


def test_times_in_other_zones_are_stored_as_the_same_instant(store: HistoryStore) -> None:
    berlin_summer = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    begin(store, at=berlin_summer)
    assert store.sessions()[0].started_at == T0


def test_naive_times_are_refused(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        begin(store, at=datetime(2024, 5, 1, 12, 0))


def test_a_step_completed_twice_counts_once(store: HistoryStore) -> None:
    session = begin(store)
    store.record_step_completed(session, 0, "Kneading", T0 + minutes(2))
    store.record_step_completed(session, 0, "Kneading", T0 + minutes(3))
    store.record_step_completed(session, 1, "Circles", T0 + minutes(4))
    [record] = store.sessions()
    assert record.steps_completed == 2
    assert record.last_activity_at == T0 + minutes(4)


def test_an_adjustment_is_kept_and_sets_the_sessions_pace_and_pressure(
        store: HistoryStore) -> None:
    session = begin(store)
    store.record_adjustment(session, "slower", 0.8, 0, T0 + minutes(1))
    store.record_adjustment(session, "lighter", 0.8, -1, T0 + minutes(2))
    [record] = store.sessions()
    assert [(a.change, a.pace, a.pressure_offset, a.at) for a in record.adjustments] == [
        ("slower", 0.8, 0, T0 + minutes(1)), ("lighter", 0.8, -1, T0 + minutes(2))]
    assert (record.pace, record.pressure_offset) == (0.8, -1)
    assert record.last_activity_at == T0 + minutes(2)


def test_a_pain_report_keeps_where_and_how_with_the_sessions_routine(
        store: HistoryStore) -> None:
    session = begin(store, routine="outer-hip")
    store.record_pain(session, 2, "Figure four", "left", "medium", ["glutes", "hips"],
                      T0 + minutes(5))
    store.record_pain(session, 0, "Kneading", None, None, [], T0 + minutes(6))
    first, second = store.sessions()[0].pain
    assert (first.session_id, first.routine, first.step_index, first.step_number) == (
        session, "outer-hip", 2, 3)
    assert (first.step_title, first.side, first.pressure, first.areas) == (
        "Figure four", "left", "medium", ("glutes", "hips"))
    assert first.at == T0 + minutes(5)
    assert (second.side, second.pressure, second.areas) == (None, None, ())
    assert store.sessions()[0].last_activity_at == T0 + minutes(6)


def test_notes_belong_to_their_session_or_to_none(store: HistoryStore) -> None:
    session = begin(store)
    store.record_note(session, "fault", "microphone disconnected", T0 + minutes(7))
    store.record_note(None, "fault", "no speaker found", T0 + minutes(8))
    [record] = store.sessions()
    assert [(n.kind, n.detail, n.at) for n in record.notes] == [
        ("fault", "microphone disconnected", T0 + minutes(7))]
    assert record.last_activity_at == T0 + minutes(7)
    with closing(raw(store.path)) as db:
        assert db.execute("SELECT count(*) FROM notes WHERE session_id IS NULL").fetchone() == (1,)


def test_finishing_records_the_end_and_keeps_the_larger_step_count(store: HistoryStore) -> None:
    session = begin(store)
    for index in range(3):
        store.record_step_completed(session, index, f"step {index}", T0 + minutes(index))
    store.finish_session(session, "stopped", 2, 1.25, 1, T0 + minutes(20))
    [record] = store.sessions()
    assert record.steps_completed == 3
    assert (record.ended_at, record.end_reason, record.how_it_ended) == (
        T0 + minutes(20), "stopped", "stopped")
    assert (record.pace, record.pressure_offset) == (1.25, 1)
    assert record.duration_seconds == 20 * 60

    other = begin(store, at=T0 + minutes(30))
    store.finish_session(other, "completed", 4, 1.0, 0, T0 + minutes(50))
    assert store.sessions()[1].steps_completed == 4


def test_an_unfinished_session_lasts_until_its_last_activity(store: HistoryStore) -> None:
    session = begin(store)
    store.record_step_completed(session, 0, "Kneading", T0 + minutes(4))
    assert store.sessions()[0].duration_seconds == 4 * 60


def test_ctrl_c_marks_only_an_unfinished_session_interrupted(store: HistoryStore) -> None:
    running, done = begin(store), begin(store, at=T0 + minutes(1))
    store.finish_session(done, "completed", 4, 1.0, 0, T0 + minutes(9))
    store.end_unfinished(running, T0 + minutes(10))
    store.end_unfinished(done, T0 + minutes(10))
    first, second = store.sessions()
    assert (first.how_it_ended, first.ended_at) == ("interrupted", T0 + minutes(10))
    assert (second.how_it_ended, second.ended_at) == ("completed", T0 + minutes(9))


def test_writes_to_an_unknown_session_are_refused_and_leave_nothing(store: HistoryStore) -> None:
    writes: list[Callable[[], None]] = [
        lambda: store.record_step_completed(42, 0, "Kneading", T0),
        lambda: store.record_adjustment(42, "slower", 0.8, 0, T0),
        lambda: store.record_pain(42, 0, "Kneading", None, None, [], T0),
        lambda: store.record_note(42, "fault", "x", T0),
        lambda: store.finish_session(42, "completed", 1, 1.0, 0, T0),
    ]
    for write in writes:
        with pytest.raises(UnknownSession):
            write()
    with closing(raw(store.path)) as db:
        for table in TABLES:
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


# --- reads ---------------------------------------------------------------------------------------


def test_sessions_come_oldest_first_and_since_filters_by_start(store: HistoryStore) -> None:
    late = begin(store, at=T0 + timedelta(days=2))
    early = begin(store, at=T0)
    store.record_adjustment(early, "faster", 1.2, 0, T0 + timedelta(days=3))  # after `since`
    assert [record.id for record in store.sessions()] == [early, late]
    assert [record.id for record in store.sessions(since=T0 + timedelta(days=1))] == [late]
    assert [record.id for record in store.sessions(since=T0)] == [early, late]
    assert store.sessions(since=T0 + timedelta(days=5)) == []


def test_each_session_gets_only_its_own_facts(store: HistoryStore) -> None:
    first, second = begin(store), begin(store, at=T0 + minutes(30))
    store.record_pain(second, 1, "Circles", "right", "firm", ["glutes"], T0 + minutes(31))
    store.record_adjustment(first, "firmer", 1.0, 1, T0 + minutes(2))
    one, two = store.sessions()
    assert (len(one.pain), len(one.adjustments)) == (0, 1)
    assert (len(two.pain), len(two.adjustments)) == (1, 0)


def test_pain_reports_since_come_oldest_first_across_sessions(store: HistoryStore) -> None:
    first, second = begin(store), begin(store, at=T0 + timedelta(days=1))
    store.record_pain(second, 1, "Circles", "right", None, ["glutes"], T0 + timedelta(days=1))
    store.record_pain(first, 0, "Kneading", None, "firm", [], T0 + minutes(5))
    reports = store.pain_reports()
    assert [(r.session_id, r.step_title) for r in reports] == [
        (first, "Kneading"), (second, "Circles")]
    assert [r.step_title for r in store.pain_reports(since=T0 + timedelta(hours=1))] == [
        "Circles"]


def test_an_in_memory_history_works() -> None:
    with HistoryStore(":memory:") as store:
        session = begin(store)
        store.record_step_completed(session, 0, "Kneading", T0)
        assert store.sessions()[0].steps_completed == 1


# --- crashes and sharing -------------------------------------------------------------------------

CHILD = """
import sys, time
from datetime import UTC, datetime
from voicecoach.history import HistoryStore

store = HistoryStore(sys.argv[1])
at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
session = store.begin_session("glutes", "Glutes release", 4, 1.0, at)
store.record_step_completed(session, 0, "Kneading", at)
store.record_pain(session, 1, "Figure four", "left", "medium", ["glutes"], at)
print("ready", flush=True)
time.sleep(120)
"""


def test_a_session_killed_mid_way_leaves_every_fact_and_no_end(path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None
        readable, _, _ = select.select([child.stdout], [], [], 60)
        assert readable and child.stdout.readline().strip() == "ready"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    # The facts are still only in the write-ahead log: recovery is what is being tested.
    assert Path(f"{path}-wal").exists()
    with HistoryStore(path) as store:
        assert store._connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        [record] = store.sessions()
        [pain] = record.pain
    assert record.how_it_ended == "unfinished" and record.ended_at is None
    assert record.steps_completed == 1
    assert (pain.step_title, pain.side, pain.pressure, pain.areas) == (
        "Figure four", "left", "medium", ("glutes",))


def test_a_reader_on_the_same_file_does_not_block_the_session_writing(path: Path) -> None:
    with HistoryStore(path) as writer, HistoryStore(path) as reader:
        session = begin(writer)
        assert [record.id for record in reader.sessions()] == [session]
        # An open read transaction elsewhere: without WAL the writer could not commit now.
        other = raw(path)
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM sessions").fetchone()
        writer.record_step_completed(session, 0, "Kneading", T0 + minutes(1))
        other.execute("COMMIT")
        other.close()
        assert reader.sessions()[0].steps_completed == 1


def test_a_session_thread_can_write_while_another_thread_reads(store: HistoryStore) -> None:
    session = begin(store)

    def write_steps() -> None:
        for index in range(50):
            store.record_step_completed(session, index, f"step {index}", T0 + minutes(index))

    writer = threading.Thread(target=write_steps)
    writer.start()
    seen = [store.sessions()[0].steps_completed for _ in range(20)]
    writer.join()
    assert seen == sorted(seen)
    assert store.sessions()[0].steps_completed == 50


def test_the_default_history_path_is_the_variable_or_the_user_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_history_path() == tmp_path / "data" / "voicecoach" / "history.sqlite3"
    monkeypatch.setenv("VOICECOACH_HISTORY", str(tmp_path / "mine.sqlite3"))
    assert default_history_path() == tmp_path / "mine.sqlite3"


# --- skipped steps and where the audio came from ----------------------------------------------


def test_a_skipped_step_counts_apart_and_finishing_it_later_makes_it_finished(
        store: HistoryStore) -> None:
    session = begin(store)
    store.record_step_skipped(session, 0, "Kneading", T0 + minutes(1))
    store.record_step_skipped(session, 1, "Circles", T0 + minutes(2))
    store.record_step_completed(session, 0, "Kneading", T0 + minutes(5))  # went back, held it
    store.record_step_skipped(session, 0, "Kneading", T0 + minutes(6))  # finished stays finished
    (record,) = store.sessions()
    assert (record.steps_completed, record.steps_skipped) == (1, 1)


def test_pain_from_recordings_is_left_out_of_a_persons_pain(store: HistoryStore) -> None:
    person = store.begin_session("glutes", "Glutes", 3, 1.0, T0, "keyboard")
    recording = store.begin_session("glutes", "Glutes", 3, 1.0, T0 + minutes(1), "recording")
    for session in (person, recording):
        store.record_pain(session, 0, "Kneading", None, None, ["glutes"], T0 + minutes(2))
    assert [p.session_id for p in store.pain_reports()] == [person, recording]
    assert [p.session_id for p in store.pain_reports(from_recordings=False)] == [person]
    assert [r.source for r in store.sessions()] == ["keyboard", "recording"]


def test_sessions_from_before_sources_were_kept_are_of_unknown_source(path: Path) -> None:
    with closing(raw(path)) as db:
        migrate(db, MIGRATIONS[:1])
        db.execute("INSERT INTO sessions (routine, routine_title, steps_total, started_at,"
                   " last_activity_at, pace) VALUES ('glutes', 'Glutes', 3, ?, ?, 1)",
                   (T0.isoformat(),) * 2)
    with HistoryStore(path) as store:
        (record,) = store.sessions()
    assert (record.source, record.steps_skipped) == ("unknown", 0)

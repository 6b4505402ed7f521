"""`voicecoach history`: the table, JSON and CSV a user or a physiotherapist sees."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from voicecoach.cli.history import NO_HISTORY, add_history_command, run_history
from voicecoach.history import HistoryError, HistoryStore, history_json
from voicecoach.history.report import TIMES, pain_detail, pressure_change

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)  # 14:00 in the test's time zone (UTC+2)
NOW = T0 + timedelta(days=10)


# Dates and weeks are shown in local time (.astimezone()): the zone is pinned to UTC+2.
pytestmark = pytest.mark.usefixtures("local_time_is_utc_plus_two")


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(prog="voicecoach")
    add_history_command(built.add_subparsers(dest="command", required=True))
    return built


def history(*argv: str, now: datetime = NOW) -> tuple[int, str]:
    args = parser().parse_args(["history", *argv])
    buffer = io.StringIO()
    code = args.run(args, Console(file=buffer, width=250), now=lambda: now)
    return code, buffer.getvalue()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def recorded(path: Path) -> Path:
    """Two sessions: a finished one with changes and pain, then an unfinished one."""
    with HistoryStore(path) as store:
        first = store.begin_session("glutes", "Glutes release", 4, 1.0, T0)
        for index, title in enumerate(("Kneading", "Figure four", "Circles")):
            store.record_step_completed(first, index, title, T0 + timedelta(minutes=5 * index))
        store.record_adjustment(first, "slower", 0.8, 0, T0 + timedelta(minutes=1))
        store.record_adjustment(first, "lighter", 0.8, -1, T0 + timedelta(minutes=2))
        store.record_adjustment(first, "slower", 0.64, -1, T0 + timedelta(minutes=3))
        for minute in (5, 7):
            store.record_pain(first, 1, "Figure four", "left", "medium", ["glutes"],
                              T0 + timedelta(minutes=minute))
        store.finish_session(first, "completed", 3, 0.64, -1, T0 + timedelta(minutes=20))
        second = store.begin_session("outer-hip", "Outer hip", 3, 1.0, T0 + timedelta(days=3))
        store.record_step_completed(second, 0, "Warm up", T0 + timedelta(days=3, minutes=6))
    return path


def flat(text: str) -> str:
    return " ".join(text.split())


# --- no history ----------------------------------------------------------------------------------


def test_no_history_says_how_to_start_and_creates_no_file(path: Path) -> None:
    code, out = history("--history", str(path))
    assert code == 0 and flat(NO_HISTORY) in flat(out)
    assert "start glutes" in out and "voicecoach run" in out
    assert not path.exists() and not list(path.parent.iterdir())


def test_the_default_history_file_is_read_without_creating_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICECOACH_HISTORY", str(tmp_path / "sub" / "h.sqlite3"))
    code, out = history()
    assert code == 0 and "No sessions recorded yet" in out
    assert not (tmp_path / "sub").exists()


def test_no_history_as_json_is_an_empty_list(path: Path) -> None:
    code, out = history("--json", "--history", str(path))
    assert code == 0 and json.loads(out) == []


def test_the_default_history_file_is_the_one_sessions_write(
        recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICECOACH_HISTORY", str(recorded))
    assert len(json.loads(history("--json")[1])) == 2


# --- the table -----------------------------------------------------------------------------------


def test_the_table_shows_local_start_routine_minutes_steps_ending_changes_and_pain(
        recorded: Path) -> None:
    code, out = history("--history", str(recorded))
    assert code == 0
    finished = next(line for line in out.splitlines() if "Glutes release" in line)
    for cell in ("2024-05-01 14:00", "20.0", "3 of 4", "completed", f"slower {TIMES}2, lighter",
                 "2 (step 2 Figure four, left)"):
        assert cell in finished, cell
    unfinished = next(line for line in out.splitlines() if "Outer hip" in line)
    for cell in ("2024-05-04 14:00", "6.0", "1 of 3", "unfinished"):
        assert cell in unfinished, cell


def test_since_counts_days_back_from_the_injected_clock(recorded: Path) -> None:
    _, out = history("--since", "2", "--history", str(recorded), now=T0 + timedelta(days=4))
    assert "Outer hip" in out and "Glutes release" not in out
    _, out = history("--since", "4.5", "--history", str(recorded), now=T0 + timedelta(days=4))
    assert "Outer hip" in out and "Glutes release" in out
    code, out = history("--since", "7", "--history", str(recorded), now=T0 + timedelta(days=30))
    assert code == 0 and "No sessions in the last 7 days." in out


@pytest.mark.parametrize("days", ["0", "-3", "soon", "nan", "inf"])
def test_since_takes_only_a_positive_number_of_days(
        days: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["history", "--since", days])
    assert "--since" in capsys.readouterr().err


def test_json_and_export_cannot_be_asked_for_together(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["history", "--json", "--export", "x.csv"])
    assert "not allowed with" in capsys.readouterr().err


# --- JSON ----------------------------------------------------------------------------------------


def test_json_has_every_field_with_iso_times(recorded: Path) -> None:
    code, out = history("--json", "--history", str(recorded))
    first, second = json.loads(out)
    assert code == 0
    assert first["routine"] == "glutes" and first["routine_title"] == "Glutes release"
    assert datetime.fromisoformat(first["started_at"]) == T0
    assert datetime.fromisoformat(first["ended_at"]) == T0 + timedelta(minutes=20)
    assert (first["end_reason"], first["how_it_ended"]) == ("completed", "completed")
    assert (first["steps_completed"], first["steps_total"]) == (3, 4)
    assert (first["pace"], first["pressure_offset"], first["duration_seconds"]) == (0.64, -1, 1200)
    assert [a["change"] for a in first["adjustments"]] == ["slower", "lighter", "slower"]
    assert first["pain"][0] == {
        "session_id": first["id"], "at": (T0 + timedelta(minutes=5)).isoformat(),
        "routine": "glutes", "step_index": 1, "step_title": "Figure four", "side": "left",
        "pressure": "medium", "areas": ["glutes"]}
    assert first["notes"] == []
    assert second["ended_at"] is None and second["how_it_ended"] == "unfinished"


def test_json_rows_are_the_same_as_the_report_function(recorded: Path) -> None:
    with HistoryStore(recorded) as store:
        expected = history_json(store.sessions())
    assert json.loads(history("--json", "--history", str(recorded))[1]) == expected


# --- CSV for a physiotherapist ------------------------------------------------------------------


def test_export_writes_one_row_per_session_for_a_physiotherapist(
        recorded: Path, tmp_path: Path) -> None:
    target = tmp_path / "for-physio.csv"
    code, out = history("--export", str(target), "--history", str(recorded))
    assert code == 0 and f"2 sessions written to {target}" in flat(out)
    with target.open(encoding="utf-8-sig", newline="") as file:
        first, second = list(csv.DictReader(file))
    assert first == {
        "date": "2024-05-01", "start": "14:00", "end": "14:20", "minutes": "20.0",
        "seconds": "1200", "routine": "Glutes release", "steps completed": "3",
        "steps skipped": "0", "steps total": "4", "ended": "completed",
        "audio from": "microphone", "pace at end": "0.64", "pressure change": "1 level lighter",
        "adjustments": f"slower {TIMES}2, lighter", "pain reports": "2",
        "pain details": "14:05 step 2 Figure four (left, medium pressure; glutes); "
                        "14:07 step 2 Figure four (left, medium pressure; glutes)",
        "notes": "",
    }
    assert (second["date"], second["end"], second["ended"]) == ("2024-05-04", "", "unfinished")
    assert (second["pain reports"], second["pain details"], second["adjustments"]) == ("0", "", "")
    assert second["pressure change"] == "none"


def test_export_to_a_dash_writes_the_csv_to_standard_output(recorded: Path) -> None:
    code, out = history("--export", "-", "--history", str(recorded), "--since", "9")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [row["routine"] for row in rows] == ["Outer hip"]


def test_export_to_a_folder_that_does_not_exist_is_a_history_error(
        recorded: Path, tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"cannot write the export.*Fix:"):
        history("--export", str(tmp_path / "no" / "x.csv"), "--history", str(recorded))


def test_pain_details_leave_out_what_was_not_said() -> None:
    from voicecoach.history import PainRecord

    bare = PainRecord(1, T0, "glutes", 0, "Kneading", None, None, ())
    assert pain_detail(bare) == "14:00 step 1 Kneading"
    sided = PainRecord(1, T0, "glutes", 0, "Kneading", "right", None, ("glutes", "hips"))
    assert pain_detail(sided) == "14:00 step 1 Kneading (right; glutes, hips)"


def test_pressure_change_is_said_in_levels() -> None:
    assert [pressure_change(n) for n in (-2, -1, 0, 1, 2)] == [
        "2 levels lighter", "1 level lighter", "none", "1 level firmer", "2 levels firmer"]


# --- errors --------------------------------------------------------------------------------------


def test_a_damaged_history_is_a_history_error_naming_the_file(path: Path) -> None:
    path.write_bytes(b"\x00garbage that is not SQLite\n" * 50)
    expected = f"^{re.escape(str(path))}: not a voicecoach history database"
    with pytest.raises(HistoryError, match=expected):
        history("--history", str(path))


def test_the_command_runs_run_history() -> None:
    assert parser().parse_args(["history"]).run is run_history


# --- skipped steps, where the audio came from, short sessions, device notes -----------------------


@pytest.fixture
def eventful(path: Path) -> Path:
    """A 42-second session on a recording with skipped steps, and a microphone lost and found
    in a session and between sessions."""
    with HistoryStore(path) as store:
        short = store.begin_session("glutes", "Glutes release", 4, 1.0, T0, "recording")
        store.record_step_completed(short, 0, "Kneading", T0 + timedelta(seconds=10))
        for index in (1, 2, 3):
            store.record_step_skipped(short, index, "Later", T0 + timedelta(seconds=20))
        store.record_note(short, "fault", "microphone: unplugged", T0 + timedelta(seconds=30))
        store.record_note(short, "recovered", "microphone back", T0 + timedelta(seconds=40))
        store.finish_session(short, "stopped", 1, 1.0, 0, T0 + timedelta(seconds=42),
                             steps_skipped=3)
        store.record_note(None, "fault", "loudspeaker: gone", T0 + timedelta(hours=1))
    return path


def test_the_table_shows_skips_the_audio_source_seconds_and_notes(eventful: Path) -> None:
    _, out = history("--history", str(eventful))
    row = next(line for line in out.splitlines() if "Glutes release" in line)
    for cell in ("42 s", "1 of 4, 3 skipped", "stopped", "recording",
                 "14:00 fault: microphone: unplugged; 14:00 recovered: microphone back"):
        assert cell in flat(row), cell
    assert "0.7" not in row
    between = next(line for line in out.splitlines() if "loudspeaker" in line)
    assert "2024-05-01 15:00" in between and "gone" in between


def test_a_history_with_only_device_notes_shows_them(path: Path) -> None:
    with HistoryStore(path) as store:
        store.record_note(None, "fault", "microphone: unplugged", T0)
    _, out = history("--history", str(path))
    assert "microphone: unplugged" in out and NO_HISTORY not in flat(out)


def test_json_and_csv_keep_skips_source_exact_seconds_and_notes(eventful: Path) -> None:
    (record,) = json.loads(history("--json", "--history", str(eventful))[1])
    assert (record["steps_completed"], record["steps_skipped"]) == (1, 3)
    assert (record["source"], record["duration_seconds"]) == ("recording", 42)
    assert [(n["kind"], n["detail"]) for n in record["notes"]] == [
        ("fault", "microphone: unplugged"), ("recovered", "microphone back")]
    (row,) = csv.DictReader(io.StringIO(history("--export", "-", "--history", str(eventful))[1]))
    assert (row["steps completed"], row["steps skipped"], row["seconds"]) == ("1", "3", "42")
    assert row["audio from"] == "recording"
    assert row["notes"] == "14:00 fault: microphone: unplugged; 14:00 recovered: microphone back"


def test_the_table_at_80_columns_cuts_no_routine_date_or_ending(path: Path) -> None:
    import subprocess
    import sys

    with HistoryStore(path) as store:
        first = store.begin_session("heat-and-ice", "Heat, then ice, for a sore hip", 3, 1.0, T0)
        store.record_adjustment(first, "slower", 0.8, 0, T0 + timedelta(minutes=1))
        store.record_pain(first, 1, "Figure four", "left", "medium", ["glutes"],
                          T0 + timedelta(minutes=2))
        store.record_note(first, "fault", "microphone: unplugged", T0 + timedelta(minutes=3))
        store.finish_session(first, "interrupted", 1, 0.8, 0, T0 + timedelta(minutes=7),
                             steps_skipped=1)
        second = store.begin_session("glutes-roller", "Glutes on a foam roller", 4, 1.0,
                                     T0 + timedelta(days=1), "keyboard")
        store.finish_session(second, "completed", 4, 1.0, 0, T0 + timedelta(days=1, minutes=7))
    result = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--history",
                             str(path)], capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "COLUMNS": "80"})
    out = result.stdout
    assert result.returncode == 0 and "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    words = set(out.replace("│", " ").split())
    for word in ("2024-05-01", "2024-05-02", "interrupted", "completed", "keyboard",
                 "microphone", "skipped", "Figure", "unplugged"):
        assert word in words, word
    assert re.search(r"\d\d:\d\d", out)  # the start time, whole

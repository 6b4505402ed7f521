"""Sessions recorded in the history: through the recorder on a fake clock, and by a real
`voicecoach run` process that is killed or interrupted mid-session."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from voicecoach.core import (
    Action,
    Command,
    Event,
    Heard,
    Intent,
    Say,
    SessionEngine,
    SessionState,
    SpeechFinished,
    Tick,
)
from voicecoach.core.phrasebook import (
    PAIN_WARNING_DECLINED,
    PERSISTENT_PAIN_ADVICE,
    SAFETY_BRIEF,
)
from voicecoach.history.records import SessionSource
from voicecoach.history.store import HistoryError, HistoryStore, default_history_path
from voicecoach.session.recorder import SessionRecorder
from voicecoach.settings import Settings, load_settings

from .conftest import make_routine

DAY = 24 * 3600.0
ACCEPTED = Settings(safety_brief_accepted=datetime(2026, 1, 1, tzinfo=UTC))


class Sitting:
    """The engine and the recorder wired as the session runners wire them, on fake clocks."""

    def __init__(self, recorder: SessionRecorder, wall: list[float]) -> None:
        self.engine = SessionEngine({"glutes": make_routine("glutes")})
        self.recorder, self.wall, self.now = recorder, wall, 0.0
        self.said: list[str] = []
        recorder.start()
        self.send(recorder.precautions())

    def send(self, event: Event) -> None:
        actions = self.engine.handle(event, self.now)
        for action in actions:
            self._act(action)
        if any(isinstance(action, Say) for action in actions):
            self.send(SpeechFinished())  # an instant speaker

    def _act(self, action: Action) -> None:
        if isinstance(action, Say):
            self.said.append(action.text)
        if self.recorder.record(action):
            self.send(self.recorder.precautions())

    def hear(self, intent: Intent, **slots: str) -> None:
        self.now += 1.0
        self.wall[0] += 1.0
        self.send(Heard(Command(intent, dict(slots))))


def a_day_with_pain(sitting: Sitting, wall: list[float]) -> None:
    wall[0] += DAY
    sitting.hear(Intent.START, routine="glutes")
    if sitting.engine.state is SessionState.ASKING:
        sitting.hear(Intent.YES)
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.STOP)


def test_pain_in_three_sessions_makes_the_next_start_recommend_a_professional():
    wall = [datetime(2026, 11, 1, tzinfo=UTC).timestamp()]
    history = HistoryStore(":memory:")
    sitting = Sitting(SessionRecorder(history, ACCEPTED, None, print, lambda: wall[0]), wall)
    for _ in range(2):
        a_day_with_pain(sitting, wall)
    wall[0] += DAY
    sitting.hear(Intent.START, routine="glutes")
    assert sitting.engine.state is SessionState.HOLDING  # two sessions: no warning yet
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.STOP)

    wall[0] += DAY
    sitting.hear(Intent.START, routine="glutes")
    assert sitting.engine.state is SessionState.ASKING
    assert "3 sessions" in sitting.said[-1] and PERSISTENT_PAIN_ADVICE in sitting.said[-1]
    sitting.hear(Intent.YES)
    assert sitting.engine.state is SessionState.HOLDING
    assert sitting.recorder.flush()
    assert len(history.sessions()) == 4

    wall[0] += 15 * DAY  # a fortnight later the old reports have aged out
    sitting.hear(Intent.STOP)
    sitting.hear(Intent.START, routine="glutes")
    assert sitting.engine.state is SessionState.HOLDING
    sitting.recorder.close()


def test_pain_twice_in_one_session_makes_the_next_start_warn():
    wall = [datetime(2026, 11, 1, tzinfo=UTC).timestamp()]
    sitting = Sitting(SessionRecorder(HistoryStore(":memory:"), ACCEPTED, None, print,
                                      lambda: wall[0]), wall)
    sitting.hear(Intent.START, routine="glutes")
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.YES)  # "shall we stop?"
    sitting.hear(Intent.START, routine="glutes")
    assert "your glutes more than once in a day" in sitting.said[-1]
    sitting.recorder.close()


def test_an_accepted_brief_is_saved_in_the_settings_and_not_read_again(tmp_path: Path):
    path = tmp_path / "settings.toml"
    wall = [datetime(2026, 11, 25, 9, 30, tzinfo=UTC).timestamp()]
    recorder = SessionRecorder(HistoryStore(":memory:"), Settings(), path, print,
                               lambda: wall[0])
    sitting = Sitting(recorder, wall)
    sitting.hear(Intent.START, routine="glutes")
    assert SAFETY_BRIEF in sitting.said[-1]
    sitting.hear(Intent.YES)
    assert recorder.flush()
    assert load_settings(path).safety_brief_accepted == datetime(2026, 11, 25, 9, 30, 2,
                                                                  tzinfo=UTC)
    sitting.hear(Intent.STOP)
    sitting.hear(Intent.START, routine="glutes")
    assert sitting.engine.state is SessionState.HOLDING
    recorder.close()


def test_every_session_brings_the_brief_back_each_time():
    wall = [0.0]
    settings = ACCEPTED.model_copy(update={"safety_brief_every_session": True})
    sitting = Sitting(SessionRecorder(None, settings, None, print, lambda: wall[0]), wall)
    for _ in range(2):
        sitting.hear(Intent.START, routine="glutes")
        assert SAFETY_BRIEF in sitting.said[-1]
        sitting.hear(Intent.YES)
        sitting.hear(Intent.STOP)
    sitting.recorder.close()


class BrokenHistory:
    """A history whose disk has failed: every call raises."""

    def __init__(self) -> None:
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        def fail(*args: object, **kwargs: object) -> None:
            self.calls += 1
            raise HistoryError("history.sqlite3: disk I/O error")
        return fail


def test_a_failing_history_is_reported_once_and_the_session_goes_on():
    notes: list[str] = []
    history = BrokenHistory()
    recorder = SessionRecorder(history, ACCEPTED, None, notes.append)  # type: ignore[arg-type]
    sitting = Sitting(recorder, [0.0])
    sitting.hear(Intent.START, routine="glutes")
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.STOP)
    assert sitting.engine.state is SessionState.FINISHED
    recorder.close()
    assert history.calls >= 2
    assert len(notes) == 1 and "disk I/O error" in notes[0]


# --- a real `voicecoach run` process ---------------------------------------------------------


def _start_session() -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain", "glutes"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None
    for line in ("yes", "slower", "that hurts"):  # the brief (a fresh user), then the session
        process.stdin.write(line + "\n")
        process.stdin.flush()
    return process


def _wait_for_pain_report(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        if path.exists():
            with HistoryStore(path) as history:
                if history.pain_reports():
                    return
        time.sleep(0.1)
    raise AssertionError("the session never recorded the pain report")


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def test_a_killed_session_leaves_a_consistent_history():
    path = default_history_path()
    process = _start_session()
    _wait_for_pain_report(path, process)
    process.kill()  # SIGKILL: no handler, no clean-up, as in a crash or a power cut
    process.wait(timeout=10)
    assert _integrity(path) == "ok"
    with HistoryStore(path) as history:
        (session,) = history.sessions()
    assert session.routine == "glutes" and session.how_it_ended == "unfinished"
    assert [a.change for a in session.adjustments] == ["slower"]
    assert [(p.step_title, p.side) for p in session.pain] == [("Warm up with long strokes",
                                                              "left")]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_session_exits_within_a_second_and_records_its_end(sig: signal.Signals):
    path = default_history_path()
    process = _start_session()
    _wait_for_pain_report(path, process)
    sent = time.monotonic()
    process.send_signal(sig)
    process.wait(timeout=10)
    assert time.monotonic() - sent < 1.0
    with HistoryStore(path) as history:
        (session,) = history.sessions()
    assert session.how_it_ended == "interrupted" and session.ended_at is not None
    assert len(session.pain) == 1


def test_no_history_still_honours_and_records_the_safety_brief():
    from voicecoach.session.wiring import make_demo_recorder, make_recorder

    for recorder, brief in ((make_recorder(ACCEPTED, print, history=False), False),
                            (make_demo_recorder(ACCEPTED, print), True)):  # the demo: always
        recorder.start()
        assert recorder.precautions().safety_brief is brief
        recorder.close()


# --- where a session's audio came from, and --no-history --------------------------------------


def _pain_in_three_sessions(store: HistoryStore, source: str, now: float) -> None:
    for hours in (30, 20, 10):
        at = datetime.fromtimestamp(now - hours * 3600, UTC)
        session = store.begin_session("glutes", "Glutes", 3, 1.0, at, source)
        store.record_pain(session, 0, "Kneading", None, None, [f"area {hours}"], at)


@pytest.mark.parametrize(("source", "warned"), [("recording", False), ("microphone", True)])
def test_pain_from_recordings_does_not_count_towards_pain_that_keeps_coming_back(
        source: str, warned: bool):
    now = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    history = HistoryStore(":memory:")
    _pain_in_three_sessions(history, source, now)
    recorder = SessionRecorder(history, ACCEPTED, None, print, lambda: now)
    recorder.start()
    assert (recorder.precautions().persistent_pain is not None) is warned
    recorder.close()


def test_a_recordings_pain_in_this_sitting_does_not_warn_the_next_start():
    from voicecoach.history import SessionSource

    wall = [datetime(2026, 11, 1, tzinfo=UTC).timestamp()]
    history = HistoryStore(":memory:")
    recorder = SessionRecorder(history, ACCEPTED, None, print, lambda: wall[0],
                               source=SessionSource.RECORDING)
    sitting = Sitting(recorder, wall)
    sitting.hear(Intent.START, routine="glutes")
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.PAIN)
    sitting.hear(Intent.YES)  # "shall we stop?"
    sitting.hear(Intent.START, routine="glutes")
    assert sitting.engine.state is SessionState.HOLDING  # no warning
    recorder.close()
    assert {record.source for record in history.sessions()} == {"recording"}


def _brief_accepted() -> None:
    from voicecoach.settings import default_settings_path, record_safety_brief_accepted

    record_safety_brief_accepted(datetime.now(UTC), default_settings_path())


def test_no_history_still_warns_of_pain_that_keeps_coming_back_and_writes_nothing():
    _brief_accepted()
    path = default_history_path()
    with HistoryStore(path) as history:
        _pain_in_three_sessions(history, "keyboard", time.time())
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain",
         "--no-history", "glutes"],
        input="no\n", capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    # Asked about the pain (the brief was accepted), and "no" ends it before any massage.
    assert "-- asking" in result.stdout and PAIN_WARNING_DECLINED in result.stdout
    assert "-- holding" not in result.stdout
    with HistoryStore(path) as history:
        assert len(history.sessions()) == 3


def test_a_session_run_on_a_recording_is_marked_as_one(tmp_path: Path):
    import numpy as np

    from voicecoach.audio.synthetic import write_wav

    _brief_accepted()
    recording = tmp_path / "quiet.wav"
    write_wav(recording, np.zeros(16_000, dtype=np.int16))
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--input", str(recording), "--mute",
         "--plain", "--no-verify", "--no-profile", "glutes"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 3, result.stderr  # a second of it: the session is unfinished
    with HistoryStore(default_history_path()) as history:
        (session,) = history.sessions()
    assert session.source == "recording"


def test_next_seven_times_and_stop_is_said_and_kept_as_skipped_steps_not_finished_ones():
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain", "glutes"],
        input="yes\n" + "next\n" * 7 + "stop\n", capture_output=True, text=True, timeout=120,
        check=False)
    assert result.returncode == 0, result.stderr
    with HistoryStore(default_history_path()) as history:
        (session,) = history.sessions()
    assert (session.how_it_ended, session.steps_completed) == ("stopped", 0)
    assert 0 < session.steps_skipped < session.steps_total  # the sides took some "next"s
    summary = next(line for line in result.stdout.splitlines() if "You finished" in line)
    assert f"You finished 0 of {session.steps_total} steps and skipped " \
           f"{session.steps_skipped}, in" in summary


def finish_the_routine(sitting: Sitting) -> None:
    """Time passes until the routine is done and the coach has closed."""
    while sitting.engine.state not in (SessionState.IDLE, SessionState.FINISHED):
        deadline = sitting.engine.next_deadline()
        assert deadline is not None, (sitting.engine.state, sitting.said[-3:])
        sitting.wall[0] += max(deadline - sitting.now, 0.0)
        sitting.now = max(deadline, sitting.now)
        sitting.send(Tick())


def test_a_finished_session_ends_with_the_progress_the_history_shows():
    wall = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp()]
    history = HistoryStore(":memory:")
    for days_ago, hurt in ((6, True), (4, False), (2, False)):
        at = datetime.fromtimestamp(wall[0] - days_ago * DAY, UTC)
        session = history.begin_session("glutes", "Test glutes", 2, 1.0, at, "keyboard")
        if hurt:
            history.record_pain(session, 0, "Kneading", None, "light", ["glutes"], at)
        history.finish_session(session, "completed", 2, 1.0, 0, at)
    sitting = Sitting(SessionRecorder(history, ACCEPTED, None, print, lambda: wall[0],
                                      source=SessionSource.KEYBOARD), wall)
    sitting.hear(Intent.START, routine="glutes")
    finish_the_routine(sitting)
    closing = next(line for line in sitting.said if "Well done" in line)
    assert ("That's your fourth session in seven days. No pain reported in your last three "
            "sessions.") in closing
    # The next one in the same sitting counts this one too; pain in it is not called "no pain".
    sitting.hear(Intent.START, routine="glutes")
    sitting.hear(Intent.PAIN)
    finish_the_routine(sitting)
    closing = [line for line in sitting.said if "Well done" in line][-1]
    assert "That's your fifth session in seven days." in closing
    assert "No pain reported" not in closing
    sitting.recorder.close()


def test_a_recordings_session_ends_with_no_progress_line():
    wall = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC).timestamp()]
    history = HistoryStore(":memory:")
    at = datetime.fromtimestamp(wall[0] - DAY, UTC)
    history.finish_session(history.begin_session("glutes", "Test glutes", 2, 1.0, at),
                           "completed", 2, 1.0, 0, at)
    sitting = Sitting(SessionRecorder(history, ACCEPTED, None, print, lambda: wall[0],
                                      source=SessionSource.RECORDING), wall)
    sitting.hear(Intent.START, routine="glutes")
    finish_the_routine(sitting)
    closing = next(line for line in sitting.said if "Well done" in line)
    assert "session in seven days" not in closing
    sitting.recorder.close()

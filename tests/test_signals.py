"""SIGINT and SIGTERM at random moments of a real `voicecoach run` process: it exits within a
second, and the history it leaves is consistent (never damaged, never a session without an end
when the process could end cleanly)."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from voicecoach.history.store import HistoryStore, default_history_path

RESULTS = Path(__file__).parent.parent / "reliability-results" / "signals.json"
RUNS = 8


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def _sessions(path: Path) -> int:
    if not path.exists():
        return 0
    with HistoryStore(path) as history:
        return len(history.sessions())


def _wait_for_session(path: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while _sessions(path) < count:
        assert process.poll() is None and time.monotonic() < deadline, "no session began"
        time.sleep(0.05)


def test_signals_at_random_moments_end_the_session_quickly_and_cleanly():
    chooser = random.Random(20261125)
    path = default_history_path()
    runs: list[dict[str, object]] = []
    in_session = 0
    for _ in range(RUNS):
        sig = chooser.choice([signal.SIGINT, signal.SIGTERM])
        during_startup = chooser.random() < 0.25
        process = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain",
             "glutes"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        assert process.stdin is not None
        process.stdin.write("yes\nslower\nthat hurts\n")  # the brief, then the session
        process.stdin.flush()
        if during_startup:
            delay = chooser.uniform(0.05, 0.5)  # importing, loading routines, opening things
        else:
            in_session += 1
            _wait_for_session(path, in_session, process)
            delay = chooser.uniform(0.0, 4.0)  # anywhere in the introduction or the first hold
        time.sleep(delay)
        sent = time.monotonic()
        process.send_signal(sig)
        process.wait(timeout=10)
        exit_s = time.monotonic() - sent
        runs.append({"signal": sig.name, "when": "start-up" if during_startup else "session",
                     "after_s": round(delay, 2), "exit_s": round(exit_s, 3),
                     "code": process.returncode})
        assert exit_s < 1.0, runs[-1]
    assert _integrity(path) == "ok"
    with HistoryStore(path) as history:
        sessions = history.sessions()
    # Every session recorded was closed: an interrupted run says so, with its end time.
    assert all(s.how_it_ended == "interrupted" and s.ended_at for s in sessions), sessions
    assert len(sessions) == in_session
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "runs": runs,
        "sessions_recorded": len(sessions),
        "max_exit_s": max(float(str(r["exit_s"])) for r in runs),
    }, indent=2) + "\n", encoding="utf-8")

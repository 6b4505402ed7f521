"""Consent to the safety brief comes from a person who heard it: a recording's "yes" holds for
that recording only, while a "yes" typed or said live is kept for the sessions to come."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.synthetic import Voice, synthesize, with_room, write_wav
from voicecoach.cli.session import RECORDING_ENDED_EARLY
from voicecoach.core import Intent, SessionState
from voicecoach.core.phrasebook import SAFETY_BRIEF
from voicecoach.history.records import SessionSource
from voicecoach.history.store import HistoryStore
from voicecoach.session.recorder import RECORDED_CONSENT, SessionRecorder
from voicecoach.settings import Settings, default_settings_path, load_settings

from .audio_helpers import needs_espeak
from .test_session_history import Sitting

USER = Voice("en-us+f2", 140)


def spoken_session(path: Path, *lines: tuple[float, str]) -> Path:
    """A recording of a user saying each line at its second, in a quiet room."""
    track = np.zeros(round((max(at for at, _ in lines) + 4.0) * 16_000), dtype=np.int16)
    for at, text in lines:
        speech = synthesize(text, USER)
        start = round(at * 16_000)
        track[start : start + len(speech)] += speech
    write_wav(path, with_room(track, 0.0, 0.0))
    return path


def test_a_recordings_yes_holds_for_its_own_sitting_and_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    wall = [datetime(2026, 11, 25, 9, 30, tzinfo=UTC).timestamp()]
    notes: list[str] = []
    recorder = SessionRecorder(HistoryStore(":memory:"), Settings(), path, notes.append,
                               lambda: wall[0], source=SessionSource.RECORDING)
    sitting = Sitting(recorder, wall)
    sitting.hear(Intent.START, routine="glutes")
    assert SAFETY_BRIEF in sitting.said[-1]
    sitting.hear(Intent.YES)
    sitting.hear(Intent.STOP)
    sitting.hear(Intent.START, routine="glutes")
    assert sitting.engine.state is SessionState.HOLDING  # the recording is not asked twice
    assert recorder.flush()
    recorder.close()
    assert not path.exists()
    assert notes == [RECORDED_CONSENT]


@pytest.mark.parametrize("source", [SessionSource.MICROPHONE, SessionSource.KEYBOARD])
def test_a_live_users_yes_is_kept_in_the_settings(tmp_path: Path, source: SessionSource) -> None:
    path = tmp_path / "settings.toml"
    wall = [datetime(2026, 11, 25, 9, 30, tzinfo=UTC).timestamp()]
    recorder = SessionRecorder(HistoryStore(":memory:"), Settings(), path, print,
                               lambda: wall[0], source=source)
    sitting = Sitting(recorder, wall)
    sitting.hear(Intent.START, routine="glutes")
    sitting.hear(Intent.YES)
    assert recorder.flush()
    recorder.close()
    assert load_settings(path).safety_brief_accepted is not None


def _keyboard_session_reads_the_brief_and_keeps_its_yes() -> None:
    """A live keyboard session: the brief is read, and the person's "yes" is kept."""
    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain",
         "--no-history", "glutes"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        if SAFETY_BRIEF[:40] in line:
            break
    assert any(SAFETY_BRIEF[:40] in line for line in seen), "".join(seen)
    time.sleep(0.5)  # the person answers once the brief has been read to its end
    rest, errors = process.communicate("yes\nstop\n", timeout=120)
    assert process.returncode == 0, errors
    assert "-- introducing" in rest  # the "yes" was taken: the routine begins
    assert load_settings(default_settings_path()).safety_brief_accepted is not None


@needs_espeak
@pytest.mark.parametrize("command", [["run", "--no-history"], ["serve"]])
def test_a_recorded_yes_to_the_brief_leaves_it_for_the_next_live_session(
        tmp_path: Path, command: list[str]) -> None:
    settings = default_settings_path()
    # The brief takes about half a minute to say; the recording answers once it has been said.
    recording = spoken_session(tmp_path / "session.wav", (0.5, "start glutes"), (40.0, "yes"))
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", *command, "--input", str(recording), "--json"],
        capture_output=True, text=True, timeout=300, check=False)
    # The recording ends a few seconds into the routine: the session is unfinished, not failed.
    assert result.returncode == RECORDING_ENDED_EARLY, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [e.get("intent") for e in entries if e["who"] == "you"] == ["start", "yes"]
    assert any(e["who"] == "coach" and SAFETY_BRIEF in e["text"] for e in entries)
    assert not settings.exists() or load_settings(settings).safety_brief_accepted is None
    assert RECORDED_CONSENT in result.stderr
    _keyboard_session_reads_the_brief_and_keeps_its_yes()

"""`run --input`: a recording as the microphone, as a new user tries it. Its sessions are kept
for as long as they took to say (not the second it took to read them), and when the recording
runs out the coach says what became of the session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from voicecoach.audio.synthetic import Voice, synthesize, with_room, write_wav
from voicecoach.core.phrasebook import GREETING
from voicecoach.settings import default_settings_path, record_safety_brief_accepted

from .audio_helpers import needs_espeak

USER = Voice("en-us+f2", 140)


def recording(path: Path, seconds: float, *lines: tuple[float, str]) -> Path:
    """`seconds` of a quiet room, with each line spoken at its second."""
    track = np.zeros(round(seconds * 16_000), dtype=np.int16)
    for at, text in lines:
        speech = synthesize(text, USER)
        start = round(at * 16_000)
        track[start : start + len(speech)] += speech[: len(track) - start]
    write_wav(path, with_room(track, 0.0, 0.0))
    return path


def voicecoach(*argv: str, history: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "VOICECOACH_HISTORY": str(history)})


def brief_accepted() -> None:
    """As a user who accepted the safety brief before: the sessions start at once."""
    record_safety_brief_accepted(datetime(2026, 1, 1, tzinfo=UTC), default_settings_path())


def sessions_in(history: Path) -> list[dict[str, object]]:
    shown = voicecoach("history", "--json", history=history)
    assert shown.returncode == 0, shown.stderr
    sessions: list[dict[str, object]] = json.loads(shown.stdout)
    return sessions


@needs_espeak
def test_a_recorded_session_is_kept_as_long_as_the_recording_took_to_say(tmp_path: Path):
    brief_accepted()
    history = tmp_path / "history.sqlite3"
    said = recording(tmp_path / "session.wav", 64.0, (0.5, "start quick"), (60.0, "stop"))
    result = voicecoach("run", "--input", str(said), "--mute", "--plain", history=history)
    assert result.returncode == 0, result.stderr
    (session,) = sessions_in(history)
    assert session["how_it_ended"] == "stopped"
    # Started when "start quick" was heard (about 1.5 s in), stopped at about 61 s: read
    # through in a second or two, but a minute of the recording's own time.
    assert 55 <= float(session["duration_seconds"]) <= 62  # type: ignore[arg-type]
    csv = voicecoach("history", "--export", "-", history=history)
    header, row = csv.stdout.splitlines()[:2]
    assert dict(zip(header.split(","), row.split(","), strict=False))["minutes"] == "1.0"


def test_a_recording_of_silence_greets_and_says_that_no_command_was_heard(tmp_path: Path):
    silence = tmp_path / "silence.wav"
    write_wav(silence, np.zeros(5 * 16_000, dtype=np.int16))
    result = voicecoach("run", "--input", str(silence), "--mute", "--plain",
                        history=tmp_path / "history.sqlite3")
    assert result.returncode == 0, result.stderr
    assert GREETING.say() in result.stdout  # as a live session begins
    assert "-- the recording ended; no command was heard in it (5 s of audio)" in result.stdout


@needs_espeak
def test_a_recording_that_ends_mid_session_says_where_and_keeps_it_as_unfinished(
        tmp_path: Path):
    brief_accepted()
    history = tmp_path / "history.sqlite3"
    said = recording(tmp_path / "short.wav", 30.0, (0.5, "start quick"))
    result = voicecoach("run", "--input", str(said), "--mute", "--plain", history=history)
    # Not an error (that is 1), and not the whole session either.
    assert result.returncode == 3, result.stderr
    ending = result.stdout.splitlines()[-1]
    assert ending.startswith("-- the recording ended "), result.stdout
    assert " s into the quick-hip routine, " in ending
    assert ending.endswith("; the session is kept as unfinished")
    (session,) = sessions_in(history)
    assert session["how_it_ended"] == "unfinished"


@needs_espeak
def test_a_recording_that_ends_before_the_safety_question_is_answered_says_so(tmp_path: Path):
    history = tmp_path / "history.sqlite3"
    said = recording(tmp_path / "short.wav", 8.0, (0.5, "start quick"))
    result = voicecoach("run", "--input", str(said), "--mute", "--plain", "--no-history",
                        history=history)
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "-- the recording ended (8 s of audio) while the coach waited for an answer before "
        "starting; no session was started")

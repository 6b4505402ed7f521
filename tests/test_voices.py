"""`voicecoach voices` lists what the coach can speak with, and a voice nobody has is refused
where it is given (`--voice`, the settings file, `config set voice`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.cli import main
from voicecoach.speaking.voices import UnknownVoice, VoiceRow, check_voice, find_voice

ROWS = [
    VoiceRow("pyttsx3", "sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
    VoiceRow("pyttsx3", "gmw/en-gb-scotland", "English (Scotland)", ("en-gb-scotland",)),
    VoiceRow("pyttsx3", "gmw/en-us", "English (America)", ("en-us",)),
    VoiceRow("pyttsx3", "gmw/cy", "Welsh", ("cy",)),
]


def test_a_voice_is_found_by_id_name_or_the_start_of_its_name():
    assert find_voice("gmw/cy", ROWS) == ROWS[3]
    assert find_voice("welsh", ROWS) == ROWS[3]
    # "english" begins English (America); the Mandarin voice only mentions it.
    assert find_voice("english", ROWS) == ROWS[2]
    assert find_voice("mandarin", ROWS) == ROWS[0]


def test_a_voice_nobody_has_is_refused_with_where_to_look():
    with pytest.raises(UnknownVoice) as raised:
        check_voice("Welsch", ROWS)
    assert str(raised.value) == ("no voice called 'Welsch' (did you mean Welsh?); "
                                 "`voicecoach voices` lists the 4 installed")


def test_voices_lists_the_installed_pyttsx3_voices(capsys):
    code = main(["voices", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and rows, "espeak-ng has voices"
    assert set(rows[0]) == {"engine", "id", "name", "languages"}
    assert any(row["id"] == "gmw/en-us" and row["engine"] == "pyttsx3" for row in rows)


def test_config_set_voice_refuses_a_voice_that_does_not_exist(capsys, monkeypatch, tmp_path):
    settings = tmp_path / "settings.toml"
    monkeypatch.setenv("VOICECOACH_CONFIG", str(settings))
    code = main(["config", "set", "voice", "no-such-voice"])
    assert code == 1 and not settings.exists()
    assert "no voice called 'no-such-voice'" in capsys.readouterr().err
    assert main(["config", "set", "voice", "english"]) == 0
    assert 'voice = "english"' in settings.read_text()


def session(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VOICECOACH_CONFIG": str(tmp_path / "settings.toml"),
                   "VOICECOACH_HISTORY": str(tmp_path / "history.db")}
    return subprocess.run([sys.executable, "-m", "voicecoach", "run", "--keyboard", "--plain",
                           "--no-history", *argv], input="", capture_output=True, text=True,
                          timeout=120, env=environment, check=False)


def test_run_refuses_a_voice_typed_that_does_not_exist(tmp_path: Path):
    result = session(tmp_path, "--voice", "no-such-voice")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no voice called 'no-such-voice'" in result.stderr
    assert "pass another --voice NAME" in result.stderr


def test_run_refuses_a_voice_set_that_does_not_exist_naming_the_file(tmp_path: Path):
    (tmp_path / "settings.toml").write_text('voice = "no-such-voice"\n')
    result = session(tmp_path)
    assert result.returncode == 1
    assert f"voice = no-such-voice in {tmp_path / 'settings.toml'}: no voice called" in (
        result.stderr)
    assert "voicecoach config unset voice" in result.stderr and "--voice" not in result.stderr

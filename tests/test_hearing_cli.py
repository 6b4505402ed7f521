"""`voicecoach listen`, `model` and bad input on the hearing side: clear messages, no traceback."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from voicecoach.cli import main
from voicecoach.hearing import vosk_models
from voicecoach.hearing.pronunciations import KNOWN, arpabet_from_espeak, pronounce
from voicecoach.hearing.vosk_backend import VoskGrammar

from .audio_helpers import needs_espeak, spoken_wav


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def no_installed_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only the models they install themselves."""
    monkeypatch.delenv(vosk_models.ENV_VARIABLE, raising=False)
    monkeypatch.setattr(vosk_models, "search_dirs", lambda: [tmp_path / "none"])
    monkeypatch.setattr(vosk_models, "user_models_dir", lambda: tmp_path / "user-models")


@needs_espeak
def test_listen_json_gives_one_line_per_decision(capsys, tmp_path: Path):
    command = spoken_wav(tmp_path, "start glutes")
    nothing = spoken_wav(tmp_path, "")
    code, out, err = run(capsys, "listen", "--input", str(command), str(nothing), "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert "recogniser: PocketSphinx" in err and "no English Vosk model" in err
    first = next(line for line in lines if line["intent"])
    assert first["file"] == str(command) and first["slots"] == {"routine": "glutes"}
    assert set(first) == {"file", "text", "intent", "slots", "confidence", "speech_end_s",
                          "decided_s", "verified"}
    assert first["speech_end_s"] < first["decided_s"]
    assert [line for line in lines if line["file"] == str(nothing)] == [
        {"file": str(nothing), "text": "", "intent": None, "slots": {}, "confidence": 0.0,
         "speech_end_s": None, "decided_s": pytest.approx(1.5, abs=0.1), "verified": None}
    ]


def test_unreadable_wav_is_a_clear_error(capsys, tmp_path: Path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....not really")
    code, _, err = run(capsys, "listen", "--input", str(broken))
    assert code == 1 and f"{broken}: ends in the middle of its header (18 bytes" in err
    code, _, err = run(capsys, "listen", "--input", str(tmp_path / "missing.wav"))
    assert code == 1 and "no such file" in err


@needs_espeak
def test_listen_names_an_empty_file_and_goes_on_to_the_next(tmp_path: Path):
    before = spoken_wav(tmp_path, "pause")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    after = spoken_wav(tmp_path, "start glutes")
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "listen", "--input", str(before), str(empty),
         str(after), "--json", "--no-profile"],
        capture_output=True, text=True, timeout=120, check=False)
    heard = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["file"], line["intent"]) for line in heard if line["intent"]] == [
        (str(before), "pause"), (str(after), "start")]
    assert f"voicecoach: {empty}: the file is empty (0 bytes)" in result.stderr
    assert f"voicecoach: 1 of 3 files could not be heard: {empty}" in result.stderr
    assert result.returncode == 1  # the files heard are heard, and the exit says one was not


def test_vosk_without_a_model_says_how_to_get_one(capsys):
    code, _, err = run(capsys, "listen", "--backend", "vosk", "--input", "x.wav")
    assert code == 1 and "voicecoach model download" in err and "Traceback" not in err


def test_a_model_path_that_is_not_a_model_is_named(capsys, tmp_path: Path):
    code, _, err = run(capsys, "listen", "--model", str(tmp_path), "--input", "x.wav")
    assert code == 1 and f"--model: {tmp_path} has no am/final.mdl" in err


def test_model_status_without_a_model_picks_pocketsphinx(capsys):
    code, out, _ = run(capsys, "model", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["vosk_model"] is None and status["auto_backend"] == "pocketsphinx"
    assert status["download"]["sha256"] == vosk_models.ENGLISH_MODEL.sha256
    assert status["download"]["bytes"] == 41_205_931


def test_model_status_finds_a_model_named_by_the_environment(capsys, monkeypatch, tmp_path):
    model = tmp_path / "vosk-model-small-en-us-0.15"
    for part in ("am/final.mdl", "conf/model.conf", "graph/HCLr.fst"):
        (model / part).parent.mkdir(parents=True, exist_ok=True)
        (model / part).write_text("x")
    monkeypatch.setenv(vosk_models.ENV_VARIABLE, str(model))
    # Files that only look like a model: its vocabulary is the English one's, by this fake.
    monkeypatch.setattr("voicecoach.cli.hearing.command_vocabulary",
                        lambda path: VoskGrammar(["start glutes"], []))
    code, out, _ = run(capsys, "model", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["vosk_model"] == str(model) and status["auto_backend"] == "vosk"
    assert status["found_by"] == "$VOICECOACH_VOSK_MODEL"


def test_model_install_refuses_a_wrong_file(capsys, tmp_path: Path):
    fake = tmp_path / "vosk-model-small-en-us-0.15.zip"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("vosk-model-small-en-us-0.15/README", "not the model")
    code, _, err = run(capsys, "model", "install", str(fake), "--into", str(tmp_path / "m"))
    assert code == 1 and "41205931 bytes" in err and "not the right file" in err
    assert hashlib.sha256(fake.read_bytes()).hexdigest() != vosk_models.ENGLISH_MODEL.sha256


def test_model_download_offline_explains_the_manual_route(capsys, monkeypatch, tmp_path):
    offline = vosk_models.ModelSpec("vosk-model-small-en-us-0.15", "http://127.0.0.1:9/m.zip",
                                    10, "0" * 64, "test")
    monkeypatch.setattr("voicecoach.cli.hearing.ENGLISH_MODEL", offline)
    code, _, err = run(capsys, "model", "download", "--into", str(tmp_path / "m"))
    assert code == 1 and "offline" in err and "voicecoach model install" in err


def test_massage_words_have_hand_written_pronunciations():
    assert pronounce("glutes") == KNOWN["glutes"] == "G L UW T S"


def test_espeak_phonemes_map_to_arpabet():
    assert arpabet_from_espeak("gl'u:ts") == "G L UW T S"
    assert arpabet_from_espeak("h'amstrIN") == "HH AE M S T R IH NG"
    assert arpabet_from_espeak("f'oUm") == "F OW M"


def test_the_jsgf_grammar_comes_from_the_same_phrases(library):
    rules = library.grammar.jsgf_rules()
    assert rules.startswith("<command> = (start [the] <routine>) | (begin <routine>) | next")
    assert "| glutes |" in rules.split("<routine> =")[1]


@needs_espeak
def test_accuracy_prints_a_table_and_json_only_when_asked(capsys):
    code, out, _ = run(capsys, "accuracy", "--quick", "--backend", "pocketsphinx")
    assert code == 0
    assert "voicecoach accuracy, pocketsphinx" in out and "synthetic speech" in out
    assert "commands understood" in out and "latency median (s)" in out
    assert "{" not in out  # a table, not JSON
    code, out, _ = run(capsys, "accuracy", "--quick", "--backend", "pocketsphinx", "--json")
    figures = json.loads(out)["synthetic"]
    assert code == 0 and {"accuracy", "latency_median_s", "mistakes"} <= set(figures)
    # Figures as measured, never float noise such as 0.3900000000000001.
    assert all(len(repr(figures[key]).split(".")[-1]) <= 4
               for key in ("accuracy", "false_accept_rate", "latency_median_s", "latency_p95_s"))

"""Which engine speaks: Piper by default, pyttsx3 when asked, and pyttsx3 with one line when
Piper cannot load; the answers to pause, stop and that hurts made before a session starts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.synthetic import write_wav
from voicecoach.cli.session import RECORDING_ENDED_EARLY
from voicecoach.core import Say
from voicecoach.session.preparing import prepare_lines
from voicecoach.session.wiring import URGENT_LINES, SessionSettings, make_voice, prefetch_routine
from voicecoach.speaking.engines import open_voice
from voicecoach.speaking.piper_voices import find_piper_voice, voices_folder
from voicecoach.speaking.tts import VoiceEngine, VoiceSettings
from voicecoach.speaking.voices import UnknownVoice

from .coach_driver import CoachDriver

FALLBACK = "the coach speaks with espeak-ng (pyttsx3) instead"
NO_PIPER = "import sys\nsys.modules['piper'] = None\nsys.modules['piper.voice'] = None\n"


def test_piper_is_the_default_and_pyttsx3_is_there_when_asked(tmp_path: Path):
    notes: list[str] = []
    for engine, named in ((VoiceEngine.PIPER, "voice: Piper, en_US-joe-medium"),
                          (VoiceEngine.PYTTSX3, "voice: pyttsx3 (espeak-ng), ")):
        voice = make_voice(SessionSettings(voice_engine=engine), notes.append, tmp_path)
        assert voice is not None
        try:
            assert voice.engine is engine and len(voice.audio_for("Okay.")) > 1600
        finally:
            voice.close()
        assert notes.pop().startswith(named) and notes == []
    assert SessionSettings().voice_engine is VoiceEngine.PIPER


def test_without_piper_the_coach_speaks_with_espeak_ng_said_in_one_line(tmp_path: Path):
    script = NO_PIPER + (
        "from pathlib import Path\n"
        "from voicecoach.speaking.engines import open_voice\n"
        "from voicecoach.speaking.tts import VoiceEngine, VoiceSettings\n"
        "notes = []\n"
        f"cache = Path({str(tmp_path)!r})\n"
        "voice = open_voice(VoiceSettings(), VoiceEngine.PIPER, notes.append, cache)\n"
        "audio = voice.audio_for('Rest for 20 seconds.')\n"
        "voice.close()\n"
        "print(voice.engine, len(audio) > 16000)\n"
        "print(*notes, sep='\\n', file=__import__('sys').stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.splitlines()[-1] == "pyttsx3 True"
    (line,) = result.stderr.splitlines()
    assert "Piper cannot be loaded" in line and "pip install piper-tts" in line
    assert line.endswith(FALLBACK)


def _quiet(path: Path) -> Path:
    from voicecoach.audio.synthetic import write_wav

    write_wav(path, np.zeros(16_000, dtype=np.int16))
    return path


def _run(tmp_path: Path, *argv: str, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    base |= {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data"),
             "XDG_CONFIG_HOME": str(tmp_path / "config"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "voicecoach", "run", "--input",
                           str(_quiet(tmp_path / "quiet.wav")), "glutes", "--no-history",
                           "--no-verify", *argv],
                          capture_output=True, text=True, timeout=180, env=base, check=False)


def test_run_without_the_piper_package_falls_back_in_one_line_and_finishes(tmp_path: Path):
    blocker = tmp_path / "no-piper"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(NO_PIPER)
    result = _run(tmp_path, env={"PYTHONPATH": str(blocker)})
    assert result.returncode == RECORDING_ENDED_EARLY, result.stderr  # a second of glutes
    assert "Traceback" not in result.stderr
    assert result.stderr.count(FALLBACK) == 1
    assert "voice: pyttsx3 (espeak-ng)" in result.stderr
    assert "coach: Before we start, a short safety check." in result.stdout  # it went on


def test_the_voice_engine_comes_from_the_flag_or_the_setting(tmp_path: Path):
    flag = _run(tmp_path, "--voice-engine", "pyttsx3")
    assert flag.returncode == RECORDING_ENDED_EARLY, flag.stderr  # a second of glutes
    assert "voice: pyttsx3 (espeak-ng)" in flag.stderr, flag.stderr
    settings = tmp_path / "config" / "voicecoach" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('voice_engine = "pyttsx3"\n')
    from_file = _run(tmp_path)
    assert "voice: pyttsx3 (espeak-ng)" in from_file.stderr, from_file.stderr
    typed = _run(tmp_path, "--voice-engine", "piper")  # the flag wins over the file
    assert "voice: Piper, en_US-joe-medium" in typed.stderr, typed.stderr
    wrong = _run(tmp_path, "--voice-engine", "espeak")
    assert wrong.returncode == 2 and "invalid choice: 'espeak'" in wrong.stderr


def _install_damaged_voice(name: str) -> Path:
    folder = voices_folder()
    folder.mkdir(parents=True)
    model = folder / f"{name}.onnx"
    model.write_bytes(b"\x08\x07this is not an onnx model" * 100)
    joe = find_piper_voice(None)
    (folder / f"{name}.onnx.json").write_text(joe.config.read_text())
    return model


def test_a_damaged_voice_file_falls_back_naming_the_file(tmp_path: Path):
    model = _install_damaged_voice("en_US-broken-medium")
    notes: list[str] = []
    voice = open_voice(VoiceSettings(voice="en_US-broken-medium"), VoiceEngine.PIPER,
                       notes.append, tmp_path)
    try:
        assert voice.engine is VoiceEngine.PYTTSX3 and len(voice.audio_for("Okay.")) > 1600
    finally:
        voice.close()
    (line,) = notes
    assert str(model) in line and "damaged" in line and "voice install" in line
    assert line.endswith(FALLBACK)


def test_a_piper_voice_nobody_installed_is_refused(tmp_path: Path):
    with pytest.raises(UnknownVoice, match="en_US-nobody-medium"):
        open_voice(VoiceSettings(voice="en_US-nobody-medium"), VoiceEngine.PIPER, print,
                   tmp_path)


def test_a_pyttsx3_voice_set_before_piper_came_keeps_speaking_said_once(tmp_path: Path):
    notes: list[str] = []
    voice = open_voice(VoiceSettings(voice="english"), VoiceEngine.PIPER, notes.append, tmp_path)
    try:
        assert voice.engine is VoiceEngine.PYTTSX3 and voice.voice_name == "English (America)"
    finally:
        voice.close()
    (line,) = notes
    assert "'english' is a pyttsx3 voice" in line and "config unset voice" in line


def test_a_pyttsx3_voice_typed_for_piper_is_refused_as_config_set_refuses_it(tmp_path: Path):
    silence = tmp_path / "silence.wav"
    write_wav(silence, np.zeros(16_000, dtype=np.int16))

    def voicecoach(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                              text=True, timeout=120, check=False)

    refused = voicecoach("config", "set", "voice", "english")
    assert refused.returncode == 1
    (config_set,) = refused.stderr.splitlines()
    assert config_set.startswith("voicecoach: 'english' is a pyttsx3 voice, not a piper voice")
    typed = voicecoach("run", "--input", str(silence), "--voice", "english", "--no-history")
    assert typed.returncode == 1 and typed.stdout == ""
    # The same words, and where this voice came from: the flag typed.
    assert typed.stderr.splitlines()[-1] == f"{config_set}, or pass another --voice NAME"
    assert "instead" not in typed.stderr  # no switching engines behind the user's back


# --- the urgent answers, ready before the session starts -----------------------------------------


def test_the_answers_to_pause_stop_and_pain_are_among_the_lines_made_first(started: CoachDriver):
    for said in ("pause", "resume", "that hurts", "stop"):
        first = next(a for a in started.hear(said) if isinstance(a, Say))
        if said != "resume":
            assert first.text in URGENT_LINES, said


class RecordingVoice:
    """Stands in for TextToSpeech: records what was made now and what was left for later."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def prepare(self, texts: Sequence[str], progress: Callable[[int, int], None]) -> int:
        self.calls.append(("prepare", list(texts)))
        for done in range(1, len(texts) + 1):
            progress(done, len(texts))
        return len(texts)

    def prefetch(self, texts: Sequence[str]) -> None:
        self.calls.append(("prefetch", list(texts)))


def test_urgent_answers_are_made_before_the_routine_is_prefetched(library):  # type: ignore[no-untyped-def]
    voice = RecordingVoice()
    prefetch_routine(voice, library, "glutes", io.StringIO())  # type: ignore[arg-type]
    (first, made_now), (second, later) = voice.calls
    assert (first, second) == ("prepare", "prefetch")
    assert made_now == list(URGENT_LINES)
    assert len(later) > len(URGENT_LINES) + 10  # the routine's own lines, in the background


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_preparing_shows_progress_in_place_on_a_terminal_and_one_line_in_a_log():
    clock = iter([0.0, 2.5, 0.0, 2.5]).__next__
    terminal, log = Terminal(), io.StringIO()
    prepare_lines(RecordingVoice(), ["one", "two", "three"], terminal, clock)
    prepare_lines(RecordingVoice(), ["one", "two", "three"], log, clock)
    shown = terminal.getvalue()
    assert "\rvoicecoach: preparing the coach's answers: 2 of 3" in shown
    assert shown.endswith("(3 made in 2.5 s); the routine's lines are made in the background\n")
    (line,) = log.getvalue().splitlines()
    assert line.startswith("voicecoach: the answers to pause, stop and pain are ready (3 made")


def test_nothing_is_shown_when_every_answer_was_in_the_cache(tmp_path: Path):
    voice = open_voice(VoiceSettings(), VoiceEngine.PIPER, print, tmp_path)
    try:
        out = io.StringIO()
        assert prepare_lines(voice, URGENT_LINES[:2], out) == 2
        again = io.StringIO()
        assert prepare_lines(voice, URGENT_LINES[:2], again) == 0
        assert again.getvalue() == "" and voice.synthesized == 2
    finally:
        voice.close()


def test_the_damaged_voice_has_a_good_config_so_only_its_model_is_damaged():
    # The damaged-voice test copies joe's config: it must be a Piper config, or the test
    # would pass for the wrong reason (a bad config, not a bad model).
    assert "phoneme_id_map" in json.loads(find_piper_voice(None).config.read_text())

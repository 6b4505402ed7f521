"""Enrollment learns the user's ordinary talk too: the sentences asked for, a profile made before
they were asked for (it still serves, and the coach says how to add them), and adding them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.adapting.profile_builder import build_profile
from voicecoach.audio.source import Samples
from voicecoach.audio.synthetic import synthesize, with_room, write_wav
from voicecoach.bench.ordinary_sentences import ORDINARY_SENTENCES
from voicecoach.cli import main
from voicecoach.core.grammar import commands_within, normalize
from voicecoach.hearing.ordinary_speech import SENTENCES, is_ordinary_sentence, transcript_of
from voicecoach.hearing.voice_profile import read_profile
from voicecoach.library import Library

from .enrollment_helpers import SPEAKER, needs_enrollment_tools, spoken
from .test_enroll_cli import ScriptedSource, takes


def test_the_sentences_hold_no_command_and_are_not_the_benchmarks(library: Library) -> None:
    measured = {normalize(sentence) for sentence in ORDINARY_SENTENCES}
    assert 2 <= len(SENTENCES) <= 3
    for sentence in SENTENCES:
        words = transcript_of(sentence)
        assert commands_within(words) == [] and library.grammar.parse(words) is None
        assert is_ordinary_sentence(words) and words not in measured


def test_a_sentence_holding_a_command_is_not_ordinary_talk_to_cut_up() -> None:
    assert not is_ordinary_sentence("i will stop by the shop later")
    assert not is_ordinary_sentence("good morning")  # a word or two: not a sentence


@pytest.fixture(scope="module")
def commands_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A profile as `voicecoach enroll` made it before it asked for sentences."""
    folder = tmp_path_factory.mktemp("old") / "voice-profile"
    return build_profile(spoken(["stop", "pause", "that hurts"]), folder).folder


def voicecoach(*argv: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ, "VOICECOACH_PROFILE": str(profile)})


@needs_enrollment_tools
def test_a_profile_made_before_sentences_still_serves_and_the_coach_says_how_to_add_them(
    commands_only: Path, tmp_path: Path
) -> None:
    status = voicecoach("enroll", "--status", profile=commands_only)
    assert status.returncode == 0, status.stderr
    assert "3 clips of 3 phrases; 0 sentences of ordinary talk" in status.stdout
    assert "holds none of your ordinary talk" in status.stdout
    assert "`voicecoach enroll --add-sentences`" in status.stdout
    clip = tmp_path / "pause.wav"
    write_wav(clip, with_room(synthesize("pause", SPEAKER), 0.5, 1.0))
    heard = voicecoach("listen", "--input", str(clip), "--json", profile=commands_only)
    assert heard.returncode == 0, heard.stderr
    notes = [line for line in heard.stderr.splitlines() if "voice profile:" in line]
    assert len(notes) == 1 and str(commands_only) in notes[0]
    assert "--add-sentences" in notes[0] and "keeps your clips" in notes[0]


class MicrophoneReading:
    """Stands in for MicrophoneSource: the user reads `SENTENCES` into it, then it ends."""

    def __init__(self, device: object, **options: object) -> None:
        self.device_name = "scripted"
        self.started = False
        self._source = ScriptedSource(takes(*[synthesize(s, SPEAKER) for s in SENTENCES]))

    def start(self) -> None:
        self.started = True

    def read(self, timeout: float | None = None) -> Samples | None:
        assert self.started, "read before start(): the real microphone is not open yet"
        return self._source.read(timeout)

    def close(self) -> None:
        self._source.close()


@needs_enrollment_tools
def test_adding_sentences_keeps_the_clips_and_learns_the_sentences(
    commands_only: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil

    from voicecoach.audio import microphone

    folder = Path(shutil.copytree(commands_only, tmp_path / "voice-profile"))
    before = read_profile(folder)
    assert before is not None
    monkeypatch.setattr(microphone, "MicrophoneSource", MicrophoneReading)
    assert main(["enroll", "--add-sentences", "--profile", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "None of them is a command" in out and out.count("  read: ") == len(SENTENCES)
    after = read_profile(folder)
    assert after is not None
    assert [clip.transcript for clip in after.clips] == [
        *[clip.transcript for clip in before.clips], *map(transcript_of, SENTENCES)]
    assert len(after.sentences) == len(SENTENCES)
    kept = [np.array_equal(read(a.path), read(b.path))
            for a, b in zip(before.clips, after.clips, strict=False)]
    assert all(kept)


def read(path: Path) -> Samples:
    from voicecoach.audio.wav_file import read_all

    return read_all(path)


def test_adding_sentences_to_no_profile_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    result = voicecoach("enroll", "--add-sentences", profile=tmp_path / "none")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"voicecoach: no voice profile in {tmp_path / 'none'} to add sentences to: "
        "`voicecoach enroll` makes one, sentences and all"]

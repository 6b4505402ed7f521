"""`voicecoach enroll`: from a folder end to end, its errors, and the microphone's takes (from a
scripted source)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from voicecoach.adapting import mllr
from voicecoach.adapting.enrollment import (
    Take,
    UtteranceCutter,
    enroll_from,
    record_reading,
)
from voicecoach.adapting.profile_builder import build_profile
from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import NOISE_FLOOR_RMS, synthesize, with_room
from voicecoach.cli import main
from voicecoach.hearing.ordinary_speech import SENTENCES, transcript_of
from voicecoach.hearing.voice_profile import VoiceProfile, read_profile

from .enrollment_helpers import SPEAKER, labelled_folder, needs_enrollment_tools, spoken


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def private_cache(model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The converted speech model goes to a cache shared by these tests, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(model_cache))


@pytest.fixture(scope="session")
def examples() -> list[tuple[str, Samples]]:
    return spoken()


@pytest.fixture(scope="session")
def built_once(examples: list[tuple[str, Samples]], model_cache: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_profile(examples[:3], tmp_path_factory.mktemp("built") / "profile",
                         model_cache=model_cache).folder


@pytest.fixture
def existing(built_once: Path, tmp_path: Path) -> VoiceProfile:
    """A profile that a failed enrollment must leave alone (a copy of one real build)."""
    profile = read_profile(Path(shutil.copytree(built_once, tmp_path / "profile")))
    assert profile is not None
    return profile


def shipped_verifier() -> Path:
    try:
        from voicecoach.hearing.command_classifier import shipped_model_path
    except ImportError:
        return Path("/nonexistent")
    return shipped_model_path()


def enroll(*arguments: str) -> int:
    return main(["enroll", *arguments])


@needs_enrollment_tools
def test_enrolling_from_a_folder_makes_a_profile_that_status_shows_and_forget_removes(
    examples: list[tuple[str, Samples]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clips = labelled_folder(tmp_path / "clips", examples)
    profile = tmp_path / "profile"
    assert enroll("--input", str(clips), "--profile", str(profile)) == 0
    made = read_profile(profile)
    assert made is not None and made.mllr_path is not None
    assert [clip.transcript for clip in made.clips] == [text for text, _ in examples]
    if shipped_verifier().is_file():  # the verifier learns the voice too, and still loads
        from voicecoach.hearing.command_classifier import CommandClassifier

        assert made.verifier_path is not None
        assert CommandClassifier.load(made.verifier_path).card["adapted_on"]["pause"] == 1
    printed = capsys.readouterr()
    assert "learnt in" in printed.out
    # Words alone, no sentence of ordinary talk: the profile is made, and says what it lacks.
    assert "hold no sentence of ordinary talk" in printed.err
    assert "--add-sentences" in printed.err
    assert enroll("--status", "--profile", str(profile)) == 0
    assert f"{len(examples)} clips" in capsys.readouterr().out
    assert enroll("--forget", "--profile", str(profile)) == 0
    assert read_profile(profile) is None
    assert enroll("--status", "--profile", str(profile)) == 0
    assert "no voice profile" in capsys.readouterr().out


@needs_enrollment_tools
def test_the_profile_folder_comes_from_the_environment(
    examples: list[tuple[str, Samples]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_PROFILE", str(tmp_path / "env-profile"))
    assert enroll("--input", str(labelled_folder(tmp_path / "clips", examples[:3]))) == 0
    assert read_profile(tmp_path / "env-profile") is not None


Examples = list[tuple[str, Samples]]


def missing_folder(folder: Path, ex: Examples, mp: pytest.MonkeyPatch) -> Path:
    return folder / "absent"


def no_labels(folder: Path, ex: Examples, mp: pytest.MonkeyPatch) -> Path:
    return folder


def latin1_labels(folder: Path, ex: Examples, mp: pytest.MonkeyPatch) -> Path:
    (folder / "labels.csv").write_bytes(b"path,transcript\nclip.wav,caf\xe9\n")
    return folder


def digits_in_transcript(folder: Path, ex: Examples, mp: pytest.MonkeyPatch) -> Path:
    return labelled_folder(folder, [("go 2 left", ex[0][1])])


def wrong_columns(folder: Path, ex: Examples, mp: pytest.MonkeyPatch) -> Path:
    (folder / "labels.csv").write_text("path,words\na.wav,stop\n")
    return folder


def missing_clip(folder: Path, ex: Examples, mp: pytest.MonkeyPatch) -> Path:
    (folder / "labels.csv").write_text("path,transcript\nnowhere.wav,stop\n")
    return folder


def no_sphinxtrain(folder: Path, ex: Examples, mp: pytest.MonkeyPatch) -> Path:
    mp.setattr(mllr, "TOOL_DIRS", ())
    mp.setenv("PATH", str(folder / "empty"))
    return labelled_folder(folder, ex)


@needs_enrollment_tools
@pytest.mark.parametrize(("make_input", "says"), [
    (missing_folder, "no such folder"),
    (no_labels, "labels.csv: missing"),
    (latin1_labels, "not UTF-8"),
    (digits_in_transcript, "'2'"),
    (wrong_columns, "path and transcript"),
    (missing_clip, "nowhere.wav: no such file"),
    (no_sphinxtrain, "sudo apt-get install sphinxtrain"),
])
def test_bad_input_is_one_line_naming_the_fix_and_the_old_profile_stays(
    make_input: Callable[[Path, Examples, pytest.MonkeyPatch], Path], says: str,
    existing: VoiceProfile, examples: Examples, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    source = make_input(folder, examples, monkeypatch)
    assert enroll("--input", str(source), "--profile", str(existing.folder)) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and says in errors[0] and errors[0].startswith("voicecoach: ")
    assert read_profile(existing.folder) == existing


@needs_enrollment_tools
def test_unusable_clips_are_named_and_too_few_left_is_refused(
    existing: VoiceProfile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = np.zeros(SAMPLE_RATE, np.int16)
    clips = labelled_folder(tmp_path / "clips", [("stop", silent), ("pause", silent)])
    assert enroll("--input", str(clips), "--profile", str(existing.folder)) == 1
    errors = capsys.readouterr().err
    assert "0.wav: too quiet, left out" in errors and "only 0 usable clips" in errors
    assert read_profile(existing.folder) == existing


def test_a_loud_file_listed_twice_is_named_once_and_the_count_left_is_said_in_words(
        tmp_path: Path) -> None:
    seconds = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * 220 * seconds)
    clipped = (np.clip(3 * tone, -1, 1) * 32767).astype(np.int16)
    clear = (0.3 * tone * 32767).astype(np.int16)
    folder = labelled_folder(tmp_path / "clips", [("pause", clipped), ("go", clear)])
    with (folder / "labels.csv").open("a", encoding="utf-8") as labels:
        labels.write("0.wav,stop\n")  # the loud file again, for another phrase
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "enroll", "--input", str(folder), "--profile",
         str(tmp_path / "profile")], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "voicecoach: 0.wav: too loud (clipped), left out (on 2 lines of labels.csv)",
        "voicecoach: only 1 usable clip: at least 3 are needed to learn a voice; record more",
    ]


# --- takes from a live source ---------------------------------------------------------------


class ScriptedSource:
    """A microphone that plays a fixed recording in 50 ms chunks, then ends."""

    def __init__(self, audio: Samples) -> None:
        self._audio = audio
        self._position = 0
        self.closed = False

    def read(self, timeout: float | None = None) -> Samples | None:
        if self._position >= len(self._audio):
            return None
        chunk = self._audio[self._position : self._position + 800]
        self._position += 800
        return chunk

    def close(self) -> None:
        self.closed = True


def room(seconds: float, seed: int) -> Samples:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, NOISE_FLOOR_RMS, round(seconds * SAMPLE_RATE)).astype(np.int16)


def takes(*spoken_audio: Samples) -> Samples:
    parts = [room(1.0, 0)]
    for number, audio in enumerate(spoken_audio, start=1):
        parts += [with_room(audio, 0.0, 0.0, seed=number), room(1.5, number)]
    return np.concatenate(parts)


@needs_enrollment_tools
def test_a_clipped_take_is_asked_for_again_and_the_good_takes_are_kept() -> None:
    stop, hurts = synthesize("stop", SPEAKER), synthesize("that hurts", SPEAKER)
    clipped = np.clip(hurts.astype(np.int32) * 40, -32768, 32767).astype(np.int16)
    source = ScriptedSource(takes(stop, stop, clipped, hurts, hurts))
    asked: list[Take] = []
    told: list[str] = []
    examples = enroll_from(source, asked.append, told.append, ["stop", "that hurts"], repeats=2,
                           sentences=())
    assert [text for text, _ in examples] == ["stop", "stop", "that hurts", "that hurts"]
    assert [(t.phrase, t.number) for t in asked] == [
        ("stop", 1), ("stop", 2), ("that hurts", 1), ("that hurts", 1), ("that hurts", 2)]
    assert len(told) == 1 and "clipped" in told[0]


@needs_enrollment_tools
def test_silence_is_asked_for_again_and_an_ended_source_keeps_the_takes_so_far() -> None:
    source = ScriptedSource(np.concatenate([takes(synthesize("stop", SPEAKER)), room(7.0, 9)]))
    told: list[str] = []
    examples = enroll_from(source, lambda take: None, told.append, ["stop", "pause"],
                           repeats=1, listen_seconds=3.0, sentences=())
    assert [text for text, _ in examples] == ["stop"]
    assert told[0].startswith("nothing heard") and "ended" in told[-1]


@needs_enrollment_tools
def test_the_cut_utterance_holds_the_whole_phrase_and_little_else() -> None:
    phrase = synthesize("that hurts", SPEAKER)
    cutter = UtteranceCutter()
    cut = None
    audio = takes(phrase)
    for start in range(0, len(audio), 800):
        cut = cut if cut is not None else cutter.feed(audio[start : start + 800])
    assert cut is not None
    sounding = np.nonzero(np.abs(phrase) > 200)[0]  # espeak-ng pads its words with zeros
    speech = sounding[-1] - sounding[0]
    assert speech <= len(cut) <= speech + SAMPLE_RATE


@needs_enrollment_tools
def test_after_the_commands_each_sentence_is_read_once_and_kept_as_its_words() -> None:
    first, second = SENTENCES[:2]
    source = ScriptedSource(takes(synthesize("stop", SPEAKER), synthesize(first, SPEAKER),
                                  synthesize(second, SPEAKER)))
    asked: list[Take] = []
    examples = enroll_from(source, asked.append, lambda message: None, ["stop"], repeats=1,
                           sentences=[first, second])
    assert [(t.phrase, t.reading) for t in asked] == [
        ("stop", False), (first, True), (second, True)]
    assert [text for text, _ in examples] == [
        "stop", transcript_of(first), transcript_of(second)]
    assert "," not in transcript_of(first) and transcript_of(first).islower()
    assert len(examples[1][1]) > 2 * SAMPLE_RATE  # the whole sentence, not its first word


@needs_enrollment_tools
def test_a_sentence_read_with_a_pause_at_its_comma_is_one_recording() -> None:
    before, after = SENTENCES[0].split(",")
    reading = np.concatenate([with_room(synthesize(before, SPEAKER), 0.0, 0.6, seed=1),
                              with_room(synthesize(after, SPEAKER), 0.0, 0.0, seed=2)])
    source = ScriptedSource(np.concatenate([room(1.0, 0), reading, room(2.0, 3), reading]))
    heard = record_reading(source)
    assert heard is not None
    both = len(synthesize(before, SPEAKER)) + len(synthesize(after, SPEAKER))
    assert 0.8 * both <= len(heard) <= len(reading) + SAMPLE_RATE


@needs_enrollment_tools
def test_a_sentence_cut_short_is_asked_for_again() -> None:
    sentence = SENTENCES[1]
    source = ScriptedSource(takes(synthesize("pot", SPEAKER), synthesize(sentence, SPEAKER)))
    told: list[str] = []
    examples = enroll_from(source, lambda take: None, told.append, [], sentences=[sentence])
    assert [text for text, _ in examples] == [transcript_of(sentence)]
    assert len(told) == 1 and "read the whole sentence" in told[0]

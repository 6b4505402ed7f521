"""The voice profile on disk: built whole or not at all, read back, damage reported, forgotten."""

from __future__ import annotations

import json
import shutil
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from voicecoach.adapting.mllr import AdaptationError
from voicecoach.adapting.profile_builder import (
    build_profile,
    command_verifier_adapter,
    forget_profile,
)
from voicecoach.audio.source import Samples
from voicecoach.audio.wav_file import read_all
from voicecoach.core.intents import Command
from voicecoach.hearing.mllr_file import read_mllr
from voicecoach.hearing.voice_profile import (
    MANIFEST,
    MLLR_FILE,
    PROFILE_ENV,
    VERIFIER_FILE,
    VoiceProfile,
    load_profile,
    profile_folder,
    read_profile,
)
from voicecoach.library import Library

from .enrollment_helpers import needs_enrollment_tools, spoken


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sphinx-model")


@pytest.fixture(scope="session")
def examples() -> list[tuple[str, Samples]]:
    return spoken()


class RecordingVerifierAdapter:
    """Stands in for the command classifier: records what it was taught, writes a file."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.taught: list[str] = []
        self.fail_with = fail_with

    def __call__(self, examples: Sequence[tuple[str, Samples]], out: Path) -> Path | None:
        if self.fail_with is not None:
            raise self.fail_with
        self.taught = [text for text, _ in examples]
        out.write_bytes(b"adapted verifier")
        return out


@pytest.fixture(scope="session")
def built_once(
    examples: list[tuple[str, Samples]], model_cache: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    return build_profile(examples[:3], tmp_path_factory.mktemp("built") / "voice-profile",
                         model_cache=model_cache).folder


@pytest.fixture
def a_profile(built_once: Path, tmp_path: Path) -> Path:
    """A fresh copy of a real profile (a build is half a second; a copy is nothing)."""
    return Path(shutil.copytree(built_once, tmp_path / "voice-profile"))


def build(examples: list[tuple[str, Samples]], folder: Path, model_cache: Path,
          adapter: RecordingVerifierAdapter | None = None) -> VoiceProfile:
    return build_profile(examples, folder, adapter, model_cache=model_cache)


def siblings(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.parent.iterdir())


@needs_enrollment_tools
def test_a_built_profile_holds_the_clips_the_transform_and_the_verifier(
    examples: list[tuple[str, Samples]], model_cache: Path, tmp_path: Path
) -> None:
    adapter = RecordingVerifierAdapter()
    profile = build(examples, tmp_path / "voice-profile", model_cache, adapter)
    assert [clip.transcript for clip in profile.clips] == [text for text, _ in examples]
    assert np.array_equal(read_all(profile.clips[2].path), examples[2][1])
    assert profile.mllr_path is not None and read_mllr(profile.mllr_path).classes == 1
    assert profile.verifier_path == profile.folder / VERIFIER_FILE
    assert adapter.taught == [text for text, _ in examples]
    assert read_profile(profile.folder) == profile
    assert siblings(profile.folder) == ["voice-profile"]  # nothing half-built left beside it


@needs_enrollment_tools
def test_without_a_verifier_the_profile_keeps_the_transform_alone(
    examples: list[tuple[str, Samples]], model_cache: Path, tmp_path: Path
) -> None:
    profile = build(examples[:3], tmp_path / "voice-profile", model_cache)
    assert profile.verifier_path is None and profile.mllr_path is not None


@needs_enrollment_tools
def test_a_new_profile_replaces_the_old_one_whole(
    examples: list[tuple[str, Samples]], model_cache: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "voice-profile"
    build(examples, folder, model_cache, RecordingVerifierAdapter())
    second = build(examples[:3], folder, model_cache)
    assert len(second.clips) == 3 and second.verifier_path is None
    assert not (folder / VERIFIER_FILE).exists()
    assert siblings(folder) == ["voice-profile"]


@needs_enrollment_tools
@pytest.mark.parametrize("failure", [
    AdaptationError("clip 1 is too short"), RuntimeError("power cut while adapting")])
def test_a_build_that_fails_keeps_the_previous_profile(
    failure: Exception, examples: list[tuple[str, Samples]], model_cache: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "voice-profile"
    before = build(examples, folder, model_cache)
    with pytest.raises(type(failure)):
        build(examples[:3], folder, model_cache, RecordingVerifierAdapter(fail_with=failure))
    assert read_profile(folder) == before
    assert siblings(folder) == ["voice-profile"]


@needs_enrollment_tools
def test_a_crash_between_the_two_renames_is_undone_on_the_next_read(a_profile: Path) -> None:
    folder = a_profile
    before = read_profile(folder)
    folder.rename(folder.with_name(".voice-profile.replaced-4242"))  # old one moved aside...
    # ...and the process died before the new one was renamed in.
    assert read_profile(folder) == before


@needs_enrollment_tools
@pytest.mark.parametrize(("damage", "named"), [
    (lambda f: (f / MLLR_FILE).write_text("1\n3\n13\n0.5"), MLLR_FILE),
    (lambda f: (f / MLLR_FILE).unlink(), MLLR_FILE),
    (lambda f: (f / MANIFEST).unlink(), MANIFEST),
    (lambda f: (f / MANIFEST).write_text("{not json"), MANIFEST),
    (lambda f: (f / "labels.csv").write_bytes(b"path,transcript\n\xff\xfe,stop\n"), "UTF-8"),
    (lambda f: next((f / "clips").iterdir()).unlink(), "no such file"),
])
def test_a_damaged_profile_is_reported_in_one_line_and_left_out(
    damage: Any, named: str, a_profile: Path
) -> None:
    folder = a_profile
    assert load_profile(folder) is not None
    damage(folder)
    problems: list[str] = []
    assert load_profile(folder, on_problem=problems.append) is None
    assert len(problems) == 1 and "\n" not in problems[0]
    assert named in problems[0] and "voicecoach enroll" in problems[0]


def test_no_profile_is_none_without_complaint(tmp_path: Path) -> None:
    problems: list[str] = []
    assert load_profile(tmp_path / "voice-profile", on_problem=problems.append) is None
    assert problems == []


@needs_enrollment_tools
def test_forgetting_removes_the_profile(a_profile: Path, tmp_path: Path) -> None:
    folder = a_profile
    assert forget_profile(folder) is True
    assert read_profile(folder) is None and list(tmp_path.iterdir()) == []
    assert forget_profile(folder) is False


def test_the_profile_lives_in_the_user_data_folder_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    assert profile_folder().parts[-2:] == ("voicecoach", "voice-profile")
    monkeypatch.setenv(PROFILE_ENV, str(tmp_path / "mine"))
    assert profile_folder() == tmp_path / "mine"


# --- the seam to the command classifier ---------------------------------------------------


class FakeClassifierError(Exception):
    pass


class FakeClassifier:
    """The face of command_classifier.CommandClassifier that enrollment uses."""

    labels = ("stop", "pause", "pain", "side:left", "other")
    taught: ClassVar[list[str]] = []  # what the last adaptation learnt, across instances
    taught_seconds: ClassVar[list[float]] = []  # how long each of those clips was
    saved: ClassVar[list[Path]] = []

    @classmethod
    def load(cls) -> FakeClassifier:
        return cls()

    @staticmethod
    def learn(base: FakeClassifier, examples: Sequence[tuple[str, Samples]]) -> FakeClassifier:
        """Stands for `classifier_adaptation.adapted`: records what it was taught."""
        FakeClassifier.taught = [label for label, _ in examples]
        FakeClassifier.taught_seconds = [len(audio) / 16000 for _, audio in examples]
        return base

    def save(self, path: Path) -> None:
        path.write_bytes(b"npz")
        FakeClassifier.saved.append(path)


def fake_label_for(command: Command) -> str:
    side = command.slots.get("side")
    return f"side:{side}" if side else command.intent.value


def fake_classifier_module(missing_model: bool = False) -> types.ModuleType:
    module = types.ModuleType("voicecoach.hearing.command_classifier")
    classifier = FakeClassifier
    if missing_model:
        class Missing(FakeClassifier):
            @classmethod
            def load(cls) -> FakeClassifier:
                raise FakeClassifierError("no command classifier: run `voicecoach train`")
        classifier = Missing
    module.CommandClassifier = classifier  # type: ignore[attr-defined]
    module.ClassifierError = FakeClassifierError  # type: ignore[attr-defined]
    module.OTHER = "other"  # type: ignore[attr-defined]
    module.label_for = fake_label_for  # type: ignore[attr-defined]
    return module


def test_the_verifier_learns_commands_by_label_and_other_words_as_other(
    library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "voicecoach.hearing.command_classifier",
                        fake_classifier_module())
    said: list[str] = []
    adapt = command_verifier_adapter(library.grammar, said.append, learn=FakeClassifier.learn)
    audio = np.zeros(16000, np.int16)
    out = adapt([(text, audio) for text in ("stop", "that hurts", "dog", "left")],
                tmp_path / VERIFIER_FILE)
    assert out == tmp_path / VERIFIER_FILE and out.read_bytes() == b"npz"
    assert FakeClassifier.taught == ["stop", "pain", "other", "side:left"]
    assert said == []


def test_without_a_trained_verifier_the_profile_says_so_and_goes_on(
    library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "voicecoach.hearing.command_classifier",
                        fake_classifier_module(missing_model=True))
    said: list[str] = []
    adapt = command_verifier_adapter(library.grammar, said.append)
    assert adapt([("stop", np.zeros(16000, np.int16))], tmp_path / VERIFIER_FILE) is None
    assert len(said) == 1 and "voicecoach train" in said[0]


def test_manifest_names_what_the_profile_holds(tmp_path: Path) -> None:
    # A hand-made profile with no transform (a future voicecoach might learn only the verifier)
    folder = tmp_path / "voice-profile"
    (folder / "clips").mkdir(parents=True)
    from voicecoach.audio.synthetic import write_wav

    write_wav(folder / "clips" / "1.wav", np.zeros(8000, np.int16))
    (folder / "labels.csv").write_text("path,transcript\nclips/1.wav,stop\n", encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps({"format": 1, "mllr": None, "verifier": None}))
    profile = read_profile(folder)
    assert profile is not None and profile.mllr_path is None and profile.words == ["stop"]


def test_a_sentence_of_ordinary_talk_is_learnt_as_other_whole_and_in_pieces(
    library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from voicecoach.hearing.ordinary_speech import (
        PIECES_PER_SENTENCE,
        SENTENCES,
        WORD_S,
        transcript_of,
    )

    monkeypatch.setitem(sys.modules, "voicecoach.hearing.command_classifier",
                        fake_classifier_module())
    rng = np.random.default_rng(0)
    sentence = (rng.normal(0, 3000, 4 * 16000)).astype(np.int16)  # four seconds of "talk"
    adapt = command_verifier_adapter(library.grammar, lambda message: None,
                                     learn=FakeClassifier.learn)
    adapt([("stop", np.zeros(16000, np.int16)), (transcript_of(SENTENCES[0]), sentence),
           ("i will stop by later", sentence)], tmp_path / VERIFIER_FILE)
    # The sentence with a command in it is learnt whole only: a piece could be its "stop".
    assert FakeClassifier.taught == ["stop", *["other"] * (1 + PIECES_PER_SENTENCE), "other"]
    cut = FakeClassifier.taught_seconds[2 : 2 + PIECES_PER_SENTENCE]
    assert FakeClassifier.taught_seconds[1] == 4.0 and max(cut) < 4.0
    assert min(cut) <= WORD_S[1] + 0.3  # a word and the room around it
    again = FakeClassifier.taught_seconds
    adapt([("stop", np.zeros(16000, np.int16)), (transcript_of(SENTENCES[0]), sentence),
           ("i will stop by later", sentence)], tmp_path / VERIFIER_FILE)
    assert FakeClassifier.taught_seconds == again  # the same clips, the same pieces

"""MLLR speaker adaptation with sphinxtrain, on real speech (espeak-ng, and the shared
recordings for a pipeline check)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voicecoach.adapting import mllr
from voicecoach.adapting.mllr import (
    AdaptationError,
    estimate_mllr,
    sphinxtrain_available,
)
from voicecoach.adapting.sphinx_model import TEXT_MDEF, adaptable_model
from voicecoach.audio.clip_folders import load_clip, read_labels
from voicecoach.audio.synthetic import Voice, espeak_available, synthesize, with_room
from voicecoach.hearing.mllr_file import read_mllr

needs_tools = pytest.mark.skipif(
    not (sphinxtrain_available() and espeak_available()),
    reason="sphinxtrain and espeak-ng are needed (sudo apt-get install sphinxtrain espeak-ng)")

# A fast, high British voice: the base model mishears it, so adaptation has work to do.
VOICE = Voice("en-gb", words_per_minute=200, pitch=80)
ENROLL_WORDS = ["seven", "marvin", "happy", "forward", "learn", "bird", "house", "tree", "wow",
                "dog"]
# Each command word, and the words listened for when it is said (one word per state).
RUNNING = ["stop", "pause", "next", "back", "repeat", "slower", "faster", "lighter", "firmer"]
STATES = {
    "running": RUNNING,
    "paused": ["go", "resume", "continue", "stop", "next", "back"],
    "asked": ["yes", "no", "stop", "repeat"],
    "side": ["left", "right", *RUNNING],
}
COMMANDS = {"stop": "running", "go": "paused", "yes": "asked", "no": "asked", "left": "side",
            "right": "side", "pause": "running", "next": "running", "slower": "running",
            "lighter": "running", "repeat": "asked", "back": "running"}


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sphinx-model")


@pytest.fixture(scope="session")
def enrollment() -> list[tuple[str, Any]]:
    return [(word, with_room(synthesize(word, VOICE), 0.3, 0.3, seed=i))
            for i, word in enumerate(ENROLL_WORDS)]


def decoders(matrix: Path | None) -> dict[str, Any]:
    import pocketsphinx

    built = {}
    for state, words in STATES.items():
        extra = {} if matrix is None else {"mllr": str(matrix)}
        decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", dither=True,
                                       seed=mllr.DITHER_SEED, **extra)
        decoder.add_jsgf_string(state, f"#JSGF V1.0;\ngrammar g;\npublic <w> = "
                                       f"{' | '.join(words)};\n")
        decoder.activate_search(state)
        built[state] = decoder
    return built


def words_heard(matrix: Path | None) -> int:
    decoders_by_state = decoders(matrix)
    right = 0
    for word, state in COMMANDS.items():
        audio = with_room(synthesize(word, VOICE), 0.3, 0.3, seed=7)
        decoder = decoders_by_state[state]
        decoder.start_utt()
        decoder.process_raw(audio.tobytes(), False, True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        right += hypothesis is not None and hypothesis.hypstr == word
    return right


@needs_tools
def test_the_model_is_converted_once_and_rebuilt_when_damaged(model_cache: Path) -> None:
    model = adaptable_model(cache=model_cache)
    header = model.mdef.read_text(encoding="ascii").splitlines()[:6]
    assert header[0] == "0.3" and header[4] == "5126 n_tied_state"
    written = model.mdef.stat().st_mtime_ns
    assert adaptable_model(cache=model_cache).mdef.stat().st_mtime_ns == written
    model.mixture_weights.unlink()
    rebuilt = adaptable_model(cache=model_cache)
    assert rebuilt.mixture_weights.is_file() and (rebuilt.mdef.parent / TEXT_MDEF).is_file()


@needs_tools
def test_converted_mixture_weights_are_distributions(model_cache: Path) -> None:
    model = adaptable_model(cache=model_cache)
    data = model.mixture_weights.read_bytes()
    start = data.index(b"endhdr\n") + len(b"endhdr\n") + 4
    senones, features, codewords, total = np.frombuffer(data, "<i4", 4, start)
    weights = np.frombuffer(data, "<f4", total, start + 16).reshape(senones, features, codewords)
    assert (senones, features, codewords) == (5126, 3, 128)
    assert np.allclose(weights.sum(axis=2), 1.0, atol=1e-4)


@needs_tools
def test_a_transform_learnt_from_a_voice_helps_to_hear_that_voice(
    enrollment: list[tuple[str, Any]], model_cache: Path, tmp_path: Path
) -> None:
    matrix = estimate_mllr(enrollment, tmp_path / "mllr_matrix", model_cache)
    transform = read_mllr(matrix)
    assert transform.classes == 1 and len(transform.streams) == 3
    assert matrix.stat().st_size < 8_000
    assert not np.allclose(transform.streams[0][0], np.eye(13), atol=0.05)
    assert words_heard(matrix) > words_heard(None)


@needs_tools
def test_the_same_clips_give_the_same_transform(
    enrollment: list[tuple[str, Any]], model_cache: Path, tmp_path: Path
) -> None:
    first = estimate_mllr(enrollment[:4], tmp_path / "a", model_cache).read_text()
    assert estimate_mllr(enrollment[:4], tmp_path / "b", model_cache).read_text() == first


@needs_tools
def test_digital_silence_around_speech_is_learnt_from(model_cache: Path, tmp_path: Path) -> None:
    # espeak-ng's own output, zeros before and after the words, as a WAV file would bring them
    bare = [(word, np.concatenate([np.zeros(8000, np.int16), synthesize(word, VOICE),
                                   np.zeros(8000, np.int16)])) for word in ENROLL_WORDS[:4]]
    read_mllr(estimate_mllr(bare, tmp_path / "mllr_matrix", model_cache))


@needs_tools
def test_words_missing_from_the_dictionary_are_pronounced(
    enrollment: list[tuple[str, Any]], model_cache: Path, tmp_path: Path
) -> None:
    examples = [*enrollment[:3], ("glutes", with_room(synthesize("glutes", VOICE), 0.3, 0.3))]
    read_mllr(estimate_mllr(examples, tmp_path / "mllr_matrix", model_cache))


@needs_tools
def test_a_failed_estimate_keeps_the_previous_transform(
    enrollment: list[tuple[str, Any]], model_cache: Path, tmp_path: Path
) -> None:
    out = estimate_mllr(enrollment[:3], tmp_path / "mllr_matrix", model_cache)
    before = out.read_text()
    with pytest.raises(AdaptationError):
        estimate_mllr([("seven", np.zeros(100, np.int16))], out, model_cache)
    assert out.read_text() == before


@pytest.mark.parametrize(("examples", "says"), [
    ([], "no clips"),
    ([("", np.zeros(16000, np.int16))], "empty transcript"),
    ([("go 2 left", np.zeros(16000, np.int16))], "'2' is not a word"),
    ([("stop", np.zeros(800, np.int16))], "too short"),
])
def test_bad_examples_are_refused_in_one_line(
    examples: list[tuple[str, Any]], says: str, tmp_path: Path
) -> None:
    if examples and not sphinxtrain_available():
        pytest.skip("sphinxtrain is not installed (sudo apt-get install sphinxtrain)")
    with pytest.raises(AdaptationError, match=says) as caught:
        estimate_mllr(examples, tmp_path / "mllr_matrix")
    assert "\n" not in str(caught.value)


def test_without_sphinxtrain_the_message_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(mllr, "TOOL_DIRS", (tmp_path,))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not sphinxtrain_available()
    with pytest.raises(AdaptationError, match="sudo apt-get install sphinxtrain"):
        estimate_mllr([("stop", np.zeros(16000, np.int16))], tmp_path / "mllr_matrix")


@pytest.mark.parametrize(("text", "says"), [
    ("1\n3\n13\n1.0 2.0", "cut short"),
    ("1\n1\n2\n1 0 0 1\n0 0\n1 1\n7", "more numbers"),
    ("1\n1\n2\n1 nan 0 1\n0 0\n1 1\n", "NaN"),
    ("MLLR please", "not a list of numbers"),
])
def test_damaged_transform_files_are_recognised(text: str, says: str, tmp_path: Path) -> None:
    path = tmp_path / "mllr_matrix"
    path.write_text(text)
    with pytest.raises(ValueError, match=says):
        read_mllr(path)


def shared_speech() -> Path:
    shared = os.environ.get("VOICECOACH_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[1] / ".." / "shared"
    return root / "audio" / "speech-commands"


@needs_tools
def test_a_real_speaker_can_be_learnt_from_their_recorded_words(
    model_cache: Path, tmp_path: Path
) -> None:
    folder = shared_speech()
    if not (folder / "labels.csv").is_file():
        pytest.skip(f"the shared recordings are not here ({folder}); set VOICECOACH_SHARED")
    clips = [c for c in read_labels(folder) if c.speaker == "6a27a9bf"][:5]
    examples = [(clip.transcript, load_clip(clip)) for clip in clips]
    transform = read_mllr(estimate_mllr(examples, tmp_path / "mllr_matrix", model_cache))
    assert len(transform.streams) == 3

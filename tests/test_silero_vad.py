"""Silero VAD as the coach runs it (ONNX Runtime, the model file shipped in the package)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.synthetic import Voice, synthesize
from voicecoach.hearing.silero_vad import CHUNK_SAMPLES, MODEL_PATH, SileroMissing, SileroVad
from voicecoach.hearing.speech_end import silero

from .audio_helpers import needs_espeak


def chunks(audio: np.ndarray) -> list[bytes]:
    whole = len(audio) // CHUNK_SAMPLES * CHUNK_SAMPLES
    return [audio[i:i + CHUNK_SAMPLES].tobytes() for i in range(0, whole, CHUNK_SAMPLES)]


def test_the_shipped_model_is_the_file_its_source_note_names():
    note = (MODEL_PATH.parent / "SOURCE.md").read_text()
    named = re.findall(r"bytes, sha256 `([0-9a-f]{64})`", note)
    assert named == [hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()]
    assert (MODEL_PATH.parent / "LICENSE").read_text().startswith("MIT License")


@needs_espeak
def test_speech_is_heard_as_speech_and_hiss_is_not():
    rng = np.random.default_rng(5)
    speech = synthesize("start glutes, that hurts", Voice("en-us", 160))
    hiss = (rng.normal(0, 800, 16_000)).astype(np.int16)
    vad = SileroVad()
    hiss_heard = [vad(c) for c in chunks(hiss)]
    vad.reset()
    speech_heard = [vad(c) for c in chunks(speech)]
    assert max(hiss_heard) < 0.35
    assert np.mean(np.array(speech_heard) >= 0.5) > 0.4


def test_a_chunk_of_the_wrong_size_is_refused_with_the_size_it_needs():
    with pytest.raises(ValueError, match="512 samples"):
        SileroVad()(b"\0" * 100)


def test_a_missing_model_file_leaves_utterances_to_the_floor(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(SileroMissing, match="reinstall voicecoach"):
        SileroVad(tmp_path / "gone.onnx")
    monkeypatch.setattr("voicecoach.hearing.silero_vad.MODEL_PATH", tmp_path / "gone.onnx")
    assert silero() is None

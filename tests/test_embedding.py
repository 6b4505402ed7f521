"""The speech embedding: openWakeWord's two feature models run with ONNX Runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voicecoach.hearing.embedding import MIN_SAMPLES, EmbeddingError, SpeechEmbedder


@pytest.fixture(scope="module")
def embedder() -> SpeechEmbedder:
    return SpeechEmbedder()


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1000.0, round(seconds * 16_000)).astype(np.int16)


def test_two_seconds_give_sixteen_96_number_embeddings(embedder: SpeechEmbedder) -> None:
    embeddings = embedder.embed(noise(2.0))
    assert embeddings.shape == (16, 96)
    assert embeddings.dtype == np.float32


def test_each_80_ms_more_audio_adds_one_embedding(embedder: SpeechEmbedder) -> None:
    assert embedder.embed(noise(MIN_SAMPLES / 16_000)).shape[0] == 1
    assert embedder.embed(noise((MIN_SAMPLES + 1280) / 16_000)).shape[0] == 2


def test_audio_shorter_than_one_window_gives_no_embedding(embedder: SpeechEmbedder) -> None:
    assert embedder.embed(noise((MIN_SAMPLES - 1) / 16_000)).shape == (0, 96)
    assert embedder.embed(noise(0.01)).shape == (0, 96)


def test_the_same_audio_always_gives_the_same_embedding(embedder: SpeechEmbedder) -> None:
    np.testing.assert_array_equal(embedder.embed(noise(1.5)), embedder.embed(noise(1.5)))


def test_different_sounds_give_different_embeddings(embedder: SpeechEmbedder) -> None:
    hum = (3000 * np.sin(2 * np.pi * 220 * np.arange(32_000) / 16_000)).astype(np.int16)
    assert not np.allclose(embedder.embed(hum), embedder.embed(noise(2.0)), atol=0.1)


def test_float_audio_is_refused_with_what_is_expected(embedder: SpeechEmbedder) -> None:
    with pytest.raises(ValueError, match="16 kHz mono int16"):
        embedder.embed(np.zeros(16_000, dtype=np.float32))  # type: ignore[arg-type]


def test_a_folder_without_the_models_names_the_package_to_reinstall(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match=r"openwakeword==0\.4\.0"):
        SpeechEmbedder(tmp_path)

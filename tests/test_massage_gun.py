"""The massage-gun noise: blows at the rate, whine that follows the speed, a realistic level."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio.massage_gun import (
    DEFAULT_LOUDNESS_DB_SPL,
    SPEECH_DB_SPL,
    SPEECH_DBFS,
    WHINE_MULTIPLE,
    a_weighted_dbfs,
    massage_gun,
)
from voicecoach.audio.source import SAMPLE_RATE, Samples


def spectrum(audio: Samples) -> tuple[np.ndarray, np.ndarray]:
    x = audio.astype(np.float64)
    return np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE), np.abs(np.fft.rfft(x)) ** 2


def band_power(freqs: np.ndarray, power: np.ndarray, centre: float, share: float) -> float:
    inside = (freqs >= centre * (1 - share)) & (freqs <= centre * (1 + share))
    return float(power[inside].mean())


def test_the_same_seed_gives_the_same_sound() -> None:
    np.testing.assert_array_equal(massage_gun(2.0, seed=1), massage_gun(2.0, seed=1))
    assert not np.array_equal(massage_gun(2.0, seed=1), massage_gun(2.0, seed=2))


def test_it_lasts_as_asked_as_16_khz_samples() -> None:
    gun = massage_gun(1.5, seed=0)
    assert gun.dtype == np.int16
    assert len(gun) == round(1.5 * SAMPLE_RATE)


@pytest.mark.parametrize("rate_hz", [30.0, 40.0, 50.0])
def test_blows_repeat_at_the_rate(rate_hz: float) -> None:
    gun = massage_gun(4.0, seed=3, rate_hz=rate_hz).astype(np.float64)
    millisecond = SAMPLE_RATE // 1000
    envelope = np.sqrt((gun[: len(gun) // millisecond * millisecond]
                        .reshape(-1, millisecond) ** 2).mean(axis=1))
    envelope -= envelope.mean()
    correlation = np.correlate(envelope, envelope, mode="full")[len(envelope) - 1 :]
    lags = np.arange(15, 45)  # ms: one period of 22-67 Hz
    period_ms = lags[np.argmax(correlation[lags])]
    assert period_ms == pytest.approx(1000 / rate_hz, abs=1.5)


def test_its_spectrum_is_a_comb_of_the_rate_and_its_harmonics() -> None:
    freqs, power = spectrum(massage_gun(8.0, seed=4, rate_hz=40.0))
    for harmonic in (1, 2, 3, 4, 5):
        on_line = band_power(freqs, power, 40.0 * harmonic, 0.035)
        between = band_power(freqs, power, 40.0 * (harmonic + 0.5), 0.035)
        assert 10 * np.log10(on_line / between) > 6.0


@pytest.mark.parametrize("rate_hz", [30.0, 50.0])
def test_the_whine_follows_the_motor_speed(rate_hz: float) -> None:
    freqs, power = spectrum(massage_gun(4.0, seed=5, rate_hz=rate_hz))
    whine_band = (freqs > 300) & (freqs < 800)
    loudest = freqs[whine_band][np.argmax(power[whine_band])]
    assert loudest == pytest.approx(WHINE_MULTIPLE * rate_hz, rel=0.05)


def test_it_is_louder_than_speech_as_a_real_gun_is() -> None:
    gun = massage_gun(4.0, seed=6)
    expected = SPEECH_DBFS + DEFAULT_LOUDNESS_DB_SPL - SPEECH_DB_SPL
    assert a_weighted_dbfs(gun) == pytest.approx(expected, abs=0.3)
    quieter = massage_gun(4.0, seed=6, loudness_db_spl=DEFAULT_LOUDNESS_DB_SPL - 5.0)
    assert a_weighted_dbfs(quieter) == pytest.approx(expected - 5.0, abs=0.3)


def test_a_weighting_is_flat_at_1_khz_and_deaf_to_bass() -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone_1k = 10_000 * np.sin(2 * np.pi * 1000 * t)
    tone_100 = 10_000 * np.sin(2 * np.pi * 100 * t)
    plain_dbfs = 20 * np.log10(10_000 / np.sqrt(2) / 32768)
    assert a_weighted_dbfs(tone_1k) == pytest.approx(plain_dbfs, abs=0.1)
    assert a_weighted_dbfs(tone_100) == pytest.approx(plain_dbfs - 19.1, abs=0.2)


@pytest.mark.parametrize("rate_hz", [5.0, 200.0])
def test_a_rate_no_gun_has_is_refused_naming_the_range(rate_hz: float) -> None:
    with pytest.raises(ValueError, match="20-60 times a second"):
        massage_gun(1.0, seed=0, rate_hz=rate_hz)

"""Generated pink noise: one recipe for the benchmark's noise beds and the soak's fallback room."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import pink_noise
from voicecoach.bench.measure import noise_beds


def octave_power(samples: Samples, low_hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    hz = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    return float(spectrum[(hz >= low_hz) & (hz < 2 * low_hz)].sum())


def test_pink_noise_has_the_level_asked_and_as_much_power_in_each_octave() -> None:
    noise = pink_noise(10 * SAMPLE_RATE, np.random.default_rng(3), rms=1000.0)
    assert len(noise) == 10 * SAMPLE_RATE and noise.dtype == np.int16
    assert np.sqrt(np.mean(noise.astype(np.float64) ** 2)) == pytest.approx(1000.0, rel=0.01)
    low, high = octave_power(noise, 100.0), octave_power(noise, 3200.0)
    assert 0.67 < low / high < 1.5  # white noise would give 1/32


def test_the_benchmarks_generated_pink_bed_is_that_pink_noise() -> None:
    rng = np.random.default_rng(0)
    rng.normal(0.0, 3000.0, 30 * SAMPLE_RATE)  # the white bed is drawn first
    assert np.array_equal(noise_beds(None)[1], pink_noise(30 * SAMPLE_RATE, rng))


"""The input conditioner: level, noise floor and clipping notice, on real (espeak-ng) speech."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_helpers import needs_espeak
from voicecoach.audio.clipping import CLIPPING_MESSAGE, ClipRuns
from voicecoach.audio.conditioning import DELAY_SAMPLES, FRAME_SAMPLES, InputConditioner
from voicecoach.audio.gain_control import DEFAULT_GAIN
from voicecoach.audio.massage_gun import massage_gun
from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import NOISE_FLOOR_RMS, synthesize, with_room
from voicecoach.hearing.recognizer import REJECTED
from voicecoach.hearing.sphinx_backend import PocketSphinxRecognizer
from voicecoach.library import load_library

TARGET = DEFAULT_GAIN.target_dbfs


def condition(conditioner: InputConditioner, audio: Samples, chunk: int = 800) -> Samples:
    parts = [conditioner.process(audio[i : i + chunk]) for i in range(0, len(audio), chunk)]
    return np.concatenate((*parts, conditioner.flush()))


def scaled(audio: Samples, db: float) -> Samples:
    louder = audio.astype(np.float64) * 10 ** (db / 20)
    return np.clip(np.round(louder), -32768, 32767).astype(np.int16)


def rms(audio: Samples) -> float:
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))


def active_level_dbfs(audio: Samples) -> float:
    """Power mean of the 10 ms frames within 20 dB of the loudest: the level of the speech."""
    frames = audio[: len(audio) // 160 * 160].astype(np.float64).reshape(-1, 160)
    power = (frames**2).mean(axis=1)
    loud = power > power.max() / 100
    return float(10 * np.log10(power[loud].mean() / 32768.0**2))


def room_noise(seconds: float, rms_level: float, seed: int) -> Samples:
    noise = np.random.default_rng(seed).normal(0.0, rms_level, round(seconds * SAMPLE_RATE))
    return np.round(noise).astype(np.int16)


def seconds(value: float) -> int:
    return round(value * SAMPLE_RATE)


@pytest.fixture(scope="module")
def phrase() -> Samples:
    return synthesize("start glutes")


@needs_espeak
def test_loud_clipped_speech_is_brought_down_near_the_target(phrase: Samples) -> None:
    shouted = with_room(scaled(phrase, 14.0), 0.3, 0.5)
    assert active_level_dbfs(shouted) > -10.0  # louder than the clipping speaker (-11)

    out = condition(InputConditioner(), shouted)

    # The gain measures all the frames the VAD calls speech, a little quieter than these.
    assert active_level_dbfs(out) < TARGET + DEFAULT_GAIN.tolerance_above_db + 2.5
    assert active_level_dbfs(out) < active_level_dbfs(shouted) - 2.5


@needs_espeak
def test_clipped_audio_is_never_given_gain(phrase: Samples) -> None:
    conditioner = InputConditioner()
    # Quiet speech first: the gain climbs to its ceiling...
    condition(conditioner, with_room(np.tile(scaled(phrase, -20.0), 8), 0.3, 0.3))
    assert conditioner.gain_db > 6.0
    # ...then a shout: no sample comes out louder than it went in, none reaches full scale.
    shout = with_room(scaled(phrase, 14.0), 0.0, 0.3)
    out = condition(conditioner, shout)

    assert np.abs(out.astype(np.int32)).max() < 32_767
    assert conditioner.gain_db <= 0.0


@needs_espeak
def test_quiet_speech_is_brought_up_to_the_target(phrase: Samples) -> None:
    quiet = scaled(phrase, -14.0)
    assert active_level_dbfs(quiet) < TARGET - 12.0
    gap = np.zeros(seconds(0.3), dtype=np.int16)
    talk = with_room(np.concatenate([np.concatenate((quiet, gap))] * 8), 0.3, 0.0)

    out = condition(InputConditioner(), talk)

    last_phrase = out[-len(quiet) - len(gap) :]
    assert active_level_dbfs(last_phrase) > TARGET - DEFAULT_GAIN.tolerance_below_db - 1.0


@needs_espeak
def test_gain_holds_still_through_silence_after_speech(phrase: Samples) -> None:
    """The noise floor after five quiet seconds is no louder than right after the words."""
    conditioner = InputConditioner()
    words = with_room(scaled(phrase, -18.0), 0.3, 0.0)
    condition(conditioner, words)
    gain_after_words = conditioner.gain_db
    assert 0.0 < gain_after_words < DEFAULT_GAIN.max_gain_db  # it would still like to rise

    out = condition(conditioner, room_noise(5.0, 30.0, seed=3))

    assert conditioner.gain_db == gain_after_words
    assert rms(out[-seconds(0.5) :]) <= rms(out[: seconds(0.5)]) * 1.02


def test_digital_silence_gets_the_noise_floor() -> None:
    out = condition(InputConditioner(), np.zeros(seconds(2.0), dtype=np.int16))

    assert rms(out) == pytest.approx(NOISE_FLOOR_RMS, rel=0.05)
    zero = np.concatenate(([0], (out == 0).astype(np.int8), [0]))
    longest_zero_run = int(np.max(np.flatnonzero(np.diff(zero) == -1)
                                  - np.flatnonzero(np.diff(zero) == 1)))
    assert longest_zero_run <= 3


def test_a_microphones_own_noise_is_barely_changed() -> None:
    hiss = room_noise(2.0, 60.0, seed=5)  # about -55 dBFS: a laptop's microphone

    out = condition(InputConditioner(), hiss)

    assert 20 * np.log10(rms(out) / rms(hiss)) == pytest.approx(0.0, abs=0.6)


@needs_espeak
def test_clipping_is_reported_once_per_session(phrase: Samples) -> None:
    said: list[str] = []
    conditioner = InputConditioner(on_clipping=said.append)
    shouted = with_room(scaled(phrase, 14.0), 0.3, 0.5)

    condition(conditioner, shouted)
    conditioner.reset()  # the next file or microphone stream: still the same session
    condition(conditioner, shouted)

    assert said == [CLIPPING_MESSAGE]
    assert conditioner.clipping_noticed


def test_a_single_click_is_not_reported() -> None:
    said: list[str] = []
    audio = room_noise(2.0, 30.0, seed=7)
    audio[seconds(1.0) : seconds(1.0) + 6] = 32_767  # a tap on the microphone

    conditioner = InputConditioner(on_clipping=said.append)
    condition(conditioner, audio)

    assert said == []
    assert not conditioner.clipping_noticed


@needs_espeak
def test_speech_at_a_healthy_level_is_not_reported(phrase: Samples) -> None:
    said: list[str] = []
    condition(InputConditioner(on_clipping=said.append), with_room(phrase))
    assert said == []


def test_a_clipped_run_split_between_frames_is_found() -> None:
    runs = ClipRuns()
    first = np.zeros(FRAME_SAMPLES, dtype=np.int16)
    second = np.zeros(FRAME_SAMPLES, dtype=np.int16)
    first[-2:] = 32_767
    second[:1] = 32_767

    assert not runs.in_frame(first)
    assert runs.in_frame(second)


@needs_espeak
def test_output_does_not_depend_on_chunk_size(phrase: Samples) -> None:
    audio = with_room(np.concatenate((scaled(phrase, -15.0), scaled(phrase, 14.0))))

    small = condition(InputConditioner(seed=4), audio, chunk=160)
    large = condition(InputConditioner(seed=4), audio, chunk=4000)
    odd = condition(InputConditioner(seed=4), audio, chunk=333)

    assert len(small) == len(audio) + DELAY_SAMPLES
    np.testing.assert_array_equal(small, large)
    np.testing.assert_array_equal(small, odd)


def test_each_chunk_comes_back_as_long_as_it_went_in() -> None:
    conditioner = InputConditioner()
    lengths = [len(conditioner.process(np.zeros(n, dtype=np.int16))) for n in (1, 7, 160, 999)]
    assert lengths == [1, 7, 160, 999]
    assert len(conditioner.flush()) == DELAY_SAMPLES


@needs_espeak
def test_a_new_stream_is_conditioned_as_by_a_fresh_conditioner(phrase: Samples) -> None:
    audio = with_room(scaled(phrase, -10.0))
    used = InputConditioner(seed=2)
    condition(used, with_room(scaled(phrase, 14.0)))
    used.reset()

    np.testing.assert_array_equal(condition(used, audio),
                                  condition(InputConditioner(seed=2), audio))


@needs_espeak
def test_espeak_file_with_digital_silence_is_heard_as_start_glutes(phrase: Samples) -> None:
    """espeak-ng -w output, padded with digital zeros: PocketSphinx needs the noise floor."""
    padded = np.concatenate((np.zeros(seconds(0.5), dtype=np.int16), phrase,
                             np.zeros(seconds(1.0), dtype=np.int16)))
    conditioner = InputConditioner()
    recognizer = PocketSphinxRecognizer(load_library().grammar)

    hypotheses = []
    for start in range(0, len(padded), 800):
        hypotheses += recognizer.accept(conditioner.process(padded[start : start + 800]))
    hypotheses += recognizer.accept(conditioner.flush())
    hypotheses += recognizer.finish()

    heard = [h.text for h in hypotheses if h.final and h.text != REJECTED]
    assert heard == ["start glutes"]


def test_a_massage_gun_does_not_teach_the_gain_nor_raise_the_notice() -> None:
    """The VAD takes a gun's blows for speech; the level meter must not."""
    said: list[str] = []
    conditioner = InputConditioner(on_clipping=said.append)

    condition(conditioner, massage_gun(6.0, seed=2, rate_hz=40.0))

    assert conditioner.gain_db == 0.0
    assert said == []

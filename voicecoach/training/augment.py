"""Synthetic speech made to sound like a room: noise, reverberation, level, speed, the coach's
own voice leaking in, a microphone's noise floor, and the cut a detector makes around speech.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..audio.clip_folders import wav_files
from ..audio.noise_split import TRAINING_SHARE, training_part
from ..audio.room import simulate_room
from ..audio.source import SAMPLE_RATE, Samples
from ..audio.speech_level import level_db
from ..audio.wav_file import read_all
from ..core.wording import counted
from ..hearing.utterance import speech_bounds

Signal = npt.NDArray[np.float64]
FRAME = 320  # 20 ms


def shared_folder() -> Path:
    """The project's shared audio (`$VOICECOACH_SHARED`, else ../shared beside the project)."""
    configured = os.environ.get("VOICECOACH_SHARED")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared"


def generated_noises(seed: int = 0, seconds: float = 20.0) -> list[Samples]:
    """White, pink and brown noise: the beds used when no recorded noise is at hand."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    white = rng.normal(0.0, 1.0, n)
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, n))
    freqs = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
    pink = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    brown = np.fft.irfft(spectrum / freqs, n)
    return [_to_int16(x / np.std(x) * 2000) for x in (white, pink, brown)]


def load_noises(folder: Path | None = None) -> tuple[list[Samples], str]:
    """The training part of the noise recordings in `folder` (with what they are). With no
    folder given: the shared recordings if present, else generated noise. A folder the user
    named must hold noise: it is never swapped silently for generated noise."""
    if folder is not None:
        files = wav_files(folder, "noise")
    else:
        folder = shared_folder() / "audio" / "noise"
        files = sorted(folder.rglob("*.wav")) if folder.is_dir() else []
        if not files:
            return generated_noises(), "generated white, pink and brown noise"
    return ([training_part(read_all(path)) for path in files],
            f"the first {TRAINING_SHARE:.0%} of {counted(len(files), 'recording')} from {folder}")


def _to_int16(signal: Signal) -> Samples:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def _bed(noises: Sequence[Samples], length: int, rng: np.random.Generator) -> Signal:
    noise = noises[int(rng.integers(len(noises)))].astype(np.float64)
    if len(noise) < length:
        noise = np.tile(noise, length // max(len(noise), 1) + 1)
    start = int(rng.integers(0, len(noise) - length + 1))
    return noise[start : start + length]


@dataclass(frozen=True)
class Scene:
    """What happened to one clip (the model card counts these)."""

    noise_snr_db: float | None
    reverb: bool
    speed: float
    coach_leak: bool
    clipped: bool


def speed_changed(speech: Samples, factor: float) -> Samples:
    """Faster (> 1) or slower, pitch moving with it, as a tape would."""
    import soxr

    resampled = soxr.resample(speech.astype(np.float32), SAMPLE_RATE,
                              round(SAMPLE_RATE / factor))
    return _to_int16(np.asarray(resampled, dtype=np.float64))


def in_room(
    speech: Samples,
    rng: np.random.Generator,
    noises: Sequence[Samples],
    coach_lines: Sequence[Samples],
) -> tuple[Samples, Scene]:
    """`speech` (clean, 16 kHz) as the detector would deliver it from a room; with the scene."""
    speed = float(rng.uniform(0.85, 1.15)) if rng.random() < 0.5 else 1.0
    if speed != 1.0:
        speech = speed_changed(speech, speed)
    reverb = bool(rng.random() < 0.35)
    if reverb:
        # The room's response (and a cheap transducer's colouring) from the echo simulator.
        speech = simulate_room(speech, None, 0.0, 0.0, noise_rms=0.0,
                               seed=int(rng.integers(1 << 30)))
    start, end = speech_bounds(speech)
    lead, tail = round(0.6 * SAMPLE_RATE), round(0.5 * SAMPLE_RATE)
    signal = np.concatenate([np.zeros(lead), speech.astype(np.float64), np.zeros(tail)])
    speech_level = level_db(speech)
    if not np.isfinite(speech_level):
        speech_level = 60.0
    coach_leak = bool(coach_lines) and rng.random() < 0.2
    if coach_leak:
        line = coach_lines[int(rng.integers(len(coach_lines)))]
        echo = _bed([line], len(signal), rng)
        # From a faint residue the echo canceller leaves to the coach louder than the user
        # (barge-in: "stop" said over the coach).
        relative = float(rng.uniform(-30.0, 6.0))
        signal += echo * 10 ** ((speech_level + relative - level_db(_to_int16(echo))) / 20)
    snr: float | None = None
    if rng.random() < 0.65:
        snr = float(rng.uniform(0.0, 30.0))
        bed = _bed(noises, len(signal), rng)
        bed_level = 10 * np.log10(np.mean(bed**2) + 1e-12)
        signal += bed * 10 ** ((speech_level - snr - bed_level) / 20)
    # Level at the microphone: from a whisper across the room to shouting into it.
    clipped = bool(rng.random() < 0.1)
    peak = float(np.max(np.abs(signal))) or 1.0
    if clipped:
        gain = 32767 / peak * 10 ** (rng.uniform(3.0, 12.0) / 20)
    else:
        target = float(rng.uniform(40.0, 84.0))  # active level, dB of int16 units
        gain = min(10 ** ((target - speech_level) / 20), 32767 / peak)
    signal = signal * gain + rng.normal(0.0, rng.uniform(3.0, 30.0), len(signal))
    before = float(rng.uniform(0.1, 0.5))
    after = float(rng.uniform(0.0, 0.3)) if rng.random() > 0.15 else -float(rng.uniform(0, 0.08))
    first = max(0, lead + start - round(before * SAMPLE_RATE))
    last = min(len(signal), max(first + FRAME, lead + end + round(after * SAMPLE_RATE)))
    return _to_int16(signal[first:last]), Scene(snr, reverb, speed, coach_leak, clipped)


def room_only(
    rng: np.random.Generator, noises: Sequence[Samples], coach_lines: Sequence[Samples]
) -> Samples:
    """No user speech: a noise, the coach talking, or both, 0.5-2.5 s, at a random level."""
    length = int(rng.uniform(0.5, 2.5) * SAMPLE_RATE)
    signal = np.zeros(length)
    kind = rng.random()
    if kind < 0.6 or not coach_lines:
        signal += _bed(noises, length, rng)
    if kind >= 0.4 and coach_lines:
        signal += _bed([coach_lines[int(rng.integers(len(coach_lines)))]], length, rng)
    rms = float(np.sqrt(np.mean(signal**2))) or 1.0
    signal *= 10 ** (rng.uniform(30.0, 75.0) / 20) / rms
    return _to_int16(signal + rng.normal(0.0, rng.uniform(3.0, 30.0), length))


def fragment(speech: Samples, rng: np.random.Generator) -> Samples:
    """A random 0.6-2.5 s piece of longer speech: a detector woken in the middle of talk."""
    start, end = speech_bounds(speech)
    length = int(rng.uniform(0.6, 2.5) * SAMPLE_RATE)
    if end - start <= length:
        return speech
    first = int(rng.integers(start, end - length))
    return speech[first : first + length]

"""A massage gun at work, as the coach's microphone hears it: the benchmark's noisiest scene.

The model of the sound, from the outside in:

- **Percussions.** A motor drives the head into the muscle `rate_hz` times a second (30-50 Hz:
  1800-3000 percussions a minute, the range of common guns). Each blow is a thud, the struck
  body and the gun's housing ringing as a damped resonance near 100-160 Hz (decaying in about
  10 ms), plus a click, the brief broadband contact of the head (decaying within a millisecond,
  its energy at a few kHz). The blows are periodic, so the spectrum is a comb of lines at the
  rate and its harmonics; their strength varies by +-20% with how hard the gun is pressed.
- **Reciprocation.** The eccentric and the shaft shake the housing at the rate itself, with
  weaker harmonics (amplitude 1/k for the k-th): a low hum under the blows.
- **Motor whine.** The brushless motor's commutation and the gears sing at 12 times the
  rotation (480 Hz at 40 Hz), with harmonics at 2x and 3x (to about 1.5 kHz), dipping briefly as
  each blow loads the motor.
- **Speed.** Battery, pressure and the muscle under the head make the speed wander by about
  +-3% over seconds: the comb and the whine glide together, so no fixed notch removes them.
- **Radiation.** A body the size of a gun radiates bass poorly, and a room microphone rolls
  off the deepest notes: a first-order high-pass at 150 Hz (the 40 Hz line 12 dB down).
- **Room.** The gun works on the user's body, the microphone is 1-2 m away: it hears the direct
  sound and, 3 dB stronger, the room's reverberation (a living room, RT60 0.4 s; at 1.5 m one
  is past the critical distance).

Level: guns measure about 60-70 dB SPL at 1 m (the default, 65 dB, is the middle), against
about 60 dB for conversational speech at 1 m; the user's mouth and the gun are about as far from
the microphone, so the gun stands `loudness_db_spl - 60` dB above the speech. Speech at 60 dB
is taken to sit at -22 dBFS (the normal Speech Commands recordings), and the gun's level is
A-weighted, as a sound level meter would read it: most of its energy is in the 30-160 Hz comb,
to which the ear (and A-weighting) is deaf, so its plain rms is higher still.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .source import SAMPLE_RATE, Samples

Floats = npt.NDArray[np.float64]

RATE_RANGE_HZ = (20.0, 60.0)  # beyond these no gun percusses
DEFAULT_LOUDNESS_DB_SPL = 65.0  # at 1 m, A-weighted
SPEECH_DB_SPL = 60.0  # conversational speech at 1 m
SPEECH_DBFS = -22.0  # what that speech measures as in recordings (Speech Commands, median)
WHINE_MULTIPLE = 12  # whine fundamental / rotation rate
REVERB_S = 0.4
SPEED_WANDER = 0.03  # +- share of the rate
BASS_CUTOFF_HZ = 150.0
REVERB_TO_DIRECT = 2.0  # energy: at 1.5 m a living room's reverberation outweighs the direct sound


def massage_gun(seconds: float, seed: int, rate_hz: float = 40.0,
                loudness_db_spl: float = DEFAULT_LOUDNESS_DB_SPL) -> Samples:
    """`seconds` of a massage gun at `rate_hz` percussions a second, 16 kHz mono int16, at a
    level set from `loudness_db_spl` (A-weighted, at 1 m) against speech at -22 dBFS."""
    if not RATE_RANGE_HZ[0] <= rate_hz <= RATE_RANGE_HZ[1]:
        raise ValueError(f"rate_hz={rate_hz}: massage guns percuss {RATE_RANGE_HZ[0]:g}-"
                         f"{RATE_RANGE_HZ[1]:g} times a second; give a rate in that range")
    if seconds <= 0:
        raise ValueError(f"seconds={seconds}: give a positive duration")
    rng = np.random.default_rng(seed)
    length = round(seconds * SAMPLE_RATE)
    speed = _wander(length, rng)
    phase = 2 * np.pi * np.cumsum(rate_hz * speed) / SAMPLE_RATE  # the shaft's angle
    blows = _blow_times(phase)
    sound = (_percussions(blows, length, rng) + 0.3 * _reciprocation(phase)
             + 0.4 * _whine(phase, blows, rng))
    heard = _room(_radiated(sound), rng)
    wanted = SPEECH_DBFS + loudness_db_spl - SPEECH_DB_SPL
    heard *= 10 ** ((wanted - a_weighted_dbfs(heard)) / 20)
    return np.clip(np.round(heard), -32768, 32767).astype(np.int16)


def _wander(length: int, rng: np.random.Generator) -> Floats:
    """The speed, as a share of the nominal rate: three slow swings of random phase."""
    t = np.arange(length) / SAMPLE_RATE
    swing = np.zeros(length)
    for _ in range(3):
        swing += np.sin(2 * np.pi * rng.uniform(0.05, 0.6) * t + rng.uniform(0, 2 * np.pi))
    speed: Floats = 1.0 + SPEED_WANDER / 3 * swing
    return speed


def _blow_times(phase: Floats) -> npt.NDArray[np.int64]:
    """The samples at which the head strikes: each completed turn of the shaft."""
    turns = np.floor(phase / (2 * np.pi))
    return np.flatnonzero(np.diff(turns) > 0) + 1


def _percussions(blows: npt.NDArray[np.int64], length: int, rng: np.random.Generator) -> Floats:
    train = np.zeros(length)
    train[blows] = rng.uniform(0.8, 1.2, len(blows))  # how hard each blow lands
    t = np.arange(round(0.04 * SAMPLE_RATE)) / SAMPLE_RATE
    thud = np.sin(2 * np.pi * rng.uniform(100.0, 160.0) * t) * np.exp(-t / 0.008)
    click = rng.normal(0.0, 1.0, len(t)) * np.exp(-t / 0.0007)
    click = np.diff(click, prepend=0.0)  # contact noise has little bass
    return _convolve(train, thud + 0.3 * click)[:length]


def _reciprocation(phase: Floats) -> Floats:
    hum = np.zeros(len(phase))
    for k in range(1, 7):
        hum += np.sin(k * phase) / k
    return hum


def _whine(phase: Floats, blows: npt.NDArray[np.int64], rng: np.random.Generator) -> Floats:
    tones = np.zeros(len(phase))
    for k in (1, 2, 3):
        tones += np.sin(k * WHINE_MULTIPLE * phase + rng.uniform(0, 2 * np.pi)) / 2 ** (k - 1)
    load = np.ones(len(phase))
    dip = 1.0 - 0.2 * np.exp(-np.arange(round(0.005 * SAMPLE_RATE)) / (0.0015 * SAMPLE_RATE))
    for blow in blows:
        end = min(len(load), blow + len(dip))
        load[blow:end] = dip[: end - blow]
    whine: Floats = tones * load
    return whine


def _radiated(sound: Floats) -> Floats:
    """A body the size of a gun radiates little bass (its sound pressure grows with frequency
    up to a few hundred Hz), and a room microphone rolls off the deepest too: a first-order
    high-pass at BASS_CUTOFF_HZ."""
    spectrum = np.fft.rfft(sound)
    ratio = 1j * np.fft.rfftfreq(len(sound), 1 / SAMPLE_RATE) / BASS_CUTOFF_HZ
    out: Floats = np.fft.irfft(spectrum * ratio / (1 + ratio), len(sound))
    return out


def _room(sound: Floats, rng: np.random.Generator) -> Floats:
    """Direct sound plus an exponentially decaying diffuse tail of twice its energy."""
    t = np.arange(round(REVERB_S * SAMPLE_RATE)) / SAMPLE_RATE
    tail = rng.normal(0.0, 1.0, len(t)) * np.exp(-6.9 * t / REVERB_S)
    tail[: round(0.005 * SAMPLE_RATE)] = 0.0  # the first reflections arrive after the direct
    tail *= np.sqrt(REVERB_TO_DIRECT / np.sum(tail**2))
    tail[0] = 1.0
    return _convolve(sound, tail)[: len(sound)]


def _convolve(signal: Floats, response: Floats) -> Floats:
    size = 1 << (len(signal) + len(response) - 2).bit_length()
    spectrum = np.fft.rfft(signal, size) * np.fft.rfft(response, size)
    out: Floats = np.fft.irfft(spectrum, size)
    return out


def a_weighted_dbfs(signal: Floats | Samples) -> float:
    """The rms level in dBFS after A-weighting (IEC 61672), through the FFT of the whole signal."""
    x = np.asarray(signal, dtype=np.float64)
    spectrum = np.fft.rfft(x)
    f2 = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE) ** 2
    response = (12194.0**2 * f2**2) / (
        (f2 + 20.6**2) * np.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12194.0**2))
    weighted = spectrum * response * 10 ** (2.0 / 20)
    power = 2 * np.sum(np.abs(weighted) ** 2) / len(x) ** 2  # Parseval, one-sided spectrum
    return float(10 * np.log10(max(power, 1e-20) / 32768.0**2))

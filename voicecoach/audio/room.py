"""What the microphone hears while the coach talks through a loudspeaker: a simulated room.

The coach's audio reaches the microphone late (output buffers plus the flight through the air),
quieter, coloured by a small loudspeaker and followed by the room's reverberation; the user's
voice and a noise floor add to it. The echo is deliberately not a pure delayed copy: a
canceller that only works on a perfectly linear echo would pass these tests and fail in a room.

Used by the echo guard's tests, the benchmark and the demo.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .source import SAMPLE_RATE, Samples

REVERB_S = 0.25  # RT60 of a furnished living room
REVERB_LEVEL_DB = -10.0  # diffuse tail energy relative to the direct sound
# Loudspeaker saturation: peaks near full scale are rounded off (a cheap speaker driven hard).
SATURATION = 0.6


def room_response(delay_s: float, seed: int = 0) -> npt.NDArray[np.float64]:
    """A loudspeaker-to-microphone impulse response of unit energy: a delayed direct path,
    a few early reflections and an exponentially decaying diffuse tail."""
    rng = np.random.default_rng(seed)
    start = round(delay_s * SAMPLE_RATE)
    length = round(REVERB_S * SAMPLE_RATE)
    response = np.zeros(start + length)
    response[start] = 1.0
    for offset_ms, gain in ((3.1, -0.35), (7.4, 0.25), (12.8, -0.18)):
        response[start + round(offset_ms * SAMPLE_RATE / 1000)] += gain
    # -60 dB of amplitude over REVERB_S: exp(-6.9 t / T).
    t = np.arange(length) / SAMPLE_RATE
    tail = rng.normal(0.0, 1.0, length) * np.exp(-6.9 * t / REVERB_S)
    tail[: round(0.015 * SAMPLE_RATE)] = 0.0  # the diffuse field builds up after the reflections
    direct_energy = float(np.sum(response**2))
    tail *= np.sqrt(direct_energy * 10 ** (REVERB_LEVEL_DB / 10) / np.sum(tail**2))
    response[start:] += tail
    normalised: npt.NDArray[np.float64] = response / np.sqrt(np.sum(response**2))
    return normalised


def _loudspeaker(played: Samples) -> npt.NDArray[np.float64]:
    """A small speaker driven hard: the amplifier rounds off the peaks, and the cone gives
    no deep bass (a windowed-sinc high-pass near 150 Hz)."""
    x = np.tanh(played.astype(np.float64) / 32768.0 / SATURATION) * SATURATION * 32768.0
    taps = np.arange(-64, 65)
    cutoff = 150 / SAMPLE_RATE
    low_pass = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
    high_pass = -low_pass / low_pass.sum()
    high_pass[64] += 1.0
    return np.convolve(x, high_pass)[64 : 64 + len(x)]


def _convolve(signal: npt.NDArray[np.float64], response: npt.NDArray[np.float64]
              ) -> npt.NDArray[np.float64]:
    """Full linear convolution through the FFT (np.convolve is direct: minutes, not ms)."""
    length = len(signal) + len(response) - 1
    size = 1 << (length - 1).bit_length()
    spectrum = np.fft.rfft(signal, size) * np.fft.rfft(response, size)
    return np.fft.irfft(spectrum, size)[:length]


def simulate_room(
    played: Samples,
    user: Samples | None,
    echo_gain_db: float,
    delay_s: float,
    user_gain_db: float = 0.0,
    noise_rms: float = 20.0,
    seed: int = 0,
) -> Samples:
    """The microphone's signal, on the same timeline as `played` (sample 0 = playback start).

    echo_gain_db: echo level relative to the played audio (0: as loud as what was played).
    user: the user's speech on that timeline (zeros where they are silent), scaled by
    user_gain_db; `speech_level.level_db` helps set it relative to the echo. The result is long
    enough for the echo's tail and the whole of the user's speech."""
    echo = np.zeros(0)
    if len(played):
        speaker = _loudspeaker(played)
        # Keep the level set by echo_gain_db independent of the speaker's colouring.
        power = np.mean(played.astype(np.float64) ** 2)
        speaker *= np.sqrt(power / (np.mean(speaker**2) + 1e-12))
        echo = _convolve(speaker, room_response(delay_s, seed)) * 10 ** (echo_gain_db / 20)
    length = max(len(echo), 0 if user is None else len(user))
    mic = np.zeros(length)
    mic[: len(echo)] += echo
    if user is not None:
        mic[: len(user)] += user.astype(np.float64) * 10 ** (user_gain_db / 20)
    mic += np.random.default_rng(seed + 1).normal(0.0, noise_rms, length)
    return np.clip(np.round(mic), -32768, 32767).astype(np.int16)

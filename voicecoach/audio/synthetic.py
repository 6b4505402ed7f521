"""Synthetic speech from espeak-ng, as a microphone would hear it: 16 kHz mono with a quiet
noise floor (digital silence never reaches a real microphone, and it derails recognisers).

Used by the demo (the scripted user's voice), the benchmark and the end-to-end tests.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .source import SAMPLE_RATE, AudioError, Samples
from .wav_file import read_all

NOISE_FLOOR_RMS = 20.0  # int16 units, about -64 dBFS: a quiet room through a cheap mic


@dataclass(frozen=True)
class Voice:
    name: str = "en-us"  # an espeak-ng voice, e.g. en-us, en-gb, en-us+f3
    words_per_minute: int = 160
    pitch: int = 50  # 0..99


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesize(text: str, voice: Voice = Voice()) -> Samples:
    """`text` spoken by espeak-ng, at 16 kHz mono, without padding."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise AudioError("espeak-ng is missing: sudo apt-get install espeak-ng")
    with tempfile.TemporaryDirectory(prefix="voicecoach-tts-") as folder:
        wav = Path(folder) / "speech.wav"
        command = [program, "-v", voice.name, "-s", str(voice.words_per_minute),
                   "-p", str(voice.pitch), "-w", str(wav), text]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0 or not wav.exists():
            raise AudioError(f"espeak-ng failed for voice {voice.name}: {result.stderr.strip()}")
        return read_all(wav)


def with_room(speech: Samples, before: float = 0.5, after: float = 1.0, seed: int = 0) -> Samples:
    """Speech with silence around it and a noise floor under everything."""
    rng = np.random.default_rng(seed)
    pad_before = np.zeros(round(before * SAMPLE_RATE), dtype=np.int16)
    pad_after = np.zeros(round(after * SAMPLE_RATE), dtype=np.int16)
    signal = np.concatenate([pad_before, speech, pad_after]).astype(np.float64)
    signal += rng.normal(0.0, NOISE_FLOOR_RMS, len(signal))
    return np.clip(signal, -32768, 32767).astype(np.int16)


def mix_at_snr(speech: Samples, noise: Samples, snr_db: float) -> Samples:
    """`noise` (looped or cut to length) under `speech` at the given signal-to-noise ratio."""
    if len(noise) == 0:
        return speech
    reps = int(np.ceil(len(speech) / len(noise)))
    bed = np.tile(noise, reps)[: len(speech)].astype(np.float64)
    signal = speech.astype(np.float64)
    speech_power = np.mean(signal**2) or 1.0
    noise_power = np.mean(bed**2) or 1.0
    bed *= np.sqrt(speech_power / (noise_power * 10 ** (snr_db / 10)))
    return np.clip(signal + bed, -32768, 32767).astype(np.int16)


def pink_noise(count: int, rng: np.random.Generator, rms: float = 3000.0) -> Samples:
    """`count` samples of noise with 1/f power, as much per octave low as high (closer to a
    room's rumble than white noise is), at `rms` int16 units."""
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, count))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))  # 1/f power
    pink = np.fft.irfft(spectrum, count)
    pink *= rms / (np.std(pink) or 1.0)
    return pink.astype(np.int16)


def write_wav(path: Path, samples: Samples, rate: int = SAMPLE_RATE) -> None:
    import wave

    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())

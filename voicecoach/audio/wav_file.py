"""A WAV file as an audio source: streamed in chunks exactly as the microphone delivers them."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from .resampling import MonoResampler, to_float
from .source import SAMPLE_RATE, AudioError, Samples

CHUNK_SECONDS = 0.1
_SAMPLE_TYPES = {1: np.uint8, 2: np.int16, 4: np.int32}


class WavFileSource:
    def __init__(self, path: Path, chunk_seconds: float = CHUNK_SECONDS) -> None:
        self.path = path
        try:
            self._wav = wave.open(str(path), "rb")  # noqa: SIM115 - closed by close()
        except FileNotFoundError as exc:
            raise AudioError(f"{path}: no such file") from exc
        except (wave.Error, EOFError, OSError) as exc:
            raise AudioError(
                f"{path}: not a readable PCM WAV file ({exc}); convert it with "
                f"`sox {path.name} -r 16000 -c 1 -b 16 fixed.wav`"
            ) from exc
        self.channels = self._wav.getnchannels()
        self.rate = self._wav.getframerate()
        width = self._wav.getsampwidth()
        if width not in (1, 2, 3, 4) or self.rate <= 0 or self.channels <= 0:
            self._wav.close()
            raise AudioError(f"{path}: unsupported WAV format ({width * 8}-bit, {self.rate} Hz)")
        self._width = width
        self._frames_per_chunk = max(1, round(self.rate * chunk_seconds))
        self._resampler = MonoResampler(self.rate)
        self._ended = False
        self.seconds = self._wav.getnframes() / self.rate

    def read(self, timeout: float | None = None) -> Samples | None:
        if self._ended:
            return None
        try:
            raw = self._wav.readframes(self._frames_per_chunk)
        except (wave.Error, EOFError, OSError) as exc:
            raise AudioError(f"{self.path}: cannot read further ({exc})") from exc
        if not raw:
            self._ended = True
            tail = self._resampler.flush()
            return tail if len(tail) else None
        return self._resampler.convert(self._decode(raw))

    def _decode(self, raw: bytes) -> np.ndarray:
        usable = len(raw) - len(raw) % (self._width * self.channels)
        raw = raw[:usable]
        if self._width == 3:  # 24-bit: widen to 32 by padding the low byte
            triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
            padded = np.zeros((len(triples), 4), dtype=np.uint8)
            padded[:, 1:] = triples
            samples = padded.view("<i4").reshape(-1)
        else:
            sample_type = np.dtype(_SAMPLE_TYPES[self._width]).newbyteorder("<")
            samples = np.frombuffer(raw, dtype=sample_type)
        return to_float(samples.reshape(-1, self.channels))

    def close(self) -> None:
        self._wav.close()

    def __enter__(self) -> WavFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_all(path: Path) -> Samples:
    """A whole file as one 16 kHz mono array (for tests and benchmarks)."""
    with WavFileSource(path) as source:
        chunks = []
        while (chunk := source.read()) is not None:
            chunks.append(chunk)
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


__all__ = ["SAMPLE_RATE", "WavFileSource", "read_all"]

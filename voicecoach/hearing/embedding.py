"""Google's speech embedding (as re-implemented by openWakeWord): 16 kHz audio in, one 96-number
description of the last ~0.8 s of sound every 80 ms out.

Only the two feature models shipped inside the `openwakeword` package are used, run here with
ONNX Runtime; `openwakeword` itself is never imported (it drags in scipy and scikit-learn, tens
of megabytes of memory a Raspberry Pi cannot spare).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..audio.source import Samples
from ..core.errors import VoicecoachError
from .onnx_session import one_thread_session

MEL_BINS = 32
WINDOW_FRAMES = 76  # mel frames (10 ms each) that make one embedding: 0.775 s of audio
STEP_FRAMES = 8  # one embedding every 80 ms
EMBEDDING_SIZE = 96
MEL_WINDOW = 512  # samples under the first mel frame; each further frame is 160 samples later
# The shortest audio that yields one embedding.
MIN_SAMPLES = (WINDOW_FRAMES - 1) * 160 + MEL_WINDOW


class EmbeddingError(VoicecoachError, RuntimeError):
    """The embedding models cannot be loaded; the message names the fix."""


MODEL_FILES = ("melspectrogram.onnx", "embedding_model.onnx")


def feature_model_folder() -> Path:
    """Where `openwakeword` keeps melspectrogram.onnx and embedding_model.onnx."""
    spec = importlib.util.find_spec("openwakeword")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise EmbeddingError("the speech embedding models are missing: "
                             "pip install openwakeword==0.4.0 (only its model files are used)")
    return Path(locations[0]) / "resources" / "models"


def _check_folder(folder: Path) -> None:
    for name in MODEL_FILES:
        if not (folder / name).is_file():
            raise EmbeddingError(f"{folder / name} is missing: reinstall the package that "
                                 "ships it with pip install --force-reinstall "
                                 "openwakeword==0.4.0")


def _session(path: Path) -> Any:
    try:
        return one_thread_session(path)
    except ImportError as exc:
        raise EmbeddingError("onnxruntime is missing: pip install onnxruntime") from exc


class SpeechEmbedder:
    """Loads both models once; `embed` is then pure computation (about 12 ms for 2 s)."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or feature_model_folder()
        _check_folder(folder)
        self._mel = _session(folder / "melspectrogram.onnx")
        self._embedding = _session(folder / "embedding_model.onnx")

    def melspectrogram(self, audio: Samples) -> npt.NDArray[np.float32]:
        """(frames, 32), one frame every 10 ms, scaled as the embedding model was trained."""
        if audio.dtype != np.int16 or audio.ndim != 1:
            raise ValueError(f"audio must be 16 kHz mono int16 samples, not {audio.dtype} "
                             f"of shape {audio.shape}")
        if len(audio) < MEL_WINDOW:
            return np.zeros((0, MEL_BINS), dtype=np.float32)
        spec = self._mel.run(None, {"input": audio.astype(np.float32)[None, :]})[0]
        # openWakeWord's transform: brings the ONNX port close to Google's TensorFlow original.
        scaled: npt.NDArray[np.float32] = (np.squeeze(spec, axis=(0, 1)) / 10 + 2).astype(
            np.float32)
        return scaled

    def embed_mel(self, window: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """(96,): the embedding of one (WINDOW_FRAMES, 32) stretch of `melspectrogram`."""
        result = self._embedding.run(None, {"input_1": window[None, :, :, None].astype(
            np.float32, copy=False)})[0]
        embedding: npt.NDArray[np.float32] = result.reshape(EMBEDDING_SIZE).astype(
            np.float32, copy=False)
        return embedding

    def embed(self, audio: Samples) -> npt.NDArray[np.float32]:
        """(frames, 96) float32: one embedding per 80 ms step; none for audio shorter than
        `MIN_SAMPLES` (0.78 s), so callers pad short clips first."""
        if len(audio) < MIN_SAMPLES:
            return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        spec = self.melspectrogram(audio)
        starts = range(0, spec.shape[0] - WINDOW_FRAMES + 1, STEP_FRAMES)
        windows = np.stack([spec[i : i + WINDOW_FRAMES] for i in starts])[..., None]
        result = self._embedding.run(None, {"input_1": windows.astype(np.float32)})[0]
        embeddings: npt.NDArray[np.float32] = result.reshape(len(windows), EMBEDDING_SIZE)
        return embeddings.astype(np.float32, copy=False)

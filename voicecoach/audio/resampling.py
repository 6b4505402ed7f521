"""Any rate, any channel count -> 16 kHz mono int16, in a stream (soxr keeps its filter state
between blocks, so chunk boundaries leave no clicks)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

from .source import SAMPLE_RATE, Samples

FloatBlock = npt.NDArray[np.float32]


def to_float(block: npt.NDArray[np.generic]) -> FloatBlock:
    """Integer PCM of any width, or float, as float32 in [-1, 1]."""
    if block.dtype.kind == "f":
        return block.astype(np.float32, copy=False)
    if block.dtype == np.uint8:  # 8-bit WAV is unsigned
        return ((block.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    scale = float(np.iinfo(block.dtype.type).max) + 1.0  # type: ignore[type-var]
    return (block.astype(np.float32) / scale).astype(np.float32)


class MonoResampler:
    def __init__(self, input_rate: int) -> None:
        self.input_rate = input_rate
        self._stream = (
            None if input_rate == SAMPLE_RATE
            else soxr.ResampleStream(input_rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
        )

    def convert(self, block: FloatBlock, last: bool = False) -> Samples:
        """`block` is (frames,) or (frames, channels) float32; channels are averaged."""
        block = np.nan_to_num(block, nan=0.0, posinf=1.0, neginf=-1.0)  # garbage from a device
        mono = block.mean(axis=1, dtype=np.float32) if block.ndim == 2 else block
        if self._stream is not None:
            mono = self._stream.resample_chunk(np.ascontiguousarray(mono), last=last)
        clipped = np.clip(mono * 32768.0, -32768, 32767)
        samples: Samples = clipped.astype(np.int16)
        return samples

    def flush(self) -> Samples:
        return self.convert(np.zeros(0, dtype=np.float32), last=True)

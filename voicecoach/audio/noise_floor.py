"""A noise floor under everything: digital silence (a file's padding, a muted or gated input,
espeak-ng's pauses between words) derails PocketSphinx's features ("start glutes" heard as
"stop"), while a real room never sounds like that.

The floor is added everywhere, at the level the synthetic test speech has always had
(`NOISE_FLOOR_RMS`, about -64 dBFS): a real microphone's own hiss is louder than that, so it
changes little (+1 dB over a -58 dBFS microphone). Filling only the frames quieter than the floor
was tried and heard worse: on 100 synthetic commands padded with digital silence, 59 understood
against 69 with the floor everywhere (and 29 with no floor).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .synthetic import NOISE_FLOOR_RMS

Floats = npt.NDArray[np.float64]


class NoiseFloor:
    def __init__(self, floor_rms: float = NOISE_FLOOR_RMS, seed: int = 0) -> None:
        self.floor_rms = floor_rms
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        self._rng = np.random.default_rng(self._seed)

    def add(self, frame: Floats) -> Floats:
        """`frame` (int16 units, as floats) with the floor under it."""
        noise: Floats = self._rng.standard_normal(len(frame))
        return frame + self.floor_rms * noise

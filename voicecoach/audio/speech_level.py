"""How loud speech is, the way a telephone engineer measures it: the pauses between words do
not count. The verifier and the spotter level what they hear by it; the room simulation and the
training mix voices, echo and noise at levels measured by it."""

from __future__ import annotations

import numpy as np

from .source import Samples

ACTIVE_FRAME = 320  # 20 ms frames


def level_db(samples: Samples) -> float:
    """Active speech level in dB (int16 units): the mean power of the frames within 30 dB of
    the loudest, so pauses between words do not lower it (a simplified ITU-T P.56)."""
    frames = len(samples) // ACTIVE_FRAME
    if frames == 0:
        return -np.inf
    blocks = samples[: frames * ACTIVE_FRAME].astype(np.float64).reshape(frames, ACTIVE_FRAME)
    power = np.mean(blocks**2, axis=1)
    active = power[power >= power.max() * 10 ** (-30 / 10)]
    return float(10 * np.log10(np.mean(active) + 1e-12))

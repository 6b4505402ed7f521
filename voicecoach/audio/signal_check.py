"""Is the microphone sending sound, or garbage? A real microphone always has a noise floor, so
seconds of exact digital silence mean it is muted or broken, and seconds of samples pinned at full
scale (or stuck at one value) mean a faulty device or driver. Either way nothing the user says
can be heard, and the session should pause and say so rather than wait in vain.

Pure: it looks only at the samples and counts time by their number (16 kHz).
"""

from __future__ import annotations

import numpy as np

from .source import SAMPLE_RATE, Samples

FAULT_AFTER_S = 5.0  # long enough that a start-up burst of zeros is not a fault
CLEAR_AFTER_S = 1.0  # sound for this long again: the fault has cleared
CLIPPED_SHARE = 0.3  # this share of a chunk at full scale is not speech, however loud
FULL_SCALE = 32_000


def what_is_wrong(chunk: Samples) -> str | None:
    """Why this chunk cannot be sound from a working microphone, or None if it can be."""
    if len(chunk) == 0:
        return None
    if int(chunk.max()) == int(chunk.min()):
        if int(chunk[0]) == 0:
            return "the microphone sends only silence (is it muted? try `alsamixer`)"
        return "the microphone sends a constant value, not sound"
    clipped = np.count_nonzero(np.abs(chunk.astype(np.int32)) >= FULL_SCALE) / len(chunk)
    if clipped >= CLIPPED_SHARE:
        return "the microphone sends only full-scale noise (a faulty device or driver)"
    return None


class SignalMonitor:
    """Feed every chunk; `update` returns "failed", "recovered" or None as the signal goes bad
    for FAULT_AFTER_S or comes back for CLEAR_AFTER_S."""

    def __init__(self) -> None:
        self.problem: str | None = None  # set while a fault is declared
        self._bad_s = 0.0
        self._good_s = 0.0
        self._latest = ""

    def update(self, chunk: Samples) -> str | None:
        seconds = len(chunk) / SAMPLE_RATE
        wrong = what_is_wrong(chunk)
        if wrong is not None:
            self._bad_s, self._good_s, self._latest = self._bad_s + seconds, 0.0, wrong
            if self.problem is None and self._bad_s >= FAULT_AFTER_S:
                self.problem = wrong
                return "failed"
            return None
        self._good_s += seconds
        self._bad_s = 0.0
        if self.problem is not None and self._good_s >= CLEAR_AFTER_S:
            self.problem = None
            return "recovered"
        return None

"""The last few seconds of what the listener heard, addressed in stream seconds, so that the
audio of an utterance the recogniser has just closed can be handed to the verifier."""

from __future__ import annotations

import numpy as np

from ..audio.source import SAMPLE_RATE, Samples

KEEP_S = 6.0  # longer than any command, with its margins


class RecentAudio:
    def __init__(self, keep_seconds: float = KEEP_S) -> None:
        self._keep = round(keep_seconds * SAMPLE_RATE)
        self._buffer = np.zeros(0, dtype=np.int16)
        self._start = 0  # stream sample index of the buffer's first sample

    def add(self, samples: Samples) -> None:
        self._buffer = np.concatenate([self._buffer, samples])
        excess = len(self._buffer) - self._keep
        if excess > 0:
            self._buffer = self._buffer[excess:]
            self._start += excess

    def clear(self) -> None:
        self._buffer = np.zeros(0, dtype=np.int16)
        self._start = 0

    @property
    def end_s(self) -> float:
        return (self._start + len(self._buffer)) / SAMPLE_RATE

    def between(self, start_s: float, end_s: float) -> Samples:
        """The samples from `start_s` to `end_s` (clipped to what is still kept)."""
        first = max(0, round(start_s * SAMPLE_RATE) - self._start)
        last = max(first, round(end_s * SAMPLE_RATE) - self._start)
        return self._buffer[first:last].copy()

"""Noticing a microphone set too loud: speech whose waveform keeps hitting full scale.

Clipping shows as runs of consecutive samples at or near full scale (the flat tops of a wave
the converter could not follow). One click, a plug or a tap on the microphone, makes one such
run; a clipping voice makes them over and over while it speaks. So the notice waits for clipped
speech in several 10 ms frames within a second, and is given once: the user needs to hear it
once, not after every word.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from .source import Samples

CLIPPING_MESSAGE = (
    "Your microphone is clipping: it is set too loud. Turn its input level down "
    "(alsamixer, or your system's sound settings) for better hearing."
)
NEAR_FULL_SCALE = 32_000  # about -0.2 dBFS: converters clip at 32767, some a little below
MIN_RUN = 3  # samples in a row: a loud wave's crest touches full scale for one or two
MIN_CLIPPED_FRAMES = 3  # clipped speech frames within WINDOW_FRAMES before saying anything
WINDOW_FRAMES = 100  # 1 s of 10 ms frames


class ClipRuns:
    """Whether a frame holds a run of MIN_RUN samples near full scale; a run may begin in the
    previous frame (frames are cut where the chunking put them, not where the wave is)."""

    def __init__(self) -> None:
        self._carried = 0  # near-full-scale samples at the end of the previous frame

    def in_frame(self, frame: Samples) -> bool:
        near = np.abs(frame.astype(np.int32)) >= NEAR_FULL_SCALE
        if not near.any():
            self._carried = 0
            return False
        # Run lengths from the edges of the near-full-scale stretches.
        edges = np.diff(np.concatenate(([0], near.astype(np.int8), [0])))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        runs = ends - starts
        if starts[0] == 0:
            runs[0] += self._carried
        self._carried = int(runs[-1]) if ends[-1] == len(frame) else 0
        return bool(runs.max() >= MIN_RUN)

    def reset(self) -> None:
        self._carried = 0


class ClippingMonitor:
    """Counts clipped speech frames and calls `on_clipping` once, the first time enough of
    them come close together; `noticed` stays True from then on."""

    def __init__(self, on_clipping: Callable[[str], None] | None = None) -> None:
        self._on_clipping = on_clipping
        self._recent: deque[bool] = deque(maxlen=WINDOW_FRAMES)
        self.noticed = False

    def observe(self, clipped_speech: bool) -> None:
        self._recent.append(clipped_speech)
        if self.noticed or not clipped_speech:
            return
        if sum(self._recent) >= MIN_CLIPPED_FRAMES:
            self.noticed = True
            if self._on_clipping is not None:
                self._on_clipping(CLIPPING_MESSAGE)

    def forget_audio(self) -> None:
        """A new stream: its frames are not counted with the last one's (the notice stays)."""
        self._recent.clear()

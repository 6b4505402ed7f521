"""The queue of lines being spoken, rendered block by block: by the sound card's writer thread
live, or by the stream clock in the demo. Interrupting empties it at once."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..audio.source import Samples


@dataclass
class _Line:
    number: int
    text: str
    audio: Samples
    position: int = 0


@dataclass(frozen=True)
class Rendered:
    audio: Samples  # exactly the samples asked for (silence where nothing plays)
    started: list[tuple[int, str]]  # lines that began in this block
    finished: list[int]  # lines that ended in this block
    now_idle: bool  # the queue ran dry in this block


class Playback:
    def __init__(self) -> None:
        self._lines: deque[_Line] = deque()
        self._lock = threading.Lock()

    def enqueue(self, number: int, text: str, audio: Samples) -> None:
        with self._lock:
            self._lines.append(_Line(number, text, audio))

    def interrupt(self) -> list[int]:
        """Stop now: every queued line is dropped. Returns the numbers of the lines cut."""
        with self._lock:
            cut = [line.number for line in self._lines]
            self._lines.clear()
            return cut

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._lines)

    def render(self, count: int) -> Rendered:
        out = np.zeros(count, dtype=np.int16)
        started: list[tuple[int, str]] = []
        finished: list[int] = []
        filled = 0
        with self._lock:
            while filled < count and self._lines:
                line = self._lines[0]
                if line.position == 0:
                    started.append((line.number, line.text))
                take = min(count - filled, len(line.audio) - line.position)
                out[filled : filled + take] = line.audio[line.position : line.position + take]
                line.position += take
                filled += take
                if line.position >= len(line.audio):
                    finished.append(line.number)
                    self._lines.popleft()
            busy = bool(self._lines)
        return Rendered(out, started, finished, now_idle=bool(finished) and not busy)

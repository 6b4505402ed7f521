"""Making the coach's urgent answers before a session starts, with progress on the terminal.

With Piper on a Raspberry Pi each line takes a second or more to make, so the wait is shown:
updated in place on a terminal ("preparing the coach's answers: 3 of 6"), one line when the
output is a log or a pipe. Nothing is shown when every line was already in the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol, TextIO


class Preparer(Protocol):
    def prepare(self, texts: Sequence[str], progress: Callable[[int, int], None]) -> int: ...


def prepare_lines(voice: Preparer, lines: Sequence[str], out: TextIO,
                  clock: Callable[[], float] = time.monotonic) -> int:
    """Makes `lines` now (blocking) and says how long it took; returns how many were made."""
    started = clock()
    live = out.isatty()

    def progress(done: int, total: int) -> None:
        if live:
            out.write(f"\rvoicecoach: preparing the coach's answers: {done} of {total}")
            out.flush()

    made = voice.prepare(lines, progress)
    if made:
        seconds = clock() - started
        end = "\r" if live else ""
        out.write(f"{end}voicecoach: the answers to pause, stop and pain are ready ({made} made "
                  f"in {seconds:.1f} s); the routine's lines are made in the background\n")
        out.flush()
    return made

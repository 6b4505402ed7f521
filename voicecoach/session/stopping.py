"""Ending on Ctrl-C (SIGINT) or SIGTERM the way the end of the input would: the handler only
asks the running loop to stop, and the loop ends at its next step (within a second), so the
history records how the session ended and `--save` gets what was recorded."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals(stop: Callable[[str], None]) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM call `stop` with the signal's name ("SIGTERM") instead
    of ending the process; the previous handlers come back on the way out."""

    def handler(signum: int, frame: Any) -> None:
        stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def exit_code(stopped_by: str | None) -> int:
    """0 for work that ran to its end; 128 + the signal's number (the shell's convention: 130
    for Ctrl-C, 143 for SIGTERM) for work a signal cut short."""
    return 0 if stopped_by is None else 128 + signal.Signals[stopped_by].value


class StopRequest:
    """What a loop without a `stop()` of its own asks between steps: `stop_on_signals(request)`,
    then `while not request.made`."""

    def __init__(self) -> None:
        self.by: str | None = None  # the signal's name, once one has come

    def __call__(self, why: str) -> None:
        self.by = why

    @property
    def made(self) -> bool:
        return self.by is not None

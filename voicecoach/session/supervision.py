"""Keeping an always-on coach alive: devices that vanish are reopened, with growing pauses
between attempts (never a busy loop), and the session is told when they go and come back.

`SupervisedSource` wraps the microphone (any `AudioSource` opener); `SpeakerSupervisor` the
loudspeaker, checked from the session's main loop. Both report through callbacks that post
`DeviceFailed` / `DeviceRecovered` events to the engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from ..audio.source import AudioError, AudioSource, Samples

RETRY_DELAYS_S = (1.0, 2.0, 5.0, 10.0)  # then every 10 s: a USB device takes ~1-3 s to settle


class Backoff:
    """When to try again after the n-th failure in a row."""

    def __init__(self, delays: Sequence[float] = RETRY_DELAYS_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._delays, self._clock = tuple(delays), clock
        self._failures = 0
        self.next_try = 0.0

    def failed(self) -> None:
        delay = self._delays[min(self._failures, len(self._delays) - 1)]
        self._failures += 1
        self.next_try = self._clock() + delay

    def succeeded(self) -> None:
        self._failures = 0
        self.next_try = 0.0

    @property
    def due(self) -> bool:
        return self._clock() >= self.next_try

    @property
    def seconds_to_wait(self) -> float:
        return max(0.0, self.next_try - self._clock())


class Outage:
    """One device's failures in a row: the first is reported, each sets when to try again, and
    the first success after them is reported as the device being back."""

    def __init__(self, on_lost: Callable[[str], None], on_back: Callable[[], None],
                 backoff: Backoff | None = None) -> None:
        self._on_lost, self._on_back = on_lost, on_back
        self.backoff = backoff or Backoff()
        self.down = False  # a failure has been reported and no success since

    def failed(self, reason: str) -> None:
        self.backoff.failed()
        if not self.down:
            self.down = True
            self._on_lost(reason)

    def succeeded(self) -> None:
        self.backoff.succeeded()
        if self.down:
            self.down = False
            self._on_back()


class SupervisedSource:
    """An audio source that outlives its device: a failure to open or to read closes it, says
    so once per outage, and reopens it later. `read` never raises; while the device is away it
    waits (at most `timeout`) and returns an empty chunk."""

    def __init__(self, open_source: Callable[[], AudioSource], on_lost: Callable[[str], None],
                 on_back: Callable[[], None], backoff: Backoff | None = None) -> None:
        """`open_source` returns a source already delivering audio. Built, nothing is open:
        the first `read` opens it, or `open_now`."""
        self._open = open_source
        self._outage = Outage(on_lost, on_back, backoff)
        self._source: AudioSource | None = None
        self._closed = threading.Event()

    def open_now(self) -> None:
        """Open the device before the first read, so that a missing one is an error the caller
        reports (its AudioError) and only later losses are supervised."""
        self._source = self._open()

    def read(self, timeout: float | None = None) -> Samples | None:
        if self._closed.is_set():
            return None
        if self._source is None and not self._reopen(timeout):
            return np.zeros(0, dtype=np.int16)
        assert self._source is not None
        try:
            return self._source.read(timeout)
        except AudioError as exc:
            self._lost(str(exc))
            return np.zeros(0, dtype=np.int16)

    def _reopen(self, timeout: float | None) -> bool:
        if not self._outage.backoff.due:
            wait = self._outage.backoff.seconds_to_wait
            self._closed.wait(wait if timeout is None else min(wait, timeout))
            return False
        try:
            self._source = self._open()
        except AudioError as exc:
            self._lost(str(exc))
            return False
        self._outage.succeeded()
        return True

    def _lost(self, reason: str) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None
        self._outage.failed(reason)

    def close(self) -> None:
        self._closed.set()
        if self._source is not None:
            self._source.close()
            self._source = None


class Output(Protocol):
    failure: str | None

    def close(self) -> None: ...


class SpeakerSupervisor:
    """Notices a loudspeaker that failed (the output thread sets `failure`), reports it, and
    tries to open a new one from the main loop; meanwhile the coach's lines are printed.
    `open_output` returns a loudspeaker already playing; the first is opened by `start()`."""

    def __init__(self, open_output: Callable[[], Output], on_lost: Callable[[str], None],
                 on_back: Callable[[], None], printing: Callable[[bool], None],
                 backoff: Backoff | None = None) -> None:
        self._open = open_output
        self._printing = printing
        self._outage = Outage(on_lost, on_back, backoff)
        self._output: Output | None = None
        self._lock = threading.Lock()  # check() runs in the main loop, while_closed() elsewhere

    def start(self) -> None:
        """Open the loudspeaker; when it cannot be, say so, print, and try again later."""
        self.check()

    def check(self) -> None:
        """Cheap enough to call on every turn of the main loop."""
        with self._lock:
            self._check()

    def while_closed(self, action: Callable[[], None]) -> None:
        """Run `action` with the loudspeaker closed (restarting PortAudio closes every stream
        under our feet otherwise); the next check() opens it again, unannounced."""
        with self._lock:
            if self._output is not None:
                self._output.close()
                self._output = None
            try:
                action()
            finally:
                if not self._outage.down:
                    self._outage.succeeded()  # reopen at once: this was no failure

    def _check(self) -> None:
        if self._output is not None and self._output.failure is None:
            return
        if self._output is not None:
            failure = self._output.failure or "the loudspeaker failed"
            self._output.close()
            self._output = None
            self._lost(failure)
        if not self._outage.backoff.due:
            return
        try:
            self._output = self._open()
        except (AudioError, OSError) as exc:
            self._lost(str(exc))
            return
        self._printing(False)
        self._outage.succeeded()

    def _lost(self, reason: str) -> None:
        self._printing(True)
        self._outage.failed(reason)

    def close(self) -> None:
        with self._lock:
            if self._output is not None:
                self._output.close()
                self._output = None

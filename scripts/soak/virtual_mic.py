"""The virtual microphone, paced: a named pipe written in real time.

Its capture device (ALSA's `file` plugin over a `null` slave, tests/data/asound-virtual-mic.conf)
has no clock: fed from a regular file it delivers as fast as it is read. Here its input file is a
named pipe that this harness writes in real time, one block on a monotonic schedule, so the
capture blocks on the pipe and runs at the writer's pace. Two details make that exact:

- each write is one microphone period (800 frames: MicrophoneSource's 50 ms block at 16 kHz).
  The plugin fills a period with a single read() and leaves the rest of a short read stale, so
  20 ms writes came out padded with old audio, at 2.5 times real time;
- the harness holds the pipe open read-write and never blocks on it: PortAudio's device probing
  never waits for a writer, the capture never sees end-of-file, and a block nobody reads (the
  pipe, shrunk to half a second, is full) is dropped, as a real microphone's would be.

The writer feeds room noise until the child has exited, so a capture thread blocked in read()
always wakes up to shut down; the child is killed if it outlives its timeout.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.audio.source import SAMPLE_RATE, Samples

from .home import REPO, private_env

ALSA_CONFIG = REPO / "tests" / "data" / "asound-virtual-mic.conf"
BLOCK_FRAMES = 800  # one microphone period: voicecoach.audio.microphone.BLOCK_S at 16 kHz
PIPE_BYTES = 16_384  # half a second: the most stale audio a late reader is handed at once


class PacedPipe:
    """A named pipe written in real time, one microphone period per write, on a monotonic
    schedule. Writes never block: a block that finds the pipe full is dropped."""

    def __init__(self, path: Path, source: Callable[[int, float], Samples]) -> None:
        os.mkfifo(path)
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._source = source
        self.written = self.dropped = 0
        self.max_lag_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paced-pipe", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = BLOCK_FRAMES / SAMPLE_RATE
        start, index = time.monotonic(), 0
        while not self._stop.is_set():
            due = start + index * period
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            self.max_lag_s = max(self.max_lag_s, time.monotonic() - due)
            data = self._source(index, due).astype("<i2").tobytes()
            try:
                os.write(self._fd, data)  # 1600 bytes, under PIPE_BUF: all of it or nothing
                self.written += 1
            except BlockingIOError:
                self.dropped += 1  # nobody is reading
            index += 1

    def backlog_bytes(self) -> int:
        """Audio in the pipe not yet read: near zero while the capture is running."""
        count = bytearray(4)
        fcntl.ioctl(self._fd, termios.FIONREAD, count)
        return int.from_bytes(count, sys.byteorder)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        os.close(self._fd)
        self.path.unlink(missing_ok=True)


def virtual_mic_env(fifo: Path, home: Path, alsa_config: Path) -> dict[str, str]:
    return {**private_env(home), "ALSA_CONFIG_PATH": str(alsa_config),
            "VIRTUAL_MIC_RAW": str(fifo)}


def counting_block(index: int) -> Samples:
    """Block `index` of a ramp that wraps at 30 000: any repeated or lost sample shows."""
    start = index * BLOCK_FRAMES
    return (np.arange(start, start + BLOCK_FRAMES) % 30_000).astype(np.int16)


PACING_PROBE = """
import json, sys, time
import numpy as np
from voicecoach.audio.microphone import MicrophoneSource

seconds = float(sys.argv[1])
source = MicrophoneSource("virtualmic", rate=16000, channels=1)
source.start()
settle = first = last = previous = None
counted = breaks = 0
deadline = time.monotonic() + seconds + 10
while time.monotonic() < deadline:
    chunk = source.read(timeout=0.5)
    if chunk is None or len(chunk) == 0:
        continue
    now = time.monotonic()
    settle = settle or now + 1.0  # the first second holds what waited in the pipe
    if now >= settle:
        if first is None:
            first = now  # the samples that arrive after this chunk are counted
        else:
            counted, last = counted + len(chunk), now
        steps = np.diff(np.concatenate([[previous], chunk]).astype(np.int64)) % 30000
        breaks += int(np.count_nonzero(steps != 1))
        if now - first >= seconds:
            break
    previous = int(chunk[-1])
source.close()
print(json.dumps({"seconds": last - first, "samples": counted, "breaks": breaks,
                  "overflows": source.overflows, "dropped_blocks": source.dropped_blocks}))
"""


def check_pacing(seconds: float, alsa_config: Path) -> dict[str, Any]:
    """MicrophoneSource("virtualmic") in a child process on the paced pipe: samples a second,
    and breaks in a counting ramp (a stale or lost sample is a break)."""
    with tempfile.TemporaryDirectory(prefix="voicecoach-pacing-") as folder:
        pipe = PacedPipe(Path(folder) / "mic.pcm", lambda index, at: counting_block(index))
        try:
            result = subprocess.run(
                [sys.executable, "-c", PACING_PROBE, str(seconds)],
                env=virtual_mic_env(pipe.path, Path(folder), alsa_config),
                capture_output=True, text=True, timeout=seconds + 60, check=False)
        finally:
            pipe.close()
    if result.returncode != 0:
        raise RuntimeError(f"the pacing probe failed: {result.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    report["samples_per_second"] = round(report["samples"] / report["seconds"], 1)
    report["real_time_factor"] = round(report["samples_per_second"] / SAMPLE_RATE, 4)
    report["seconds"] = round(report["seconds"], 3)
    return report

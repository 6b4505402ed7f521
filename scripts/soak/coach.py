"""The coach under test: `voicecoach serve` in a child process, its JSON lines read as they
arrive, its memory and threads sampled from /proc, its exit after SIGTERM timed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .home import log

EXIT_TIMEOUT_S = 10.0


def serve_command() -> list[str]:
    return [sys.executable, "-m", "voicecoach", "serve", "--plain", "--json", "--mute",
            "--backend", "pocketsphinx", "--device", "virtualmic", "--rate", "16000",
            "--channels", "1"]


@dataclass(frozen=True)
class Seen:
    at: float  # monotonic time the line arrived
    entry: dict[str, Any]


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the soak began
    rss_mb: float  # VmRSS: what the thresholds judge
    anon_mb: float  # RssAnon: the heap and stacks, where a leak would show
    threads: int


class Coach:
    """`voicecoach serve` in a child process; its JSON lines are read as they arrive."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, bufsize=1)
        self.seen: list[Seen] = []
        self.state: str | None = None
        self.stderr: deque[str] = deque(maxlen=400)
        self._readers = [
            threading.Thread(target=self._read_stdout, name="coach-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name="coach-stderr", daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with contextlib.suppress(json.JSONDecodeError):
                entry = json.loads(line)
                self.seen.append(Seen(time.monotonic(), entry))
                if entry.get("who") == "state":
                    self.state = entry["text"]
                if entry.get("who") in ("you", "state", "note"):
                    detail = f" [{entry.get('intent')}]" if entry["who"] == "you" else ""
                    log(f"          serve {entry['who']}: {entry.get('text')}{detail}")

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line.rstrip("\n"))

    @property
    def in_session(self) -> bool:
        return self.state not in (None, "idle", "finished")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def sample(self, t: float) -> Sample:
        pid = self.process.pid
        fields = dict(line.split(":", 1) for line in
                      Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines())

        def mb(name: str) -> float:
            return round(int(fields[name].split()[0]) / 1024, 2)  # the kernel counts in kB

        return Sample(round(t, 1), mb("VmRSS"), mb("RssAnon"),
                      len(os.listdir(f"/proc/{pid}/task")))

    def terminate(self) -> dict[str, Any]:
        """SIGTERM, timed; killed if it is still there after EXIT_TIMEOUT_S."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        killed = False
        try:
            code = self.process.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code, killed = self.process.wait(), True
        seconds = time.monotonic() - sent
        for reader in self._readers:
            reader.join(timeout=2.0)
        return {"seconds": round(seconds, 3), "code": code, "killed": killed}

    def kill(self) -> None:
        if self.running:
            self.process.kill()
            self.process.wait()

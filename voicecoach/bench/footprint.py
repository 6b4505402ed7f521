"""A listener's footprint in a fresh process of its own (the only honest way): peak memory, and
the time from the process's launch to listening and to its first decision.

    python -m voicecoach.bench.footprint COLUMN BACKEND MODEL LAUNCHED

COLUMN and BACKEND name the listener (`columns.py`), MODEL a Vosk model folder or "" for none,
LAUNCHED the parent's `time.monotonic()` when it started us: CLOCK_MONOTONIC is one clock for
every process on the machine, so Python's own start counts. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _peak_rss_mb() -> float:
    # VmHWM, not ru_maxrss: the latter survives exec and so reports the launching process's
    # peak.
    with open("/proc/self/status", encoding="ascii") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    return peak_kb / 1024


def main(argv: list[str]) -> None:
    column, backend, model, launched = argv
    started = float(launched)
    from ..audio.synthetic import synthesize, with_room
    from ..hearing.backends import Backend
    from ..library import load_library
    from .columns import column_listener

    library = load_library()
    listener = column_listener(column, Backend(backend), library.grammar,
                               Path(model) if model else None)
    ready = time.monotonic() - started
    decided = ready
    # The first command loads what loads lazily (the verifier's speech-embedding models).
    for text in ("pause", "start glutes"):
        audio = with_room(synthesize(text))
        listener.restart()
        for i in range(0, len(audio), 800):
            listener.feed(audio[i : i + 800])
        listener.finish()
        if text == "pause":
            decided = time.monotonic() - started
    print(json.dumps({"startup_s": ready, "first_decision_s": decided,
                      "peak_rss_mb": _peak_rss_mb()}))


if __name__ == "__main__":
    main(sys.argv[1:])

"""The benchmark's figures for one backend in one configuration, and the machine they came from.

Every key the JSON promises is always present: a number, or None where it was not measured.
Shares of "other speech acted on" count hearings: a clip scored in four states counts four
times, and is acted on in any of them as often as it is.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figures:
    scored: str = ""  # "whole grammar", or "by state" (each command in its state, others in all)
    command_accuracy: float | None = None  # synthetic command phrases, held-out voices, clean
    real_speech_accuracy: float | None = None  # recorded commands (--speech)
    real_other_false_accept: float | None = None  # recorded other words acted on
    sentence_false_accept: float | None = None  # ordinary sentences (held out) acted on
    oov_false_accept: float | None = None  # both of the above, pooled (the old table's row)
    # Recorded speech scored by state with this column's listener (plain and today: their own
    # recogniser narrowed to each state; verified: None, its main figures already are).
    in_state: dict[str, float | None] = field(default_factory=dict)
    accuracy_by_snr: dict[str, float | None] = field(default_factory=dict)  # dB -> share
    accuracy_massage_gun: dict[str, float | None] = field(default_factory=dict)  # dB(A) SPL
    self_hearing_triggers: int | None = None  # commands set off by the coach's own voice
    self_hearing_lines: int | None = None  # how many coach lines were played back
    barge_in_obeyed: float | None = None  # "pause"/"stop"/"that hurts" over the coach, all levels
    barge_in_by_db: dict[str, float | None] = field(default_factory=dict)  # user-to-echo dB
    latency_median_s: float | None = None  # end of speech -> decision, stream time
    latency_p95_s: float | None = None
    rtf: float | None = None  # processing seconds per second of speech audio
    cpu_idle_share: float | None = None  # share of one core while listening to silence
    peak_rss_mb: float | None = None
    startup_s: float | None = None  # from process start to listening
    first_decision_s: float | None = None  # from process start to the first command decided
    speech_response_s: float | None = None  # decision -> first sample of the coach's answer

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def pooled(parts: list[tuple[int, int]]) -> float | None:
    """(acted on, heard) pairs as one share."""
    heard = sum(total for _, total in parts)
    return sum(acted for acted, _ in parts) / heard if heard else None


def machine() -> dict[str, Any]:
    uname = platform.uname()
    memory_gib = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            kib = int(meminfo.readline().split()[1])
            memory_gib = round(kib / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "system": uname.system,
        "machine": uname.machine,
        "processor": _cpu_model() or uname.processor,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("model name", "Model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None

"""The benchmark's figures for one backend in one configuration, and the machine they came from.

Every key the JSON promises is always present: a number, or None where it was not measured."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figures:
    command_accuracy: float | None = None  # synthetic command phrases, clean
    real_speech_accuracy: float | None = None  # recorded commands (--speech)
    oov_false_accept: float | None = None  # share of non-command speech taken for a command
    accuracy_by_snr: dict[str, float | None] = field(default_factory=dict)  # dB -> share
    self_hearing_triggers: int | None = None  # commands set off by the coach's own voice
    self_hearing_lines: int | None = None  # how many coach lines were played back
    barge_in_obeyed: float | None = None  # "pause"/"stop" over the coach, obeyed share
    latency_median_s: float | None = None  # end of speech -> decision, stream time
    latency_p95_s: float | None = None
    rtf: float | None = None  # processing seconds per second of speech audio
    cpu_idle_share: float | None = None  # share of one core while listening to silence
    peak_rss_mb: float | None = None
    startup_s: float | None = None  # from process start to listening
    speech_response_s: float | None = None  # decision -> first sample of the coach's answer

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


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

"""`voicecoach bench --word-ends-only`: the word-ends figures (word_ends.py) for the coach's
hearing, on the noise recordings of a folder, and their table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from ..audio.clip_folders import wav_files
from ..hearing.backends import Backend
from ..library import Library
from . import word_ends
from .columns import column_listener
from .figures import machine
from .measure import COMMAND_VOICES


def plan_for(noise: Path | None, quick: bool) -> word_ends.Plan:
    """Every noise file of `noise` (none: the quiet room alone); --quick: the first file, one
    stretch, 15 dB, two noise lengths, four commands in two voices."""
    files = tuple(wav_files(noise, "noise")) if noise is not None else ()
    if quick:
        return word_ends.Plan(files[:1], (None, 15.0), (0.5, 3.0), stretches=1,
                              commands=word_ends.SESSION_COMMANDS[:4], voices=COMMAND_VOICES[:2])
    return word_ends.Plan(files)


def run(library: Library, backend: Backend, model: Path | None, noise: Path | None,
        quick: bool, console: Console) -> dict[str, Any]:
    plan = plan_for(noise, quick)  # a folder without noise is refused before any work
    said = word_ends.scenes(plan)
    listener = column_listener("verified", backend, library.grammar, model)
    with Progress("[bold]word ends", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("word ends", total=len(said))
        figures, _ = word_ends.measure(listener, library.grammar, said,
                                       lambda: progress.advance(task))
    return {
        "machine": machine(),
        "plan": {
            "noise_files": [path.name for path in plan.noise_files],
            "measuring_part": "the last 40% of each recording (audio/noise_split.py)",
            "snrs_db": ["quiet" if snr is None else snr for snr in plan.snrs_db],
            "noise_before_s": list(plan.noise_before_s),
            "stretches": plan.stretches,
            "commands": list(plan.commands),
            "voices": [f"{v.name} ({v.words_per_minute} wpm, pitch {v.pitch})"
                       for v in plan.voices],
            "backend": backend.value,
        },
        "word_ends": word_ends.as_json(figures),
    }


def table(report: dict[str, Any]) -> Table:
    shown = Table(title="Where the utterance ends, against the word's end (verified hearing)")
    for name in ("level", "room", "hearings", "heard", "median |end error|", "max",
                 "within 0.3 s", "never ended", "decided after the word"):
        shown.add_column(name, justify="left" if name in ("level", "room") else "right")
    for level, rooms in report["word_ends"].items():
        for room, figure in rooms.items():
            shown.add_row(level, room, str(figure["hearings"]), _share(figure["heard_share"]),
                          _seconds(figure["end_error_median_s"]),
                          _seconds(figure["end_error_max_s"]),
                          _share(figure["ends_within_0_3_s"]), str(figure["never_ended"]),
                          _seconds(figure["decided_median_s"]))
    return shown


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"

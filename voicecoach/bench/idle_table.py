"""The idle-listening figures as tables: CPU per scene here and on a Pi 4, and the gate's price."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table

from .idle_scenes import SCENES


def idle_tables(idle: dict[str, Any]) -> Group:
    """One table per backend: a row per room, a column per configuration; each cell is the
    share of one core here over the estimate for one Pi 4 core."""
    ratio = idle["pi4"]
    caption = (f"Pi 4 = here x {_range(ratio['ratio_pocketsphinx'], 'x')} (PocketSphinx), "
               f"x {_range(ratio['ratio_vosk'], 'x')} (Vosk); heard: commands (starts) taken "
               "from the talking room")
    rooms = [scene for scene in SCENES if scene in idle["scenes"]]
    tables = []
    for backend in idle["backends"].values():
        configurations = list(backend["configurations"].values())
        result = Table(title=f"idle, {backend['label']}: share of one core here / on a Pi 4 "
                             f"({idle['seconds_per_scene']:g} s per room)")
        result.add_column("room")
        for figures in configurations:
            result.add_column(f"{figures['label']}\n{figures['grammar_sentences']} sentences",
                              justify="right")
        for room in rooms:
            result.add_row(room, *[_here_and_pi4(figures, room) for figures in configurations])
        result.add_row("heard (talk)", *[_heard(figures) for figures in configurations])
        tables.append(result)
    if tables:
        tables[-1].caption = caption
    return Group(*tables)


def _here_and_pi4(figures: dict[str, Any], room: str) -> str:
    measured, on_pi4 = figures["scenes"].get(room), figures["pi4_share"].get(room)
    if measured is None or on_pi4 is None:
        return "—"
    return f"{_share(measured['cpu_per_audio_s'])}\n{_range([100 * s for s in on_pi4], '%')}"


def _heard(figures: dict[str, Any]) -> str:
    talk = figures["scenes"].get("talk")
    return f"{talk['commands_heard']} ({talk['starts_heard']})" if talk else "—"


def gate_table(idle: dict[str, Any]) -> Table:
    result = Table(title="VAD gate: its price in hearing commands")
    result.add_column("backend")
    result.add_column("gate")
    for heading in ("synthetic", "recorded", "other speech", "latency", "p95"):
        result.add_column(heading, justify="right")
    for backend in idle["backends"].values():
        gate = backend.get("vad_gate_accuracy") or {}
        for side in ("off", "on"):
            figures = gate.get(side) or {}
            result.add_row(
                backend["label"] if side == "off" else "", side,
                *[_percent(figures.get(key))
                  for key in ("command_accuracy", "real_speech_accuracy", "oov_false_accept")],
                *[_seconds(figures.get(key)) for key in ("latency_median_s", "latency_p95_s")],
            )
    return result


def _share(value: float) -> str:
    return f"{value:.2%}"


def _range(values: list[float], unit: str) -> str:
    low, high = values
    if unit != "%":
        return f"{low:g}-{high:g}"
    return f"{low:.2f}-{high:.2f}%" if high < 1 else f"{low:.1f}-{high:.1f}%"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"

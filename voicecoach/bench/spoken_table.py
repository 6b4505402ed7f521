"""The spoken sessions as a table: per room, per noise and overall, beside the targets."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table

TARGETS = "quiet room >= 90% obeyed, each noisy room >= 75%, pain >= 95%, false <= 1/h"
MISSED_SHOWN = 8


def spoken_tables(spoken: dict[str, Any]) -> RenderableType:
    plan = spoken.get("plan", {})
    return Group(*[spoken_table(backend, figures, plan)
                   for backend, figures in spoken.get("backends", {}).items()])


def spoken_table(backend: str, figures: dict[str, Any], plan: dict[str, Any]) -> Table:
    lines = len(plan.get("script", []))
    result = Table(
        title=f"spoken sessions, {backend}: {lines} commands said through a whole glutes "
              "session, heard as `run --input` hears",
        caption=f"targets: {TARGETS}. Obeyed: within 5 s of the first saying; in 3 tries: "
                f"said up to twice more. Voices: {', '.join(plan.get('voices', []))} "
                f"({plan.get('voices_note', '')}); noise: {plan.get('noise_note', '')}; "
                f"coach: {plan.get('coach_voice', '')}{_missed(figures['overall'])}")
    for heading in ("room", "obeyed", "in 3 tries", "pain answered", "false actions", "min"):
        result.add_column(heading, justify="left" if heading == "room" else "right")
    for name, pooled in figures["rooms"].items():
        result.add_row(name, *_cells(pooled))
    for name, pooled in figures.get("noises", {}).items():
        result.add_row(f"  {name}", *_cells(pooled))
    result.add_row("overall", *_cells(figures["overall"]))
    return result


def _cells(pooled: dict[str, Any]) -> list[str]:
    per_hour = pooled["false_actions_per_hour"]
    return [_share(pooled["obeyed"], pooled["lines"]),
            _share(pooled["obeyed_in_the_end"], pooled["lines"]),
            _share(pooled["pain_answered"], pooled["pain_said"]),
            f"{pooled['false_actions']} ({per_hour:.0f}/h)" if per_hour is not None else "—",
            f"{pooled['hours'] * 60:.0f}"]


def _share(count: int, total: int) -> str:
    return f"{count}/{total} {count / total:.0%}" if total else "—"


def _missed(overall: dict[str, Any]) -> str:
    missed = list(overall.get("missed", {}).items())[:MISSED_SHOWN]
    if not missed:
        return ""
    return "; most missed: " + ", ".join(f"{text} {count}x" for text, count in missed)

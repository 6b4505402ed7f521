"""The bench's report as tables: one main table per backend (plain / today / verified beside
the hearing targets), the talking rooms, enrollment, spoken sessions, then idle listening and
the VAD gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table

from .columns import CONFIGURATIONS
from .idle_table import gate_table, idle_tables
from .spoken_table import spoken_tables
from .voice_table import voices_table

Value = Callable[[dict[str, Any]], Any]  # a column's figures -> one cell's number


def _key(name: str) -> Value:
    return lambda figures: figures.get(name)


def _within(group: str, name: str) -> Value:
    return lambda figures: (figures.get(group) or {}).get(name)


def _in_state(name: str) -> Value:
    """The in-state figure: measured apart for whole-grammar columns, the main one otherwise."""
    return lambda figures: (figures.get(name) if figures.get("scored") == "by state"
                            else (figures.get("in_state") or {}).get(name))


# (label, value, kind, target)
ROWS: list[tuple[str, Value, str, str]] = [
    ("commands understood, synthetic (held-out voices)", _key("command_accuracy"), "share", ""),
    ("commands understood, recorded", _key("real_speech_accuracy"), "share", ">= 85%"),
    ("  the same, scored by state", _in_state("real_speech_accuracy"), "share", ">= 85%"),
    ("recorded other words acted on", _key("real_other_false_accept"), "share", "<= 3%"),
    ("  the same, scored by state", _in_state("real_other_false_accept"), "share", "<= 3%"),
    ("ordinary sentences acted on", _key("sentence_false_accept"), "share", "<= 2%"),
    ("other speech acted on (both, pooled)", _key("oov_false_accept"), "share", ""),
]
TAIL_ROWS: list[tuple[str, Value, str, str]] = [
    ("coach's own lines that triggered a command", _key("self_hearing_triggers"), "count", "0"),
    ("latency median (s)", _key("latency_median_s"), "seconds", "<= 0.3"),
    ("latency p95 (s)", _key("latency_p95_s"), "seconds", ""),
    ("processing time / audio time", _key("rtf"), "ratio", ""),
    ("CPU share, listening to silence", _key("cpu_idle_share"), "fine share", ""),
    ("peak memory (MB)", _key("peak_rss_mb"), "number", "<= 200"),
    ("start to listening (s)", _key("startup_s"), "seconds", ""),
    ("start to first decision (s)", _key("first_decision_s"), "seconds", ""),
    ("decision to coach's voice (s)", _key("speech_response_s"), "seconds", ""),
]


def table(report: dict[str, Any]) -> RenderableType:
    """Every figure: the main table per backend, the rooms, enrollment, idle listening, the
    VAD gate's price and the coach's voices (each part only when it was measured)."""
    plan = report.get("plan", {})
    parts: list[RenderableType] = [main_table(name, figures, plan)
                                   for name, figures in report.get("backends", {}).items()]
    parts += [rooms_table(name, rooms) for name, rooms in report.get("rooms", {}).items()]
    parts += [enrollment_table(name, enrolled)
              for name, enrolled in report.get("enrollment", {}).items()]
    if report.get("spoken_sessions"):
        parts.append(spoken_tables(report["spoken_sessions"]))
    if report.get("idle"):
        parts += [idle_tables(report["idle"]), gate_table(report["idle"])]
    if report.get("voices"):
        parts.append(voices_table(report["voices"]))
    return Group(*parts)


def rows_for(columns: dict[str, Any]) -> list[tuple[str, Value, str, str]]:
    first = next(iter(columns.values()))
    rows = list(ROWS)
    rows += [(f"commands at {snr} dB SNR", _within("accuracy_by_snr", snr), "share",
              ">= 80%" if snr == "10" else "") for snr in first["accuracy_by_snr"]]
    rows += [(f"commands with a massage gun at {level} dB(A)",
              _within("accuracy_massage_gun", level), "share", "")
             for level in first["accuracy_massage_gun"]]
    rows += [(f"pause/stop/that hurts over the coach, {_signed(db)} dB",
              _within("barge_in_by_db", db), "share", ">= 90%" if db == "0" else "")
             for db in first["barge_in_by_db"]]
    return rows + TAIL_ROWS


def main_table(backend: str, columns: dict[str, Any], plan: dict[str, Any]) -> Table:
    voices = ", ".join(plan.get("command_voices", [])) or "—"
    result = Table(title=f"voicecoach bench, {backend}: plain = bare grammar, no rejection; "
                         "today = today's recogniser, whole grammar; verified = the coach's "
                         "hearing, by state, no voice profile",
                   caption=f"synthetic commands: {voices} (held out of training)")
    result.add_column("figure")
    names = [name for name in CONFIGURATIONS if name in columns]
    for name in names:
        result.add_column(name, justify="right")
    result.add_column("target", justify="right")
    for label, value, kind, target in rows_for(columns):
        result.add_row(label, *[_format(value(columns[name]), kind, columns[name])
                                for name in names], target)
    return result


def rooms_table(backend: str, rooms: dict[str, Any]) -> Table:
    result = Table(title=f"false commands in talking rooms, {backend} (nobody speaks to the "
                         "coach)", caption="count in the room's length (per hour); target <= 1/h")
    result.add_column("room")
    for key in rooms:
        result.add_column(key.replace("_", ", "), justify="right")
    scenes: dict[str, Any] = next(iter(rooms.values()), {})
    for scene, figure in scenes.items():
        label = f"{scene} ({figure['speech_share']:.0%} speech, {figure['seconds'] / 60:g} min)"
        result.add_row(label, *[_room_cell(rooms[key].get(scene)) for key in rooms])
    return result


def _room_cell(figure: dict[str, Any] | None) -> str:
    if figure is None:
        return "—"
    return f"{figure['commands']} ({figure['per_hour']:.0f}/h)"


def enrollment_table(backend: str, enrolled: dict[str, Any]) -> Table:
    result = Table(title=f"enrollment, {backend}: {enrolled['speakers']} speakers, "
                         f"{enrolled['command_clips']} command clips, verified by state",
                   caption=f"{enrolled['rule']}; target >= 95% after enrollment, other words "
                           "no more often than before")
    for heading in ("profile", "commands understood", "other words acted on", "build (s)"):
        result.add_column(heading, justify="left" if heading == "profile" else "right")
    for key, label in ENROLLMENT_ROWS:
        figures = enrolled[key]
        build = figures["build_s_median"]
        result.add_row(label, _percent(figures["understood"]),
                       _acted(figures["other_false_accept"], figures["other_hearings"]),
                       "—" if build is None else f"{build:.1f}")
    return result


ENROLLMENT_ROWS = (
    ("without_profile", "none"),
    ("commands", "commands only (enroll before it asked for sentences)"),
    ("commands_and_sentences", "commands and sentences (today's enroll)"),
)


def _acted(share: float | None, hearings: int) -> str:
    return "—" if share is None else f"{share:.1%} of {hearings}"


def _signed(db: str) -> str:
    return f"+{db}" if not db.startswith("-") and db != "0" else db


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _format(value: Any, kind: str, figures: dict[str, Any]) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{value:.0%}" if value >= 0.1 or value == 0 else f"{value:.1%}"
    if kind == "fine share":
        return f"{value:.2%}"
    if kind == "count":
        return f"{value} of {figures.get('self_hearing_lines')}"
    if kind in ("seconds", "ratio"):
        return f"{value:.3f}"
    return f"{value:.0f}"

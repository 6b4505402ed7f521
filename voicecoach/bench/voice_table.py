"""The voice part of the bench's report: for each engine its figures here and, for the times,
the Raspberry Pi 4 estimate beside them."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from .voice_costs import ROUTINE

# (label, key, digits): times, shown with their Pi 4 range
TIMED = [
    ("loading the voice (s)", "load_s", 2),
    ("synthesis time / speech time", "real_time_factor", 3),
    ("decision to first sample, not made ahead (s)", "first_sample_s", 2),
    ("a session's start: urgent answers made (s)", "ready_s", 1),
    (f"  and every line of a {ROUTINE} session (s)", "prefetch_s", 1),
]


def voices_table(voices: dict[str, Any]) -> Table:
    result = Table(title="the coach's voices, on one core: here and a Raspberry Pi 4 estimate",
                   caption="Pi 4 = here x the single-core ratio (Piper: ONNX Runtime, the "
                           "matrix-product ratio; pyttsx3: espeak-ng, the scalar one); memory: "
                           "the whole process with the voice alone; heard with the verified "
                           "hearing")
    result.add_column("figure")
    for engine in voices:
        result.add_column(engine, justify="right")
        result.add_column("Pi 4", justify="right")
    result.add_row("voice", *_pairs(voices, lambda f: (_voice(f), "")))
    for label, key, digits in TIMED:
        result.add_row(label, *_pairs(voices, lambda f, k=key, d=digits: _timed(f, k, d)))
    result.add_row("  speech made ahead (min)", *_pairs(voices, _speech_minutes))
    result.add_row("peak memory (MB)", *_pairs(voices, lambda f: (_memory(f), "")))
    for backend in sorted({b for f in voices.values() for b in f.get("over_the_coach", {})}):
        def heard(f: dict[str, Any], b: str = backend) -> dict[str, Any] | None:
            found: dict[str, Any] | None = f.get("over_the_coach", {}).get(b)
            return found

        result.add_row(f"own lines that set off a command ({backend})",
                       *_pairs(voices, lambda f: (_triggers(heard(f)), "")))
        result.add_row(f"pause/stop/that hurts over it, +6/0/-6 dB ({backend})",
                       *_pairs(voices, lambda f: (_barge_in(heard(f)), "")))
    return result


def _pairs(voices: dict[str, Any], cells: Any) -> list[str]:
    return [cell for figures in voices.values() for cell in cells(figures)]


def _voice(figures: dict[str, Any]) -> str:
    if figures.get("engine_used") is None:
        return "not measured"
    return str(figures.get("voice_name") or figures["engine_used"])


def _timed(figures: dict[str, Any], key: str, digits: int) -> tuple[str, str]:
    value, pi4 = figures.get(key), figures.get(f"pi4_{key}")
    if value is None:
        return "—", "—"
    return f"{value:.{digits}f}", f"{pi4[0]:.{digits}f}-{pi4[1]:.{digits}f}" if pi4 else "—"


def _speech_minutes(figures: dict[str, Any]) -> tuple[str, str]:
    seconds = figures.get("prefetch_audio_s")
    lines = figures.get("prefetch_lines")
    return ("—" if seconds is None else f"{seconds / 60:.1f} in {lines} lines"), ""


def _memory(figures: dict[str, Any]) -> str:
    peak, before = figures.get("peak_memory_mb"), figures.get("memory_before_mb")
    if peak is None:
        return "—"
    return f"{peak:.0f} (voice {peak - before:.0f})" if before else f"{peak:.0f}"


def _triggers(heard: dict[str, Any] | None) -> str:
    if heard is None:
        return "—"
    return f"{heard['self_hearing_triggers']} of {heard['self_hearing_lines']}"


def _barge_in(heard: dict[str, Any] | None) -> str:
    if heard is None:
        return "—"
    shares = [heard["barge_in_by_db"].get(db) for db in ("6", "0", "-6")]
    return " / ".join("—" if share is None else f"{share:.0%}" for share in shares)

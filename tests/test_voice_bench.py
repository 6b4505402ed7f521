"""`voicecoach bench --voices-only --quick` measures both coach voices and reports every figure
it promises (the figures themselves come from full runs, never from tests: no timing is
asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from voicecoach.bench import pi4
from voicecoach.bench.voice_bench import ENGINES, SCALED
from voicecoach.bench.voice_costs import FIGURE_KEYS, engine_costs
from voicecoach.bench.voice_table import voices_table

from .audio_helpers import needs_espeak

OVER_THE_COACH_KEYS = {"self_hearing_triggers", "self_hearing_lines", "barge_in_by_db",
                       "barge_in_obeyed"}
PI4_KEYS = {"pi4_ratio", *(f"pi4_{key}" for key in SCALED)}


@needs_espeak
def test_quick_voice_bench_measures_both_engines_and_hears_each(tmp_path: Path):
    out = tmp_path / "voices.json"
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "bench", "--quick", "--voices-only",
         "--backend", "pocketsphinx", "--json", str(out)],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert set(report) == {"machine", "plan", "voices"}  # nothing else was measured
    assert tuple(report["voices"]) == ENGINES == ("piper", "pyttsx3")
    for engine, figures in report["voices"].items():
        assert set(figures) >= {*FIGURE_KEYS, *PI4_KEYS, "heard_voice", "over_the_coach"}
        assert figures["engine_used"] == engine, figures["notes"]  # no quiet fall back
        assert figures["heard_voice"].startswith(engine)
        for key in ("real_time_factor", "first_sample_s", "peak_memory_mb", "prefetch_s"):
            assert figures[key] > 0, key
        assert figures["ready_s"] is None  # --quick makes no session's start
        for key in SCALED:
            if figures[key] is None:
                assert figures[f"pi4_{key}"] is None
            else:
                low, high = figures[f"pi4_{key}"]
                assert low <= high
        heard = figures["over_the_coach"]["pocketsphinx"]
        assert set(heard) == OVER_THE_COACH_KEYS
        assert heard["self_hearing_lines"] == 3
        assert set(heard["barge_in_by_db"]) == {"6", "0", "-6"}
    assert "the coach's voices" in result.stdout and "Audio saved" not in result.stdout


@needs_espeak
def test_a_piper_that_cannot_load_is_measured_as_the_fallback_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A `piper` package that fails to import shadows the real one in the child.
    (tmp_path / "piper").mkdir()
    (tmp_path / "piper" / "__init__.py").write_text("raise ImportError('no piper here')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    figures = engine_costs("piper", quick=True)
    assert figures["engine_used"] == "pyttsx3"
    assert any("espeak-ng" in note for note in figures["notes"])


def test_the_pi4_estimate_of_piper_is_the_matrix_product_ratio():
    estimate = pi4.estimate(None)
    assert estimate.for_voice("piper") == estimate.simd
    assert estimate.for_voice("pyttsx3") == estimate.scalar


def test_an_engine_that_could_not_be_measured_is_shown_as_such():
    voices = {"piper": dict.fromkeys(FIGURE_KEYS), "pyttsx3": dict.fromkeys(FIGURE_KEYS)}
    console = Console(width=120, record=True)
    console.print(voices_table(voices))
    assert console.export_text().count("not measured") == 2

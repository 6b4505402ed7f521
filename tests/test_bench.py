"""`voicecoach bench --quick` works and reports every figure it promises (figures themselves
come from full runs on a quiet machine, never from tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from voicecoach.bench.figures import Figures
from voicecoach.bench.runner import command_phrases
from voicecoach.core import Intent

from .audio_helpers import needs_espeak, shared_dir

KEYS = {"command_accuracy", "real_speech_accuracy", "oov_false_accept", "accuracy_by_snr",
        "self_hearing_triggers", "self_hearing_lines", "barge_in_obeyed", "latency_median_s",
        "latency_p95_s", "rtf", "cpu_idle_share", "peak_rss_mb", "startup_s",
        "speech_response_s"}


def test_figures_have_exactly_the_promised_keys():
    assert set(Figures().as_json()) == KEYS


def test_every_intent_has_a_phrase_to_measure(library):  # type: ignore[no-untyped-def]
    phrases = command_phrases(library, per_intent=1)
    assert {library.grammar.parse(p).intent for p in phrases} == set(Intent)


@needs_espeak
def test_quick_bench_reports_both_configurations_for_pocketsphinx(tmp_path: Path):
    audio = shared_dir() / "audio"
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "bench", "--quick", "--backend", "pocketsphinx",
         "--json", str(out), "--speech", str(audio / "speech-commands"),
         "--noise", str(audio / "noise")],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert set(report["machine"]) >= {"cores", "machine", "python"}
    figures = report["backends"]["pocketsphinx"]
    assert set(figures) == {"plain", "voicecoach"}
    for name in ("plain", "voicecoach"):
        assert set(figures[name]) == KEYS
        assert set(figures[name]["accuracy_by_snr"]) == {"20", "10", "5", "0"}
        assert 0 <= figures[name]["command_accuracy"] <= 1
    assert "command accuracy" in result.stdout and "Audio saved" not in result.stdout

"""A listener's footprint is measured in a fresh process of its own (`python -m
voicecoach.bench.footprint`): its peak memory, and its time to listening and to a decision."""

from __future__ import annotations

from voicecoach.bench.measure import footprint

from .audio_helpers import needs_espeak


@needs_espeak
def test_a_listeners_footprint_comes_from_a_process_of_its_own() -> None:
    figures = footprint("plain", "pocketsphinx", None)
    assert set(figures) == {"startup_s", "first_decision_s", "peak_rss_mb"}
    assert 0 < figures["startup_s"] <= figures["first_decision_s"]
    assert 20 < figures["peak_rss_mb"] < 1000  # this process's, not the test runner's

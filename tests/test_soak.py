"""A minute of `voicecoach serve` in real time on the virtual microphone: the short form of the
ten-minute soak (scripts/soak/). Slow by nature, so marked `soak`: `pytest -m soak`."""

from __future__ import annotations

import ctypes.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.audio.synthetic import espeak_available

REPO = Path(__file__).resolve().parent.parent
SOAK = REPO / "scripts" / "soak"  # a package, run as a folder
VIRTUAL_MIC = Path(__file__).parent / "data" / "asound-virtual-mic.conf"

pytestmark = [
    pytest.mark.soak,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
    pytest.mark.skipif(not VIRTUAL_MIC.exists() or ctypes.util.find_library("portaudio") is None,
                       reason="needs the virtual ALSA microphone and libportaudio2"),
]


def test_a_minute_of_serve_in_real_time_obeys_every_command_and_stays_lean(tmp_path: Path) -> None:
    report_path = tmp_path / "soak.json"
    result = subprocess.run(
        [sys.executable, str(SOAK), "--minutes", "1", "--pacing-seconds", "5",
         "--json", str(report_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert report_path.exists(), result.stderr[-3000:]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    # The virtual microphone ran at the writer's pace, sample for sample...
    assert report["pacing"]["breaks"] == 0
    assert report["pacing"]["real_time_factor"] == pytest.approx(1.0, abs=0.02)
    # ...and a whole session (start, pause, resume, slower, next, status, stop) was said to it.
    assert report["commands"]["spoken"] >= 7
    assert report["verdict"] == "pass", json.dumps(
        {key: report[key] for key in ("failures", "commands", "rss_mb", "threads", "exit")},
        indent=1)
    assert result.returncode == 0

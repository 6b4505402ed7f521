"""`accuracy --speech`, `bench --speech` and `bench --noise`: a folder that cannot be used is
refused at once, in one line that names it and the fix, and is never quietly replaced."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.clip_folders import ClipFolderError
from voicecoach.audio.noise_split import measuring_part
from voicecoach.audio.source import SAMPLE_RATE
from voicecoach.audio.synthetic import write_wav
from voicecoach.bench.measure import noise_beds


def voicecoach(*argv: str) -> subprocess.CompletedProcess[str]:
    # A timeout well under a benchmark's run: a folder refused only at the end fails here.
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=60, check=False)


def missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere"


def without_labels(tmp_path: Path) -> Path:
    (tmp_path / "clips").mkdir()
    return tmp_path / "clips"


def latin1_labels(tmp_path: Path) -> Path:
    folder = without_labels(tmp_path)
    (folder / "labels.csv").write_bytes("path,transcript\nx.wav,caf\u00e9\n".encode("latin-1"))
    return folder


FOLDERS: list[tuple[Callable[[Path], Path], str]] = [
    (missing, "nowhere: no such folder; give a folder of WAV files with a labels.csv"),
    (without_labels, "labels.csv: missing; write one with the header `path,transcript`"),
    (latin1_labels, "labels.csv:2: not UTF-8 text; save the file as UTF-8"),
]


@pytest.mark.parametrize("command", [["accuracy", "--quick"], ["bench", "--quick"]])
@pytest.mark.parametrize(("make_folder", "says"), FOLDERS)
def test_a_speech_folder_that_cannot_be_used_is_one_line_at_once(
        command: list[str], make_folder: Callable[[Path], Path], says: str, tmp_path: Path):
    folder = make_folder(tmp_path)
    result = voicecoach(*command, "--backend", "pocketsphinx", "--speech", str(folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"voicecoach: {folder}") and says in last


@pytest.mark.parametrize(("make_folder", "says"), [
    (missing, "no such folder; give a folder of noise WAV files"),
    (without_labels, "no WAV files in it; give a folder of noise WAV files"),
])
def test_bench_refuses_a_noise_folder_it_cannot_use(
        make_folder: Callable[[Path], Path], says: str, tmp_path: Path):
    folder = make_folder(tmp_path)
    result = voicecoach("bench", "--quick", "--backend", "pocketsphinx", "--noise", str(folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"voicecoach: {folder}: {says}"


def test_noise_beds_never_fall_back_to_generated_noise_for_a_folder_given(tmp_path: Path):
    with pytest.raises(ClipFolderError, match="no such folder"):
        noise_beds(tmp_path / "nowhere")
    assert len(noise_beds(None)) == 2  # no folder asked for: white and pink noise


def test_the_bench_hears_only_the_part_of_each_noise_recording_kept_for_measuring(
        tmp_path: Path):
    # Training may hear the first 60% of each recording: the bench must not.
    ramp = (np.arange(10 * SAMPLE_RATE) % 20000 - 10000).astype(np.int16)
    write_wav(tmp_path / "running_tap.wav", ramp)
    (bed,) = noise_beds(tmp_path)
    assert np.array_equal(bed, measuring_part(ramp))

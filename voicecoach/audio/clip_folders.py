"""Folders of clips, and the user's enrollment clips judged before they are used.

A labelled folder holds WAV files and a `labels.csv` with a header row and the columns
`path,transcript` (more columns are allowed: the Speech Commands layout adds
`speaker_if_known`). Paths are relative to the folder. `read_labels` is the one reader of such
folders (enrollment, `accuracy --speech`, `bench --speech`, the verifier's real-speech scores),
so each problem is said the same way everywhere; `wav_files` finds the WAVs of an unlabelled
folder (`bench --noise`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from ..core.errors import VoicecoachError
from .source import SAMPLE_RATE, AudioError, Samples
from .wav_file import read_all

LABELS = "labels.csv"
# Loudness bounds, as speech rms in dBFS over the loudest half second. Quieter than -45 is a
# whisper from across the room (or a muted microphone); clipping is counted directly.
MIN_SPEECH_DBFS = -45.0
CLIPPING_SAMPLE = 32_000  # |sample| at or above this counts as clipped
MAX_CLIPPED_FRACTION = 0.001  # one sample in a thousand: audible distortion
MIN_SPEECH_S = 0.2


class ClipFolderError(VoicecoachError):
    """A folder of clips that cannot be used; the message names the file, the cause and fix."""


@dataclass(frozen=True)
class LabelledClip:
    path: Path
    transcript: str
    speaker: str | None = None


class ClipProblem(StrEnum):
    NOTHING_HEARD = "nothing heard"
    TOO_QUIET = "too quiet"
    CLIPPED = "too loud (clipped)"
    PART_HEARD = "only part heard"  # a sentence read aloud cut short


def read_labels(folder: Path) -> list[LabelledClip]:
    """The clips `labels.csv` lists, in its order; every listed file must exist."""
    if not folder.is_dir():
        raise ClipFolderError(f"{folder}: no such folder; give a folder of WAV files with a "
                              f"{LABELS}")
    labels = folder / LABELS
    if not labels.is_file():
        raise ClipFolderError(f"{labels}: missing; write one with the header `path,transcript` "
                              "and a line per clip")
    try:
        raw = labels.read_bytes()
    except OSError as exc:
        raise ClipFolderError(f"{labels}: cannot be read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from a Windows editor is fine
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ClipFolderError(f"{labels}:{line}: not UTF-8 text; save the file as UTF-8"
                              ) from exc
    rows = csv.DictReader(text.splitlines())
    columns = set(rows.fieldnames or [])
    if not {"path", "transcript"} <= columns:
        raise ClipFolderError(f"{labels}:1: the header must name the columns path and "
                              f"transcript (found: {', '.join(sorted(columns)) or 'nothing'})")
    clips: list[LabelledClip] = []
    for line, row in enumerate(rows, start=2):
        path_text = (row.get("path") or "").strip()
        transcript = " ".join((row.get("transcript") or "").split())
        if not path_text or not transcript:
            raise ClipFolderError(f"{labels}:{line}: a path and a transcript are both needed")
        path = folder / path_text
        if not path.is_file():
            raise ClipFolderError(f"{labels}:{line}: {path_text}: no such file")
        speaker = (row.get("speaker_if_known") or "").strip() or None
        clips.append(LabelledClip(path, transcript, speaker))
    if not clips:
        raise ClipFolderError(f"{labels}: lists no clips; add a line `file.wav,words` per clip")
    return clips


def wav_files(folder: Path, what: str) -> list[Path]:
    """The WAV files anywhere under `folder`, in order of path; there must be at least one.
    `what` says what they are for, as in "a folder of {what} WAV files"."""
    if not folder.is_dir():
        raise ClipFolderError(f"{folder}: no such folder; give a folder of {what} WAV files")
    found = sorted(path for path in folder.rglob("*")
                   if path.suffix.lower() == ".wav" and path.is_file())
    if not found:
        raise ClipFolderError(f"{folder}: no WAV files in it; give a folder of {what} WAV files")
    return found


def load_clip(clip: LabelledClip, on_note: Callable[[str], None] | None = None) -> Samples:
    """A clip's audio as 16 kHz mono; an unreadable file is a ClipFolderError. `on_note` hears
    what would make it a poor example (a telephone's narrow band)."""
    try:
        return read_all(clip.path, on_note=on_note)
    except AudioError as exc:
        raise ClipFolderError(str(exc)) from exc


def speech_dbfs(audio: Samples) -> float:
    """The rms level of the loudest half second, in dB below full scale."""
    if len(audio) == 0:
        return -120.0
    window = min(len(audio), SAMPLE_RATE // 2)
    running = np.concatenate([[0.0], np.cumsum(audio.astype(np.float64) ** 2)])
    loudest = float((running[window:] - running[:-window]).max()) / window
    return float(10 * np.log10(max(loudest, 1e-12) / 32768.0**2))


def clip_problem(audio: Samples) -> ClipProblem | None:
    """What would make a clip a poor example of the user's voice, or None if it will do."""
    if len(audio) < MIN_SPEECH_S * SAMPLE_RATE:
        return ClipProblem.NOTHING_HEARD
    if np.mean(np.abs(audio.astype(np.int32)) >= CLIPPING_SAMPLE) > MAX_CLIPPED_FRACTION:
        return ClipProblem.CLIPPED
    if speech_dbfs(audio) < MIN_SPEECH_DBFS:
        return ClipProblem.TOO_QUIET
    return None

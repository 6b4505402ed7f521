"""Enrollment test material: a speaker (espeak-ng) saying words, as clips or a labelled folder,
and a private cache for the converted speech model."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from voicecoach.adapting.mllr import sphinxtrain_available
from voicecoach.audio.source import Samples
from voicecoach.audio.synthetic import Voice, espeak_available, synthesize, with_room, write_wav

needs_enrollment_tools = pytest.mark.skipif(
    not (sphinxtrain_available() and espeak_available()),
    reason="sphinxtrain and espeak-ng are needed (sudo apt-get install sphinxtrain espeak-ng)")

SPEAKER = Voice("en-us+m3", words_per_minute=170, pitch=45)
WORDS = ["stop", "pause", "that hurts", "dog", "left"]


def spoken(words: list[str] = WORDS, voice: Voice = SPEAKER) -> list[tuple[str, Samples]]:
    return [(text, with_room(synthesize(text, voice), 0.3, 0.3, seed=i))
            for i, text in enumerate(words)]


def labelled_folder(folder: Path, examples: list[tuple[str, Samples]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as labels:
        writer = csv.writer(labels)
        writer.writerow(["path", "transcript"])
        for number, (text, audio) in enumerate(examples):
            name = f"{number}.wav"
            write_wav(folder / name, audio)
            writer.writerow([name, text])
    return folder

"""Shared test audio: synthetic speech (espeak-ng) and the project's shared recordings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voicecoach.audio.synthetic import Voice, espeak_available, synthesize, with_room, write_wav

needs_espeak = pytest.mark.skipif(
    not espeak_available() and os.environ.get("CI") != "true",
    reason="espeak-ng is not installed (make test installs it)",
)


def shared_dir() -> Path:
    """../shared (the recorded speech and noise), named by $VOICECOACH_SHARED.

    Without it tests skip with a reason, except under CI, where a missing folder fails the run.
    """
    value = os.environ.get("VOICECOACH_SHARED")
    if value and (Path(value) / "audio").is_dir():
        return Path(value)
    message = f"VOICECOACH_SHARED={value!r} is not the shared folder (.ci/run sets it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


DEFAULT_VOICE = Voice()


def spoken_wav(folder: Path, text: str, voice: Voice = DEFAULT_VOICE, seed: int = 0) -> Path:
    path = folder / f"{text.replace(' ', '_')}-{voice.name}-{voice.words_per_minute}.wav"
    write_wav(path, with_room(synthesize(text, voice), seed=seed))
    return path

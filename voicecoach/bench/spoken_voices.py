"""The scripted user's voices: Kokoro speakers that no part of training ever heard
(`MEASURING_SPEAKERS`), or, when Kokoro is not installed, espeak-ng voices held out of training,
said so wherever the figures are shown.

Kokoro takes about a second of CPU for each second of speech, so what it says is kept on disk
(the user cache folder, keyed by model, speaker, speed and words): the second bench is quick.
"""

from __future__ import annotations

import atexit
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..audio.source import AudioError, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS, Voice, synthesize
from ..training import kokoro
from .measure import COMMAND_VOICES

if TYPE_CHECKING:
    from ..training.kokoro import KokoroSpeaker

SPEECH_RMS = 2500.0  # the loud parts of the user's voice, int16 units (about -22 dBFS)
KOKORO_SPEED = 1.0


class UserVoice(Protocol):
    @property
    def name(self) -> str: ...

    def speak(self, text: str) -> Samples: ...


def at_voice_level(speech: Samples) -> Samples:
    """`speech` scaled so that its loud parts are at SPEECH_RMS: every voice equally loud, so
    a room's SNR means the same for all."""
    audio = speech.astype(np.float64)
    loud = np.abs(audio) > 4 * NOISE_FLOOR_RMS
    level = float(np.sqrt(np.mean(audio[loud] ** 2))) if loud.any() else 1.0
    return np.clip(audio * (SPEECH_RMS / level), -32768, 32767).astype(np.int16)


def cache_folder() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("voicecoach", appauthor=False) / "spoken-sessions"


@dataclass
class EspeakUser:
    voice: Voice

    @property
    def name(self) -> str:
        return f"espeak-ng {self.voice.name}"

    def speak(self, text: str) -> Samples:
        return at_voice_level(synthesize(text, self.voice))


class KokoroUser:
    """One Kokoro speaker; `speaker` makes the (shared, slow to load) model when a phrase is not
    in the cache."""

    def __init__(self, speaker_name: str, speaker: Callable[[], KokoroSpeaker | ChildKokoro],
                 folder: Path) -> None:
        self.name = f"Kokoro {speaker_name}"
        self._speaker_name, self._speaker, self._folder = speaker_name, speaker, folder

    def speak(self, text: str) -> Samples:
        key = f"{kokoro.MODEL_SHA256}|{self._speaker_name}|{KOKORO_SPEED}|{text}"
        path = self._folder / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.npy"
        if path.is_file():
            try:
                cached: Samples = np.load(path)
                return cached
            except (OSError, ValueError):
                pass  # damaged: made again
        speech = at_voice_level(self._speaker().speak(text, self._speaker_name, KOKORO_SPEED))
        self._folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npy")
        np.save(partial, speech)
        partial.replace(path)
        return speech


class ChildKokoro:
    """Kokoro speaking in a child process of its own. Its phonemizer loads the espeak-ng library
    bundled with espeakng-loader, whose data path points at the machine that built it; a
    process that has it loaded gets that library again when pyttsx3 asks for espeak-ng, which
    then cannot find its data and exits the whole process (the bench measures pyttsx3 too)."""

    def __init__(self) -> None:
        import multiprocessing

        self._pool = multiprocessing.get_context("fork").Pool(1)
        atexit.register(self._pool.terminate)

    def speak(self, text: str, name: str, speed: float) -> Samples:
        speech: Samples = self._pool.apply(_speak_in_child, (text, name, speed))
        return speech


_child_speaker: list[KokoroSpeaker] = []


def _speak_in_child(text: str, name: str, speed: float) -> Samples:
    if not _child_speaker:
        _child_speaker.append(kokoro.KokoroSpeaker())
    return _child_speaker[0].speak(text, name, speed)


def kokoro_users(count: int, folder: Path | None = None) -> list[UserVoice]:
    folder = folder or cache_folder()
    loaded: list[ChildKokoro] = []

    def speaker() -> ChildKokoro:
        if not loaded:
            kokoro.make_ready()  # a missing runner is said here, not in the child
            loaded.append(ChildKokoro())
        return loaded[0]

    return [KokoroUser(name, speaker, folder) for name in kokoro.MEASURING_SPEAKERS[:count]]


def espeak_users(count: int) -> list[UserVoice]:
    return [EspeakUser(voice) for voice in COMMAND_VOICES[:count]]


@dataclass(frozen=True)
class Voices:
    users: list[UserVoice]
    said: dict[tuple[str, str], Samples]  # (voice, text) -> speech, every line made ahead
    note: str  # which voices these are, for the table and the JSON


KOKORO_NOTE = "Kokoro-82M speakers held out of training (kokoro.MEASURING_SPEAKERS)"
ESPEAK_NOTE = "espeak-ng voices held out of training (training.voices.HELD_OUT_VOICES)"
QUICK_NOTE = f"{ESPEAK_NOTE}: bench --quick; a full bench speaks with Kokoro"


def make_voices(texts: Sequence[str], count: int, note: Callable[[str], None],
                tick: Callable[[], None],
                kokoro_speakers: Callable[[int], list[UserVoice]] | None = kokoro_users,
                ) -> Voices | None:
    """Every line in `count` of `kokoro_speakers` (None: espeak-ng's held-out voices, as
    `bench --quick` speaks); without Kokoro, in espeak-ng's held-out voices (said through
    `note`, once); None (said) if neither can speak."""
    if kokoro_speakers is not None:
        users = kokoro_speakers(count)
        try:
            return Voices(users, _every_line(users, texts, tick), KOKORO_NOTE)
        except kokoro.KokoroMissing as exc:
            note(f"spoken sessions: {exc}; the scripted user speaks in espeak-ng's held-out "
                 "voices instead")
        description = f"{ESPEAK_NOTE}: Kokoro missing, {kokoro.INSTALL}"
    else:
        description = QUICK_NOTE
    users = espeak_users(count)
    try:
        return Voices(users, _every_line(users, texts, tick), description)
    except AudioError as missing:
        note(f"spoken sessions skipped: {missing}")
        return None


def _every_line(users: Sequence[UserVoice], texts: Sequence[str],
                tick: Callable[[], None]) -> dict[tuple[str, str], Samples]:
    said = {}
    for user in users:
        for text in texts:
            said[user.name, text] = user.speak(text)
            tick()
    return said

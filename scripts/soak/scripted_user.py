"""The scripted user: what it says and in which voice, and the room it says it in."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import NOISE_FLOOR_RMS, Voice, pink_noise, synthesize, with_room
from voicecoach.audio.wav_file import read_all

from .home import SHARED
from .virtual_mic import BLOCK_FRAMES

# A minute of steady, broadband room noise.
DEFAULT_NOISE = SHARED / "audio" / "noise" / "running_tap.wav"
SPEECH_RMS = 2500.0  # the loud parts of the user's voice, int16 units (about -22 dBFS)

Audio = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Command:
    text: str  # what the user says
    intent: str  # what the coach must understand
    states: tuple[str, ...] = ()  # it must enter one of these; none: it must answer aloud


RUNNING = ("introducing", "instructing", "holding", "resting")
# Phrasings PocketSphinx hears in noise with the default voice: 28 of 28 through `voicecoach
# listen` at 20 dB SNR over a tap, a fridge and pink noise. "start quick", "next", "status" and
# "stop" were heard 0 of 4 times each over the tap, "pause" 0 of 4 over the fridge; the voice
# en-us+f2 at 140 wpm lost "hold on" and "pause" in most noises.
CYCLE = (
    Command("begin quick", "start", ("introducing",)),
    Command("hold on", "pause", ("paused",)),
    Command("resume", "resume", RUNNING),
    Command("slower", "slower"),
    Command("move on", "next"),
    Command("how long left", "status"),
    Command("i'm done", "stop", ("closing", "finished")),
)
STOP = CYCLE[-1]


@dataclass
class Utterance:
    command: Command
    speech: Samples
    started: float | None = None  # monotonic time its first block went into the pipe
    ended: float | None = None
    stream_s: float = 0.0  # where it starts in the microphone's audio (--save-input)


def loud_level(speech: Samples) -> float:
    samples = speech.astype(np.float64)
    loud = np.abs(samples) > 4 * NOISE_FLOOR_RMS
    return float(np.sqrt(np.mean(samples[loud] ** 2))) if loud.any() else 1.0


def voiced(command: Command, voice: Voice) -> Samples:
    speech = synthesize(command.text, voice).astype(np.float64)
    scaled = speech * (SPEECH_RMS / loud_level(speech.astype(np.int16)))
    return np.clip(scaled, -32768, 32767).astype(np.int16)


# --- the room ---------------------------------------------------------------------------------


def noise_bed(path: Path | None, snr_db: float) -> tuple[Samples, str]:
    """A seamless loop of room noise, `snr_db` below the voice, over the usual noise floor."""
    if path is not None and path.exists():
        noise, name = read_all(path).astype(np.float64), path.name
    else:
        pink = pink_noise(round(60.0 * SAMPLE_RATE), np.random.default_rng(0))
        noise, name = pink.astype(np.float64), "generated pink noise"
    fade = min(SAMPLE_RATE // 4, len(noise) // 4)
    ramp = np.linspace(0.0, 1.0, fade)
    loop = noise[:-fade].copy()
    loop[:fade] = noise[:fade] * ramp + noise[-fade:] * (1.0 - ramp)  # no click at the seam
    loop *= (SPEECH_RMS / 10 ** (snr_db / 20)) / (np.sqrt(np.mean(loop**2)) or 1.0)
    return with_room(np.clip(loop, -32768, 32767).astype(np.int16), 0.0, 0.0, seed=7), name


class Room:
    """What the microphone hears: the noise bed, and the user's speech from the next block on
    after `say`. The writer thread pulls blocks; the conductor says things."""

    def __init__(self, bed: Samples, keep: bool = False) -> None:
        self._bed = bed.astype(np.float64)
        self._position = 0  # samples delivered so far
        self._speaking: list[tuple[Utterance, int]] = []  # with the samples already played
        self._lock = threading.Lock()
        self.kept: list[Samples] | None = [] if keep else None

    def say(self, utterance: Utterance) -> Utterance:
        with self._lock:
            self._speaking.append((utterance, 0))
        return utterance

    def block(self, at: float) -> Samples:
        """The next block; `at` is the monotonic time it goes into the pipe."""
        where = (self._position + np.arange(BLOCK_FRAMES)) % len(self._bed)
        audio: Audio = self._bed[where]
        with self._lock:
            still: list[tuple[Utterance, int]] = []
            for utterance, done in self._speaking:
                if done == 0:
                    utterance.started, utterance.stream_s = at, self._position / SAMPLE_RATE
                part = utterance.speech[done : done + BLOCK_FRAMES].astype(np.float64)
                audio[: len(part)] += part
                if done + BLOCK_FRAMES >= len(utterance.speech):
                    utterance.ended = at + len(part) / SAMPLE_RATE
                else:
                    still.append((utterance, done + BLOCK_FRAMES))
            self._speaking = still
        self._position += BLOCK_FRAMES
        block = np.clip(audio, -32768, 32767).astype(np.int16)
        if self.kept is not None:
            self.kept.append(block)
        return block

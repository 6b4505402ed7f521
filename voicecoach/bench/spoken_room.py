"""The room of a spoken session: its own sound, and the microphone the session listens to.

The room is quiet (the noise floor of a cheap microphone) or has a recorded noise under the
user's voice at a given SNR: only the part of each recording kept for measuring
(`audio/noise_split.py`), so the hearing is never measured on noise it learnt from. The
microphone hears the room and the scripted user, who decides block by block what to say
(spoken_user.py); the coach's voice leaking back is the session's own room (stream.EchoPath).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..audio.clip_folders import wav_files
from ..audio.noise_split import measuring_part
from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS, pink_noise
from ..audio.wav_file import read_all
from .spoken_user import CoachView, ScriptedUser
from .spoken_voices import SPEECH_RMS

BLOCK = SAMPLE_RATE // 20  # 50 ms, as the stream runner's
TAIL_S = 3.0  # after the last line, once the coach is silent: what it still does counts
LONGEST_SESSION_S = 20 * 60.0
# A kitchen, a tap, a café, a street: steady and changing noises a user massages beside.
ROOM_NOISES = ("doing_the_dishes", "running_tap", "cafe", "traffic")

Audio = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Room:
    name: str
    snr_db: float | None  # the user's voice over the noise; None: a quiet room


ROOMS = (Room("quiet", None), Room("15 dB SNR", 15.0), Room("10 dB SNR", 10.0))


@dataclass(frozen=True)
class Noise:
    name: str
    samples: Samples  # the part kept for measuring


def room_noises(folder: Path | None) -> list[Noise]:
    """The kitchen, tap, café and street noise in `folder` (any depth), or its every WAV when it
    has none of them; generated pink noise when no folder is given (the table says so)."""
    if folder is None:
        pink = pink_noise(60 * SAMPLE_RATE, np.random.default_rng(5))
        return [Noise("generated pink noise", pink)]
    files = wav_files(folder, "noise")
    chosen = sorted((path for path in files if path.stem in ROOM_NOISES),
                    key=lambda path: ROOM_NOISES.index(path.stem)) or files
    noises = [Noise(path.stem, measuring_part(read_all(path))) for path in chosen]
    return [noise for noise in noises if len(noise.samples) > SAMPLE_RATE]


class RoomSound:
    """The room's own sound, for as long as it is asked: the noise floor, and the noise looped
    (crossfaded at the seam) at `snr_db` under the user's voice."""

    def __init__(self, noise: Noise | None, snr_db: float | None, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)
        self._loop: Audio | None = None
        self._position = 0
        if noise is not None and snr_db is not None:
            bed = noise.samples.astype(np.float64)
            fade = min(SAMPLE_RATE // 4, len(bed) // 4)
            ramp = np.linspace(0.0, 1.0, fade)
            loop = bed[:-fade].copy()
            loop[:fade] = bed[:fade] * ramp + bed[-fade:] * (1.0 - ramp)  # no click at the seam
            rms = float(np.sqrt(np.mean(loop**2))) or 1.0
            self._loop = loop * (SPEECH_RMS / 10 ** (snr_db / 20)) / rms

    def block(self, count: int) -> Audio:
        sound: Audio = self._rng.normal(0.0, NOISE_FLOOR_RMS, count)
        if self._loop is not None:
            where = (self._position + np.arange(count)) % len(self._loop)
            sound += self._loop[where]
        self._position += count
        return sound


class SpokenMicrophone:
    """An audio source for the stream runner: the room, and the user's lines as they decide to
    say them, watching the coach through `coach`. Ends TAIL_S after the user's last line once
    the coach is silent (or after LONGEST_SESSION_S)."""

    def __init__(self, user: ScriptedUser, speech: Mapping[str, Samples], room: RoomSound,
                 coach: Callable[[], CoachView]) -> None:
        self._user, self._speech, self._room, self._coach = user, speech, room, coach
        self._saying: Samples | None = None
        self._said = 0  # samples of `_saying` already in the microphone
        self._position = 0
        self._quiet_since: float | None = None  # the user done and the coach silent

    @property
    def seconds(self) -> float:
        return self._position / SAMPLE_RATE

    def read(self, timeout: float | None = None) -> Samples | None:
        now, coach = self.seconds, self._coach()
        if self._ended(now, coach):
            return None
        if self._saying is None:
            line = self._user.decide(now, coach,
                                     lambda said: len(self._speech[said.text]) / SAMPLE_RATE)
            if line is not None:
                self._saying, self._said = self._speech[line.text], 0
        audio = self._room.block(BLOCK)
        if self._saying is not None:
            part = self._saying[self._said : self._said + BLOCK]
            audio[: len(part)] += part
            self._said += BLOCK
            if self._said >= len(self._saying):
                self._saying = None
        self._position += BLOCK
        return np.clip(audio, -32768, 32767).astype(np.int16)

    def _ended(self, now: float, coach: CoachView) -> bool:
        if now >= LONGEST_SESSION_S:
            return True
        if not self._user.done or self._saying is not None or coach.speaking:
            self._quiet_since = None
            return False
        if self._quiet_since is None:
            self._quiet_since = now
        return now - self._quiet_since >= TAIL_S

    def close(self) -> None:
        pass

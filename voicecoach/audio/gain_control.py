"""Automatic gain: speech brought to the level the recognisers expect, one 10 ms frame at a time.

The level is measured on speech only (a voice-activity decision and a margin above the room's
noise), so the gain never learns from silence: between words and in a long quiet spell it holds
still, and the noise floor is not pumped up. Speech from -28 to -14 dBFS is left alone:
PocketSphinx heard espeak-ng's "start glutes" as "start the" once a gain of +5 dB had crept in
over the phrase, and on the Speech Commands clips (commands understood of 60 / other words
acted on of 240) lifting everything below -22 gave 29/60 where lifting only below -28 gave
32/51 (no conditioner: 32/55); both recovered the loud clipped copies (22/46 -> 35/62). The
gain falls quickly (a shout is turned down within a
few frames) and rises slowly (a few dB a second, while someone speaks), within -20..+12 dB, and
never above 0 dB while the input clips: a clipped wave made louder is only clipped harder.

Levels are dBFS of a frame's rms (0 dBFS: a full-scale square wave).

Why -18 dBFS: espeak-ng's speech, which PocketSphinx hears well, sits at -17..-24 dBFS in
speech (active level, frames within 20 dB of the loudest); the Speech Commands recordings
at -22 (median; a quarter above -15, a tenth clipped). Normalising every recording to one level
before PocketSphinx gave (commands understood / other words acted on, of 60 / 240):
-25 dBFS 31/57, -20 32/65, -15 40/76, -9 31/46; loud clipped copies of them 20/47 as they
came, 27/53 at -20 and 35/59 at -15. -18 is the middle of the range it handles well.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

SILENCE_DBFS = -100.0  # what digital silence measures as (log of zero)


@dataclass(frozen=True)
class GainSettings:
    target_dbfs: float = -18.0  # speech level (power mean over speech frames) to bring speech to
    # Speech between target - below and target + above is left as it is.
    tolerance_above_db: float = 4.0
    tolerance_below_db: float = 10.0
    min_gain_db: float = -20.0
    max_gain_db: float = 12.0
    rise_db_per_s: float = 6.0  # of speech: the gain climbs only while someone speaks
    rise_after_s: float = 0.2  # of speech heard before it may climb (a word's onset is quiet)
    fall_per_frame: float = 0.3  # share of the way down to the wanted gain each 10 ms
    level_tau_s: float = 1.5  # the speech level's memory, in seconds of speech
    speech_margin_db: float = 10.0  # a speech frame stands this far above the room's noise
    quietest_speech_dbfs: float = -60.0  # below this nothing is speech, whatever the VAD says
    noise_rise_db_per_s: float = 1.0  # the noise estimate follows a louder room this slowly
    frame_s: float = 0.01


DEFAULT_GAIN = GainSettings()


def frame_level_dbfs(power: float) -> float:
    """A frame's level from its mean square (int16 units)."""
    if power <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 10.0 * math.log10(power / 32768.0**2))


class NoiseLevel:
    """The room's noise: follows the quietest frames at once and louder rooms slowly."""

    def __init__(self, settings: GainSettings) -> None:
        self._rise = settings.noise_rise_db_per_s * settings.frame_s
        self.dbfs: float | None = None

    def update(self, level_dbfs: float) -> float:
        if self.dbfs is None or level_dbfs < self.dbfs:
            self.dbfs = level_dbfs
        else:
            self.dbfs = min(level_dbfs, self.dbfs + self._rise)
        return self.dbfs


class SpeechLevel:
    """Mean power of the speech frames heard so far, forgetting over `level_tau_s` of speech
    (a plain mean until then, so the first word is measured at once). A loud frame moves it up
    fast, its power dominating the mean; quiet ones pull it down gently."""

    def __init__(self, settings: GainSettings) -> None:
        self._forget = 1.0 - math.exp(-settings.frame_s / settings.level_tau_s)
        self.frames = 0
        self._power = 0.0

    def update(self, power: float) -> None:
        self.frames += 1
        self._power += max(1.0 / self.frames, self._forget) * (power - self._power)

    @property
    def dbfs(self) -> float | None:
        return None if self.frames == 0 else frame_level_dbfs(self._power)


class AutomaticGain:
    """The gain (dB) to apply to each frame, from what the frames so far have shown."""

    def __init__(self, settings: GainSettings = GainSettings()) -> None:
        self.settings = settings
        self._rise = settings.rise_db_per_s * settings.frame_s
        self._rise_after = round(settings.rise_after_s / settings.frame_s)
        self.noise = NoiseLevel(settings)
        self.speech = SpeechLevel(settings)
        self.gain_db = 0.0
        self._recent: deque[float] = deque(maxlen=round(0.05 / settings.frame_s))

    def is_speech(self, power: float, voiced: bool) -> bool:
        """Speech for the level meter: the VAD's word, and loud enough above the room to be
        sure. The VAD alone takes fans, hums and a massage gun for voices; the room is judged
        on 50 ms, so that a gun's 25 ms blows do not stand out from the gaps between them."""
        self._recent.append(power)
        level = frame_level_dbfs(sum(self._recent) / len(self._recent))
        noise = self.noise.update(level)
        return (
            voiced
            and level >= self.settings.quietest_speech_dbfs
            and level >= noise + self.settings.speech_margin_db
        )

    def update(self, power: float, speech: bool, clipped: bool) -> float:
        """Next frame's gain; `power` is its mean square, `speech` from `is_speech`."""
        settings = self.settings
        if speech:
            self.speech.update(power)
        level = self.speech.dbfs
        if level is None:
            return self.gain_db
        # The gains that put speech within tolerance of the target.
        lowest = settings.target_dbfs - settings.tolerance_below_db - level
        highest = settings.target_dbfs + settings.tolerance_above_db - level
        highest = min(settings.max_gain_db, max(settings.min_gain_db, highest))
        lowest = min(highest, max(settings.min_gain_db, lowest))
        if clipped:
            highest = min(highest, 0.0)
            lowest = min(lowest, highest)
        if self.gain_db > highest:
            self.gain_db += settings.fall_per_frame * (highest - self.gain_db)
        elif self.gain_db < lowest and speech and self.speech.frames >= self._rise_after:
            self.gain_db = min(lowest, self.gain_db + self._rise)
        return self.gain_db

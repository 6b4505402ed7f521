"""The bounds of every number a user can give, in one table.

The settings' pydantic fields and the command line's options both take their limits from here,
and both say a wrong number in the same words, so `--speech-rate 1000` and `speech_rate = 1000`
read alike: "must be at most 300 words a minute (got 1000)". NaN and infinity are never numbers
a user means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .core.engine import PACE_BOUNDS


@dataclass(frozen=True)
class Bound:
    low: float
    high: float
    unit: str = ""  # said after a limit: " words a minute" makes "at most 300 words a minute"
    whole: bool = False  # whole numbers only
    why_not_lower: str = ""  # said after "must be at least": why less will not do

    @property
    def span(self) -> str:
        """The range as a description says it: "80-300"."""
        return f"{self.low:g}-{self.high:g}"

    @property
    def allowed(self) -> str:
        """The range as a sentence says it: "80 to 300 words a minute"."""
        return f"{self.low:g} to {self.high:g}{self.unit}"

    def problem(self, value: float, given: object | None = None) -> str | None:
        """What is wrong with `value` (typed as `given`), or None if it will do."""
        got = f" (got {value if given is None else given})"
        if not math.isfinite(value):
            return f"must be a finite number{got}"
        if value < self.low:
            why = f": {self.why_not_lower}" if self.why_not_lower else ""
            return f"must be at least {self.low:g}{self.unit}{got}{why}"
        if value > self.high:
            return f"must be at most {self.high:g}{self.unit}{got}"
        return None


# The user's settings (settings.py), and the options that stand in for them.
SPEECH_RATE = Bound(80, 300, " words a minute", whole=True)
# The quietest the coach speaks, where "speak quieter" already stops: a coach nobody hears
# cannot warn anyone, so 0 (or nearly) is refused. Silence is `--mute`, which prints the lines
# instead, so that they are still read.
VOLUME = Bound(0.2, 1.0, why_not_lower="a quieter coach may not be heard, and a coach nobody "
               "hears cannot warn anyone; --mute prints the coach's lines instead of speaking them")
PACE = Bound(*PACE_BOUNDS)  # the engine's own limits: it clamps "slower"/"faster" to these

# Options with no setting of their own.
# A rehearsal's coach speaks at a rate the real one could be set to (fractions allowed).
REHEARSAL_WORDS_PER_MINUTE = replace(SPEECH_RATE, whole=False)
LISTEN_S = Bound(0.1, 86_400, " seconds")  # at least a few blocks of audio; at most a day
# Shorter idle rooms measure start-up, not listening; an hour is already a long benchmark.
IDLE_S = Bound(5, 3_600, " seconds")
MICROPHONE_RATE = Bound(8_000, 384_000, " Hz", whole=True)
MICROPHONE_CHANNELS = Bound(1, 64, whole=True)
ENROLL_REPEATS = Bound(1, 20, whole=True)
TRAINING_SEED = Bound(0, 2**32 - 1, whole=True)  # numpy's generators refuse negative seeds
TRAINING_WORKERS = Bound(1, 64, whole=True)

# The bounded settings, by key: their pydantic fields use the same objects.
SETTING_BOUNDS = {"speech_rate": SPEECH_RATE, "volume": VOLUME, "pace": PACE}

"""A countdown measured in the routine's own seconds, which can run slower or faster than the
clock. Holds run at 1/pace routine-seconds per real second, so "slower" stretches what is left of
a hold — and every cue inside it — without touching the routine's numbers."""

from __future__ import annotations

from dataclasses import dataclass

# Float sums of times land a hair short of a due point; anything this close is due.
EPSILON = 1e-6


@dataclass
class Countdown:
    length: float  # routine seconds
    rate: float = 1.0  # routine seconds per real second
    done: float = 0.0  # routine seconds elapsed

    def advance(self, real_seconds: float) -> None:
        self.done = min(self.length, self.done + real_seconds * self.rate)

    def reached(self, mark: float) -> bool:
        return self.done >= mark - EPSILON

    @property
    def finished(self) -> bool:
        return self.reached(self.length)

    def real_seconds_until(self, mark: float) -> float:
        return max(0.0, (mark - self.done) / self.rate)

    @property
    def real_seconds_left(self) -> float:
        return self.real_seconds_until(self.length)

    def extend_by_real_seconds(self, seconds: float) -> None:
        self.length += seconds * self.rate

"""What the urgent-word spotter reports: kept apart so that the listener knows the shape of a
hit without importing the spotter's model code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spotted:
    label: str  # the classifier's label, an intent's value ("pain", "stop")
    probability: float
    at_s: float  # stream seconds: the end of the window that heard it
    over_coach: bool = True  # sure enough to act on while the coach is speaking

"""Devices that fail and come back: which are down, and what the coach says about it (the
words are in `phrasebook.py`).

A session cannot go on while the user cannot be heard (microphone, recogniser) or cannot hear
the coach (loudspeaker, speech engine): the engine pauses it, says why when it can, and carries
on once everything is back, unless the user had paused it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import phrasebook as phrases
from .messages import Device


@dataclass
class FaultBook:
    down: dict[Device, str] = field(default_factory=dict)  # device -> the cause

    def failed(self, device: Device, detail: str) -> bool:
        """Note a failure; False when it was already known (said once, not at every retry)."""
        if device in self.down:
            return False
        self.down[device] = detail
        return True

    def recovered(self, device: Device) -> bool:
        return self.down.pop(device, None) is not None

    @property
    def all_clear(self) -> bool:
        return not self.down


def failure_words(device: Device, *, paused: bool) -> str:
    problem = phrases.WHAT_WENT_WRONG[device].say()
    if paused:
        return phrases.FAULT_PAUSED.say(problem=problem)
    return phrases.FAULT_RETRYING.say(problem=problem)


def recovery_words(device: Device, *, still_down: list[Device]) -> str:
    back = phrases.DEVICE_BACK.say(device=device)
    if still_down:
        return phrases.STILL_WAITING.say(back=back, devices=" and the ".join(still_down))
    return back

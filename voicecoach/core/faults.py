"""Devices that fail and come back: which are down, and what the coach says about it.

A session cannot go on while the user cannot be heard (microphone, recogniser) or cannot hear
the coach (loudspeaker, speech engine): the engine pauses it, says why when it can, and carries
on once everything is back, unless the user had paused it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .messages import Device

WHAT_WENT_WRONG = {
    Device.MICROPHONE: "I can't hear you: the microphone isn't working.",
    Device.RECOGNISER: "I can't understand you: the speech recogniser isn't working.",
    Device.LOUDSPEAKER: "The loudspeaker isn't working, so my words are on the screen.",
    Device.SPEECH_ENGINE: "My voice isn't working, so my words are on the screen.",
}


@dataclass
class FaultBook:
    down: dict[Device, str] = field(default_factory=dict)  # device -> the cause
    paused_session: bool = False  # we paused a running session for a fault

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
    if paused:
        return f"{WHAT_WENT_WRONG[device]} I've paused the session; I'll carry on when it's back."
    return f"{WHAT_WENT_WRONG[device]} I'll keep trying."


def recovery_words(device: Device, *, still_down: list[Device]) -> str:
    back = f"The {device} is back."
    if still_down:
        return f"{back} Still waiting for the {' and the '.join(still_down)}."
    return back

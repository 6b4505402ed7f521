"""The one shape every audio input has: 16 kHz mono int16 chunks, read one at a time."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from ..core.errors import VoicecoachError

SAMPLE_RATE = 16_000  # Hertz: what both recognisers are trained on
Samples = npt.NDArray[np.int16]


class AudioError(VoicecoachError):
    """Audio that cannot be had: a missing device, an unreadable file. The message says the fix."""


class AudioSource(Protocol):
    def read(self, timeout: float | None = None) -> Samples | None:
        """The next chunk, or None once the source has ended (a file's end, a closed mic)."""

    def close(self) -> None: ...


def device_from_text(value: str | None) -> int | str | None:
    """A device as given on the command line or in the settings: digits are PortAudio's index,
    anything else a (part of a) name."""
    return int(value) if value is not None and value.isdigit() else value

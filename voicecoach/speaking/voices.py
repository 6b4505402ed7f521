"""The voices the coach can speak with, per speech engine (pyttsx3 today; others can join).

Listing them starts the engine, which takes a moment: it is done for `voicecoach voices`, for
`config set voice` and once when a session's speech starts, never per line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..origins import Origin


@dataclass(frozen=True)
class VoiceRow:
    engine: str  # "pyttsx3"
    id: str  # what the engine is given, e.g. "gmw/en-us"
    name: str  # e.g. "English (America)"
    languages: tuple[str, ...]  # e.g. ("en-us",)


class UnknownVoice(Exception):
    """A voice the user named that no engine has, with the nearest names and where to look."""

    def __init__(self, wanted: str, known: Iterable[VoiceRow],
                 origin: Origin | None = None) -> None:
        self.wanted, self.known, self.origin = wanted, list(known), origin
        names = [row.name for row in self.known] + [row.id for row in self.known]
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
        near = f" (did you mean {' or '.join(close)}?)" if close else ""
        where = f"{origin}: " if origin is not None and origin.from_settings else ""
        fix = f", and {origin.fix}" if origin is not None else ""
        super().__init__(f"{where}no voice called {wanted!r}{near}; `voicecoach voices` lists "
                         f"the {len(self.known)} installed{fix}")


class VoicesUnavailable(Exception):
    """The engine cannot be started to ask for its voices."""


def pyttsx3_rows(voices: Iterable[Any]) -> list[VoiceRow]:
    """pyttsx3's voice objects as rows (its languages may be bytes, from some drivers)."""
    rows = []
    for voice in voices:
        languages = tuple(
            lang.decode(errors="replace").lstrip("\x05") if isinstance(lang, bytes) else str(lang)
            for lang in getattr(voice, "languages", None) or [])
        rows.append(VoiceRow("pyttsx3", str(voice.id), str(voice.name or voice.id), languages))
    return rows


def pyttsx3_voices() -> list[VoiceRow]:
    try:
        import pyttsx3

        engine = pyttsx3.init()
        voices = engine.getProperty("voices") or []
    except Exception as exc:  # any engine failure means "no speech here"
        raise VoicesUnavailable(f"no text-to-speech engine ({exc}); install espeak-ng") from exc
    return pyttsx3_rows(voices)


def installed_voices() -> dict[str, list[VoiceRow]]:
    """Every engine's voices, by engine (one today: pyttsx3)."""
    return {"pyttsx3": pyttsx3_voices()}


def find_voice(wanted: str, rows: Iterable[VoiceRow]) -> VoiceRow | None:
    """The voice `wanted` means: an id or name exactly, else the shortest name that begins with
    it, else the shortest that contains it (case ignored). "english" is English (America),
    not "Chinese (Mandarin, latin as English)", which only contains the word."""
    rows = list(rows)
    text = wanted.strip().lower()
    exact = [row for row in rows if text in (row.id.lower(), row.name.lower())]
    starting = [row for row in rows if row.name.lower().startswith(text)]
    containing = [row for row in rows if text in row.name.lower()]
    for found in (exact, starting, containing):
        if found:
            return min(found, key=lambda row: len(row.name))
    return None


def check_voice(wanted: str, rows: Iterable[VoiceRow], origin: Origin | None = None) -> VoiceRow:
    rows = list(rows)
    found = find_voice(wanted, rows)
    if found is None:
        raise UnknownVoice(wanted, rows, origin)
    return found

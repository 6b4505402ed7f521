"""The voices the coach can speak with, per speech engine: Piper's voice files and pyttsx3's.

Listing pyttsx3's starts the engine, which takes a moment: it is done for `voicecoach voices`,
for `config set voice` and once when a session's speech starts, never per line. Piper's are
files (the bundled joe voice and those `voicecoach voice install` added): listing them reads
each voice's small .onnx.json, never its model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core.errors import VoicecoachError
from ..origins import Origin
from .piper_voices import piper_rows as piper_rows
from .voice_rows import UnknownVoice as UnknownVoice
from .voice_rows import VoiceRow as VoiceRow


class VoicesUnavailable(VoicecoachError):
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


def pyttsx3_default_id() -> str | None:
    """The voice pyttsx3 speaks with when none is set."""
    try:
        import pyttsx3

        chosen = pyttsx3.init().getProperty("voice")
    except Exception:  # the listing has said already that the engine does not start
        return None
    return str(chosen) if chosen else None


def voices_for(engine: str) -> list[VoiceRow]:
    """One engine's voices ("piper" or "pyttsx3")."""
    return piper_rows() if engine == "piper" else pyttsx3_voices()


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


ENGINES = ("piper", "pyttsx3")


def find_engine_voice(wanted: str, engine: str, rows: Iterable[VoiceRow]) -> VoiceRow | None:
    """A Piper voice is named by its file name exactly (it is a file); a pyttsx3 voice by the
    rule of `find_voice`."""
    if engine == "piper":
        return next((row for row in rows if row.id == wanted.strip()), None)
    return find_voice(wanted, rows)


def check_voice_for(wanted: str, engine: str, origin: Origin | None = None) -> VoiceRow:
    """The voice `wanted` of `engine`, or UnknownVoice: naming the other engine when the voice
    is one of its own (a Piper voice asked of pyttsx3), else the nearest names."""
    rows = voices_for(engine)
    found = find_engine_voice(wanted, engine, rows)
    if found is not None:
        return found
    raise UnknownVoice(wanted, rows, origin, engine=engine,
                       elsewhere=engine_having(wanted, but_not=engine))


def engine_having(wanted: str, but_not: str | None) -> str | None:
    """Another engine that has the voice `wanted`, if one does (the fix is then to switch)."""
    for other in ENGINES:
        if other == but_not:
            continue
        try:
            if find_engine_voice(wanted, other, voices_for(other)) is not None:
                return other
        except VoicesUnavailable:
            continue
    return None

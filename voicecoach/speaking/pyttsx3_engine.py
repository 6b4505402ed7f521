"""pyttsx3 (espeak-ng on Linux) as a `Synthesizer`: the fallback voice, light enough for a Pi 3.

pyttsx3 on Linux plays through `aplay` and cannot be interrupted, and `runAndWait` misbehaves
when called from several threads: so it is made and used on the speech thread only, and
writes each line to a WAV file that we play ourselves.
"""

from __future__ import annotations

import contextlib
import time
import wave
from pathlib import Path
from typing import Any

from .synthesis import SpeechUnavailable, VoiceEngine, VoiceSettings
from .voices import UnknownVoice, VoiceRow, find_voice, pyttsx3_rows

LINE_WAIT_S = 5.0  # espeak makes even the longest line in well under a second
ATTEMPTS = 3


def _wait_for_whole_wav(path: Path) -> bool:
    """pyttsx3's espeak driver returns from runAndWait before a long line is written (measured:
    a 560-character line appeared after it returned), so wait until the WAV is whole."""
    deadline = time.monotonic() + LINE_WAIT_S
    while time.monotonic() < deadline:
        try:
            with wave.open(str(path), "rb") as wav:
                expected = 44 + wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
            if wav.getnframes() > 0 and path.stat().st_size >= expected:
                return True
        except (FileNotFoundError, EOFError, wave.Error):
            pass
        time.sleep(0.01)  # this is the speech thread's own time; nothing else waits here
    return False


class Pyttsx3Synthesizer:
    engine = VoiceEngine.PYTTSX3

    def __init__(self, wanted: str | None) -> None:
        """Starts pyttsx3 and finds the voice (`UnknownVoice` for one it does not have)."""
        try:
            import pyttsx3

            self._engine: Any = pyttsx3.init()
            self.voices: list[VoiceRow] = pyttsx3_rows(self._engine.getProperty("voices") or [])
        except Exception as exc:  # any engine failure means "no speech here"
            raise SpeechUnavailable(f"no text-to-speech engine ({exc}); install espeak-ng"
                                    ) from exc
        found = find_voice(wanted, self.voices) if wanted else None
        if wanted and found is None:
            self.close()  # a typo must not leave the coach in some other voice
            raise UnknownVoice(wanted, self.voices)
        if found is not None:
            self._voice_id: str | None = found.id
            self.voice_name = found.name
        else:  # the engine's default voice, named as the engine knows it
            self._voice_id = None
            default = str(self._engine.getProperty("voice") or "default")
            named = [row.name for row in self.voices if row.id == default]
            self.voice_name = named[0] if named else default
        # The resolved id, not the words typed: "english" may mean another voice tomorrow.
        self.voice_key = self._voice_id or f"default:{self._engine.getProperty('voice')}"

    def write(self, text: str, settings: VoiceSettings, path: Path) -> None:
        # pyttsx3 2.99's espeak driver drops every other property change (measured: rates
        # 150, 130, 250, 110 came out as 150, 130, 130, 110); set each twice and all apply.
        for _ in range(2):
            self._engine.setProperty("rate", settings.words_per_minute)
            self._engine.setProperty("volume", settings.volume)
            if self._voice_id:
                self._engine.setProperty("voice", self._voice_id)
        for _attempt in range(ATTEMPTS):
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            if _wait_for_whole_wav(path):
                return
            # Now and then pyttsx3's driver loses a line altogether (seen once in ~200
            # lines under load); asking again has always brought it.
        raise SpeechUnavailable(f"the engine wrote no audio for {text[:40]!r}")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # shutting down anyway
            self._engine.stop()

"""pyttsx3, owned by one thread, writing each line to a WAV file that we play ourselves.

pyttsx3 on Linux plays through `aplay` and cannot be interrupted, and `runAndWait` misbehaves
when called from several threads: so one worker thread owns the engine, synthesises to files,
and everything else asks it through a queue. Lines are cached on disk by (text, voice, rate,
volume), and upcoming lines can be synthesised ahead of time at low priority, so an answer to a
command starts within a fraction of a second even on a Raspberry Pi.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
import time
import wave
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..audio.source import AudioError, Samples
from ..audio.wav_file import read_all
from .speech_cache import CacheUnavailable, SpeechCache, line_key
from .voices import UnknownVoice, VoiceRow, find_voice, pyttsx3_rows

SYNTHESIS_TIMEOUT_S = 20.0
LINE_WAIT_S = 5.0  # espeak makes even the longest line in well under a second
ATTEMPTS = 3
URGENT, AHEAD = 0, 1  # queue priorities: a line needed now, a line synthesised ahead of time


class SpeechUnavailable(AudioError):
    """No text-to-speech engine: the session goes on in print."""


@dataclass(frozen=True)
class VoiceSettings:
    voice: str | None = None  # a pyttsx3 voice id or name fragment (None: the engine default)
    words_per_minute: int = 150  # calm and clear for someone lying on the floor
    volume: float = 1.0  # 0..1

    def changed(self, change: str) -> VoiceSettings:
        """"slower", "faster", "louder" or "quieter", one notch, within sane bounds."""
        rate, volume = self.words_per_minute, self.volume
        # Spoken changes stay within 90-240 words a minute, but never go the wrong way from a
        # rate the settings put outside it (80-300): "faster" at 300 must not slow down.
        if change == "slower":
            rate = min(rate, max(90, rate - 20))
        elif change == "faster":
            rate = max(rate, min(240, rate + 20))
        elif change == "louder":
            volume = min(1.0, round(volume + 0.2, 2))
        elif change == "quieter":
            volume = max(0.2, round(volume - 0.2, 2))
        return replace(self, words_per_minute=rate, volume=volume)


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


class TextToSpeech:
    def __init__(self, settings: VoiceSettings = VoiceSettings(),
                 cache_dir: Path | None = None,
                 note: Callable[[str], None] = lambda message: None) -> None:
        self.settings = settings
        try:
            self._cache = SpeechCache(cache_dir, note)
        except CacheUnavailable as exc:
            raise SpeechUnavailable(str(exc)) from exc
        self.cache_dir = self._cache.folder
        self.synthesized = 0  # lines made by the engine (not found in the cache)
        self._requests: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._ready = threading.Event()
        self._failure: str | None = None
        self._voices: list[VoiceRow] = []  # set by the worker before it is ready
        self._thread = threading.Thread(target=self._run, name="tts", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=SYNTHESIS_TIMEOUT_S)
        if self._failure:
            self.close()
            raise SpeechUnavailable(self._failure)
        ready = self._ready.is_set()  # (an engine slow to start is not a wrong voice)
        if ready and settings.voice and find_voice(settings.voice, self._voices) is None:
            self.close()  # a typo must not leave the coach in some other voice
            raise UnknownVoice(settings.voice, self._voices)

    # --- asking ---------------------------------------------------------------------------------

    def audio_for(self, text: str, settings: VoiceSettings | None = None) -> Samples:
        """The line as 16 kHz mono audio, from the cache or made now (blocking)."""
        settings = settings or self.settings
        cached = self._cache.load(self._key(text, settings))
        if cached is not None:
            return cached
        future: Future[Path] = Future()
        self._requests.put((URGENT, next(self._order), (text, settings, future)))
        try:
            return read_all(future.result(timeout=SYNTHESIS_TIMEOUT_S))
        except TimeoutError as exc:
            raise SpeechUnavailable("the speech engine stopped answering") from exc

    def change(self, change: str) -> None:
        """Speak slower, faster, louder or quieter from the next line on."""
        self.settings = self.settings.changed(change)

    def prefetch(self, texts: Iterable[str]) -> None:
        """Synthesise these lines in the background, after anything urgent."""
        for text in dict.fromkeys(texts):
            if not self._cache.has(self._key(text, self.settings)):
                self._requests.put((AHEAD, next(self._order), (text, self.settings, None)))

    def drain(self, timeout: float = SYNTHESIS_TIMEOUT_S * 10) -> None:
        """Wait until everything asked for so far, prefetches included, has been made."""
        done: Future[Path] = Future()
        self._requests.put((AHEAD, next(self._order), (None, self.settings, done)))
        done.result(timeout=timeout)

    def close(self) -> None:
        self._requests.put((-1, next(self._order), None))
        self._thread.join(timeout=SYNTHESIS_TIMEOUT_S)
        self._cache.close()

    # --- the worker thread, the only one to touch pyttsx3 ---------------------------------------

    def _run(self) -> None:
        try:
            import pyttsx3

            engine = pyttsx3.init()
            self._voices = pyttsx3_rows(engine.getProperty("voices") or [])
        except Exception as exc:  # any engine failure means "no speech here"
            self._failure = f"no text-to-speech engine ({exc}); install espeak-ng"
            self._ready.set()
            return
        self._ready.set()
        while True:
            _, _, request = self._requests.get()
            if request is None:
                break
            text, settings, future = request
            if text is None:  # drain(): everything queued before it is done
                future.set_result(Path())
                continue
            try:
                path = self._synthesize(engine, text, settings)
            except Exception as exc:  # told to whoever waits for this line
                if future is not None:
                    future.set_exception(SpeechUnavailable(f"speech synthesis failed: {exc}"))
                continue
            if future is not None:
                future.set_result(path)
        with contextlib.suppress(Exception):  # shutting down anyway
            engine.stop()

    def _synthesize(self, engine: Any, text: str, settings: VoiceSettings) -> Path:
        key = self._key(text, settings)
        if self._cache.has(key):
            return self._cache.path(key)
        voice = self._voice_id(settings.voice)
        # pyttsx3 2.99's espeak driver drops every other property change (measured: rates
        # 150, 130, 250, 110 came out as 150, 130, 130, 110); set each twice and all apply.
        for _ in range(2):
            engine.setProperty("rate", settings.words_per_minute)
            engine.setProperty("volume", settings.volume)
            if voice:
                engine.setProperty("voice", voice)
        with self._cache.scratch() as folder:
            partial = Path(folder) / "line.wav"
            for _attempt in range(ATTEMPTS):
                engine.save_to_file(text, str(partial))
                engine.runAndWait()
                if _wait_for_whole_wav(partial):
                    break
                # Now and then pyttsx3's driver loses a line altogether (seen once in ~200
                # lines under load); asking again has always brought it.
            else:
                raise SpeechUnavailable(f"the engine wrote no audio for {text[:40]!r}")
            path = self._cache.keep(partial, key)
        self.synthesized += 1
        return path

    def _voice_id(self, wanted: str | None) -> str | None:
        found = find_voice(wanted, self._voices) if wanted else None
        return found.id if found is not None else None

    @staticmethod
    def _key(text: str, settings: VoiceSettings) -> str:
        return line_key("pyttsx3", settings.voice, settings.words_per_minute, settings.volume,
                        text)

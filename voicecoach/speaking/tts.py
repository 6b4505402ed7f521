"""The coach's voice: one speech engine (Piper or pyttsx3) owned by one thread, writing each
line to a WAV file that we play ourselves.

Neither engine may be used from several threads (pyttsx3's `runAndWait` misbehaves; Piper's
ONNX session is loaded where it runs), so one worker thread makes the engine, synthesises to
files, and everything else asks it through a queue. Lines are cached on disk by (engine, the
voice exactly, rate, volume, text), and upcoming lines can be synthesised ahead of time at low
priority, so an answer to a command starts within a fraction of a second even on a Raspberry Pi.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ..audio.source import Samples
from ..audio.wav_file import read_all
from .speech_cache import CacheUnavailable, SpeechCache, line_key
from .synthesis import SpeechUnavailable, Synthesizer, VoiceEngine, VoiceSettings
from .voices import UnknownVoice

__all__ = ["SpeechUnavailable", "TextToSpeech", "VoiceEngine", "VoiceSettings"]

SYNTHESIS_TIMEOUT_S = 20.0
LOAD_TIMEOUT_S = 30.0  # Piper's voice loads in about a second here, a few on a Pi 3
URGENT, AHEAD = 0, 1  # queue priorities: a line needed now, a line synthesised ahead of time
DEFAULT_SETTINGS = VoiceSettings()


def _open_synthesizer(engine: VoiceEngine, voice: str | None) -> Synthesizer:
    if engine is VoiceEngine.PIPER:
        from .piper_engine import PiperSynthesizer

        return PiperSynthesizer(voice)
    from .pyttsx3_engine import Pyttsx3Synthesizer

    return Pyttsx3Synthesizer(voice)


class TextToSpeech:
    """Built, it holds its settings; `start()` opens the cache and loads the engine on its
    thread; `close()` stops and joins that thread (also when never started, and again)."""

    def __init__(self, settings: VoiceSettings = DEFAULT_SETTINGS,
                 cache_dir: Path | None = None,
                 note: Callable[[str], None] = lambda message: None,
                 engine: VoiceEngine = VoiceEngine.PYTTSX3) -> None:
        """The voice is settled by `start()`: later settings change rate and volume only."""
        self.settings = settings
        self._wanted_cache_dir = cache_dir
        self._note = note
        self._cache: SpeechCache | None = None
        self.synthesized = 0  # lines made by the engine (not found in the cache)
        self.engine = engine
        self.voice_name = ""
        self._voice_key = ""
        self._requests: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._ready = threading.Event()
        self._failure: Exception | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> None:
        """Open the cache and start the engine on its thread, waiting until it has loaded.
        `SpeechUnavailable` when it cannot work, `UnknownVoice` for a voice it does not have
        (a typo must not leave the coach in some other voice); either way it is closed again."""
        try:
            self._cache = SpeechCache(self._wanted_cache_dir, self._note)
        except CacheUnavailable as exc:
            raise SpeechUnavailable(str(exc)) from exc
        self._thread = threading.Thread(target=self._run, args=(self.engine, self.settings.voice),
                                        name="tts", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=LOAD_TIMEOUT_S):
            self._failure = SpeechUnavailable(f"the {self.engine} voice did not load within "
                                              f"{LOAD_TIMEOUT_S:.0f} s")
        if self._failure is not None:
            self.close()
            if isinstance(self._failure, UnknownVoice):
                raise self._failure
            raise SpeechUnavailable(str(self._failure))

    def __enter__(self) -> TextToSpeech:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- asking ---------------------------------------------------------------------------------

    def audio_for(self, text: str, settings: VoiceSettings | None = None) -> Samples:
        """The line as 16 kHz mono audio, from the cache or made now (blocking)."""
        settings = settings or self.settings
        cached = self._speech_cache.load(self._key(text, settings))
        if cached is not None:
            return cached
        future = self._ask_now(text, settings)
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
            if not self._speech_cache.has(self._key(text, self.settings)):
                self._requests.put((AHEAD, next(self._order), (text, self.settings, None)))

    def prepare(self, texts: Sequence[str],
                progress: Callable[[int, int], None] = lambda done, total: None,
                timeout: float = SYNTHESIS_TIMEOUT_S * 10) -> int:
        """Make these lines now and wait for them (ahead of anything prefetched, behind an
        urgent line), telling `progress(done, total)` as each is ready. Returns how many
        had to be made (0: all were in the cache)."""
        missing = [text for text in dict.fromkeys(texts)
                   if not self._speech_cache.has(self._key(text, self.settings))]
        # URGENT, yet in order: prefetched lines queued before wait behind these.
        futures = [self._ask_now(text, self.settings) for text in missing]
        deadline = time.monotonic() + timeout
        for done, future in enumerate(futures, start=1):
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError as exc:
                raise SpeechUnavailable("the speech engine stopped answering") from exc
            progress(done, len(futures))
        return len(futures)

    def _ask_now(self, text: str, settings: VoiceSettings) -> Future[Path]:
        """The line queued ahead of every prefetch; its future holds the cached file."""
        future: Future[Path] = Future()
        self._requests.put((URGENT, next(self._order), (text, settings, future)))
        return future

    def drain(self, timeout: float = SYNTHESIS_TIMEOUT_S * 10) -> None:
        """Wait until everything asked for so far, prefetches included, has been made."""
        done: Future[Path] = Future()
        self._requests.put((AHEAD, next(self._order), (None, self.settings, done)))
        done.result(timeout=timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._requests.put((-1, next(self._order), None))
            self._thread.join(timeout=SYNTHESIS_TIMEOUT_S)
        if self._cache is not None:
            self._cache.close()

    @property
    def cache_dir(self) -> Path:
        """The folder in use: the one asked for, or a temporary one when it cannot be written."""
        return self._speech_cache.folder

    @property
    def _speech_cache(self) -> SpeechCache:
        if self._cache is None:
            raise RuntimeError("the voice is used before start()")
        return self._cache

    # --- the worker thread, the only one to touch the engine ------------------------------------

    def _run(self, engine: VoiceEngine, voice: str | None) -> None:
        try:
            synthesizer = _open_synthesizer(engine, voice)
        except (SpeechUnavailable, UnknownVoice) as exc:
            self._failure = exc
            self._ready.set()
            return
        except Exception as exc:  # an engine failing its own way means "no speech here"
            self._failure = SpeechUnavailable(f"the {engine} voice cannot start ({exc})")
            self._ready.set()
            return
        self.voice_name, self._voice_key = synthesizer.voice_name, synthesizer.voice_key
        self._ready.set()
        try:
            self._serve(synthesizer)
        finally:
            synthesizer.close()

    def _serve(self, synthesizer: Synthesizer) -> None:
        while True:
            _, _, request = self._requests.get()
            if request is None:
                return
            text, settings, future = request
            if text is None:  # drain(): everything queued before it is done
                future.set_result(Path())
                continue
            try:
                path = self._synthesize(synthesizer, text, settings)
            except Exception as exc:  # told to whoever waits for this line
                if future is not None:
                    future.set_exception(SpeechUnavailable(f"speech synthesis failed: {exc}"))
                continue
            if future is not None:
                future.set_result(path)

    def _synthesize(self, synthesizer: Synthesizer, text: str, settings: VoiceSettings) -> Path:
        key = self._key(text, settings)
        if self._speech_cache.has(key):
            return self._speech_cache.path(key)
        with self._speech_cache.scratch() as folder:
            partial = Path(folder) / "line.wav"
            synthesizer.write(text, settings, partial)
            path = self._speech_cache.keep(partial, key)
        self.synthesized += 1
        return path

    def _key(self, text: str, settings: VoiceSettings) -> str:
        # The voice as resolved by the engine (an id, or a model's digest), not as typed.
        return line_key(self.engine, self._voice_key, settings.words_per_minute,
                        settings.volume, text)

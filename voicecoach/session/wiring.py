"""The factories every launch uses (`launch.py` for a live session, `stream_launch.py` for the
demo and `run --input`): the listener, the voice, the engine and the recorder, from
`SessionSettings`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..core.engine import SessionEngine
from ..core.phrasebook import (
    ALREADY_PAUSED,
    GREETING,
    GREETING_WITH_WAKE_WORD,
    IDLE_PAIN_ADVICE,
    NOT_PAUSED,
    PAIN_ADVICE,
    PAIN_AGAIN_QUESTION,
    PAUSED,
    RUNNING_HELP,
    SAFETY_BRIEF,
    SECOND_PAIN_QUESTION,
    START_HINT,
    STOPPING,
)
from ..hearing.backends import Backend
from ..hearing.listener import CommandListener
from ..hearing.pipeline import HearingOptions, build_listener
from ..history.journal import journal_path
from ..history.records import SessionSource
from ..history.store import HistoryStore, default_history_path
from ..library import Library
from ..origins import Origin
from ..settings import Settings, default_settings_path
from ..speaking.engines import open_voice
from ..speaking.tts import SpeechUnavailable, TextToSpeech, VoiceEngine, VoiceSettings
from ..speaking.voices import UnknownVoice, engine_having
from .history_writer import WRITER_BUSY_TIMEOUT
from .preparing import prepare_lines
from .recorder import SessionRecorder
from .rehearsal import rehearse


@dataclass(frozen=True)
class SessionSettings:
    backend: Backend = Backend.AUTO
    model: Path | None = None
    mute: bool = False
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    voice_engine: VoiceEngine = VoiceEngine.PIPER  # falls back to pyttsx3 when it cannot load
    pace: float = 1.0  # the starting pace of holds
    verify: bool = True  # the command verifier checks what the recogniser proposes
    profile: bool = True  # hear with the user's voice profile, when there is one
    # Where the model and the voice came from (a flag or the settings file), for messages.
    model_origin: Origin | None = None
    voice_origin: Origin | None = None

    @property
    def hearing(self) -> HearingOptions:
        return HearingOptions(backend=self.backend, model=self.model, verify=self.verify,
                              profile=self.profile, model_origin=self.model_origin)


def make_listener(library: Library, settings: SessionSettings,
                  say: Callable[[str], None]) -> CommandListener:
    return build_listener(library.grammar, settings.hearing, say=say)


ENGINE_WORDS = {VoiceEngine.PIPER: "Piper", VoiceEngine.PYTTSX3: "pyttsx3 (espeak-ng)"}


def make_voice(settings: SessionSettings, say: Callable[[str], None],
               cache_dir: Path | None = None) -> TextToSpeech | None:
    """Piper (or pyttsx3 when it cannot load, said once), or None (print only) when muted or
    when no speech engine works, said once. Which voice speaks is said in one line."""
    if settings.mute:
        return None
    typed = settings.voice_origin is not None and not settings.voice_origin.from_settings
    try:
        voice = open_voice(settings.voice, settings.voice_engine, say, cache_dir,
                           voice_typed=typed)
    except UnknownVoice as exc:  # named where the user gave it: --voice or the settings file
        elsewhere = exc.elsewhere or engine_having(exc.wanted, but_not=exc.engine)
        raise UnknownVoice(exc.wanted, exc.known, settings.voice_origin, engine=exc.engine,
                           elsewhere=elsewhere) from None
    except SpeechUnavailable as exc:
        say(f"{exc}: the coach's lines are printed instead of spoken")
        return None
    say(f"voice: {ENGINE_WORDS[voice.engine]}, {voice.voice_name}")
    return voice


# The answers to "pause", "stop" and "that hurts": made before a session starts, so that no
# synthesis (a second or more with Piper on a Pi) ever stands between the user and them.
URGENT_LINES = (
    PAUSED.say(),
    ALREADY_PAUSED.say(),
    STOPPING.say(),
    PAIN_ADVICE.say(),
    IDLE_PAIN_ADVICE.say(),
    SECOND_PAIN_QUESTION.say(),
    PAIN_AGAIN_QUESTION.say(),
)
# Answers to the other commands a user gives most, ready before they are needed.
COMMON_LINES = (
    *URGENT_LINES,
    START_HINT.say(),
    RUNNING_HELP.say(),
    NOT_PAUSED.say(),
    SAFETY_BRIEF.say(),
)


def prefetch_routine(voice: TextToSpeech | None, library: Library, routine: str | None,
                     progress_to: TextIO | None = None) -> None:
    """The urgent answers made now (progress shown on `progress_to`, stderr by default); the
    common answers and every line a plain run of the routine would say made in the background,
    so that the coach answers within a fraction of a second."""
    if voice is None:
        return
    prepare_lines(voice, URGENT_LINES, progress_to or sys.stderr)
    lines = list(COMMON_LINES)
    if routine is not None and routine in library.routines:
        lines += [r["say"] for r in rehearse(library, routine).records if "say" in r]
    voice.prefetch(lines)


def greeting(wake_word: str | None) -> str:
    """What the coach says first when no routine was named: how to start one."""
    if wake_word:
        return GREETING_WITH_WAKE_WORD.say(wake_word=wake_word)
    return GREETING.say()


def make_engine(library: Library, settings: SessionSettings | None = None) -> SessionEngine:
    settings = settings or SessionSettings()
    return SessionEngine(library.routines, pace=settings.pace,
                         wake_word=library.grammar.wake_word is not None,
                         words_per_minute=settings.voice.words_per_minute)


def make_recorder(settings: Settings, say: Callable[[str], None], *, history: bool = True,
                  source: SessionSource = SessionSource.MICROPHONE,
                  wall_clock: Callable[[], float] = time.time) -> SessionRecorder:
    """The user's history and their settings file, which keeps the safety brief's answer.
    `history` False (`--no-history`, trying things out): nothing is written to the history,
    but its pain reports still decide the warning about pain that keeps coming back.
    `source`: where the sessions' commands come from; a recording's pain is nobody's, and its
    "yes" to the safety brief is not kept in the settings (only a person's is).
    `wall_clock`: what time it is for the history (a recording's own time: `StreamClock`)."""
    path = default_history_path()

    def open_store() -> HistoryStore | None:
        if not history and not path.exists():
            return None  # only reading: no history is no pain reports, not a new file
        # Only reading needs no space and no lock: past pain is heard even on a full disk.
        return HistoryStore(path, busy_timeout=WRITER_BUSY_TIMEOUT, read_only=not history)

    return SessionRecorder(open_store, settings, default_settings_path(), say, wall_clock,
                           source=source, writes=history,
                           journal=journal_path(path) if history else None)


def make_demo_recorder(settings: Settings, say: Callable[[str], None],
                       wall_clock: Callable[[], float] = time.time) -> SessionRecorder:
    """The demo's user is not the real one: a history in memory, the settings file untouched,
    and the safety brief always read, as on a first run."""
    fresh = settings.model_copy(update={"safety_brief_accepted": None})
    return SessionRecorder(lambda: HistoryStore(":memory:"), fresh, None, say, wall_clock,
                           source=SessionSource.DEMO)

"""Build, then start: each part that runs a thread starts none while it is built, starts it in
`start()`, and joins it in `close()`, which is safe twice and on a part never started. (The
microphone's and the loudspeaker's own tests are in test_microphone.py and test_live_output.py.)
"""

from __future__ import annotations

import io
import os
import queue
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.source import Samples
from voicecoach.core.grammar import CommandGrammar
from voicecoach.core.messages import SessionState, Snapshot
from voicecoach.history.store import HistoryStore
from voicecoach.session.history_writer import Fact, HistoryWriter
from voicecoach.session.keyboard_input import KeyboardInput
from voicecoach.session.live import MicrophoneInput, Speaking
from voicecoach.session.recorder import SessionRecorder
from voicecoach.session.terminal import PanelView
from voicecoach.settings import Settings
from voicecoach.speaking.playback import Playback
from voicecoach.speaking.tts import TextToSpeech, VoiceEngine

from .audio_helpers import needs_espeak
from .fakes import running_threads

GRAMMAR = CommandGrammar.for_routines({"glutes": ["glutes"]})


def started_then_joined(name: str, build: Callable[[], object]) -> None:
    """Build the part: no thread called `name`; start it: one; close it: none, and again."""
    part = build()
    assert running_threads(name) == [], f"building started {name}"
    part.start()  # type: ignore[attr-defined]
    assert len(running_threads(name)) == 1, f"start() did not start {name}"
    part.close()  # type: ignore[attr-defined]
    assert running_threads(name) == [], f"close() left {name} running"
    part.close()  # type: ignore[attr-defined]


class Silence:
    """A microphone in a quiet room: empty chunks, as a real one gives between blocks."""

    def __init__(self) -> None:
        self.closed = 0

    def read(self, timeout: float | None = None) -> Samples | None:
        time.sleep(timeout or 0.0)
        return np.zeros(0, dtype=np.int16)

    def close(self) -> None:
        self.closed += 1


class NobodyListening:
    """A listener never fed: silence brings it nothing."""

    grammar = GRAMMAR

    def listen_for(self, vocabulary: object) -> None:
        pass

    def feed(self, chunk: Samples) -> list[object]:
        return []


def test_building_speaking_starts_no_synthesis_thread_start_does_and_close_joins_it():
    started_then_joined("synthesis", lambda: Speaking(None, Playback(), lambda item: None,
                                                      lambda entry: None, time.monotonic))


def test_lines_said_before_speaking_starts_wait_for_it():
    posted: queue.Queue[object] = queue.Queue()
    printed: list[str] = []
    speaking = Speaking(None, Playback(), posted.put, lambda entry: printed.append(entry.text),
                        time.monotonic)
    speaking.say("Hello.", interrupt=False)
    assert printed == []
    speaking.start()
    try:
        posted.get(timeout=5)  # SpeechFinished, once the line is printed
    finally:
        speaking.close()
    assert printed == ["Hello."]


def test_building_a_microphone_input_starts_no_thread_start_does_and_close_joins_it():
    source = Silence()
    started_then_joined("microphone", lambda: MicrophoneInput(
        source, NobodyListening(), None, lambda item: None,  # type: ignore[arg-type]
        lambda entry: None, time.monotonic))
    assert source.closed >= 1  # the input owns its source


def test_a_microphone_input_never_started_still_closes_its_source():
    source = Silence()
    MicrophoneInput(source, NobodyListening(), None, lambda item: None,  # type: ignore[arg-type]
                    lambda entry: None, time.monotonic).close()
    assert source.closed == 1


def test_building_a_keyboard_input_starts_no_thread_start_does_and_close_joins_it():
    read_end, write_end = os.pipe()
    with os.fdopen(read_end) as typed, os.fdopen(write_end, "w"):
        started_then_joined("keyboard", lambda: KeyboardInput(
            GRAMMAR, lambda item: None, lambda entry: None, time.monotonic, stdin=typed))


def test_building_the_panel_draws_nothing_and_a_started_one_is_drawn_until_closed():
    out = io.StringIO()
    PanelView(out).close()  # never started: nothing to give back
    assert out.getvalue() == ""
    with PanelView(out) as view:
        view.show(Snapshot(state=SessionState.IDLE), False)
    view.close()
    assert "Say “start” and a routine" in out.getvalue()


def test_building_a_history_writer_starts_no_thread_start_does_and_close_joins_it():
    started_then_joined("history-writer",
                        lambda: HistoryWriter(lambda: HistoryStore(":memory:"), print))


def test_a_history_writer_never_started_does_not_wait_for_a_writer_to_drain_it():
    notes: list[str] = []
    writer = HistoryWriter(lambda: HistoryStore(":memory:"), notes.append, drain_seconds=5.0)
    writer.submit(Fact("pain report", lambda writer: None))
    began = time.monotonic()
    writer.close()
    assert time.monotonic() - began < 1.0
    assert notes == ["not written to the history: 1 pain report"]


def test_building_a_recorder_starts_no_history_writer_start_does_and_close_joins_it():
    started_then_joined("history-writer", lambda: SessionRecorder(
        HistoryStore(":memory:"), Settings(), None, print))


@needs_espeak
def test_building_a_voice_starts_no_engine_thread_start_does_and_close_joins_it(tmp_path: Path):
    started_then_joined("tts", lambda: TextToSpeech(cache_dir=tmp_path / "cache",
                                                    engine=VoiceEngine.PYTTSX3))


def test_a_voice_never_started_closes_quietly(tmp_path: Path):
    TextToSpeech(cache_dir=tmp_path / "cache").close()
    assert not (tmp_path / "cache").exists()  # nor was its cache made


def test_a_recorder_asked_for_precautions_before_it_starts_refuses():
    recorder = SessionRecorder(HistoryStore(":memory:"), Settings(), None, print)
    with pytest.raises(RuntimeError, match="before start"):
        recorder.precautions()  # the past pain reports are only read once it has started
    recorder.close()

"""Fault-injecting sources and sinks: a microphone that sends silence or garbage, a speech engine
that raises or stops answering. The session pauses and says why when it can, carries on when
the fault clears, and the history keeps a note of both."""

from __future__ import annotations

import queue
import threading
import time
from datetime import UTC, datetime

import numpy as np

from voicecoach.audio.signal_check import FAULT_AFTER_S, SignalMonitor, what_is_wrong
from voicecoach.audio.source import Samples
from voicecoach.core import Command, Intent
from voicecoach.core.messages import SessionState
from voicecoach.history.store import HistoryStore
from voicecoach.session.live import QUIT, LiveSession, MicrophoneInput, Speaking
from voicecoach.session.recorder import SessionRecorder
from voicecoach.session.supervision import Backoff
from voicecoach.session.wiring import make_engine
from voicecoach.settings import Settings
from voicecoach.speaking.playback import Playback
from voicecoach.speaking.tts import SpeechUnavailable

CHUNK = 800  # 50 ms
RNG = np.random.default_rng(5)
ROOM = RNG.normal(0, 30, 16_000 * 20).astype(np.int16)  # a quiet room, 20 s of it


def seconds_of(kind: str, seconds: float) -> list[Samples]:
    n = round(seconds * 16_000 / CHUNK)
    makers = {
        "room": lambda i: ROOM[(i * CHUNK) % len(ROOM):][:CHUNK],
        "silence": lambda i: np.zeros(CHUNK, dtype=np.int16),
        "stuck": lambda i: np.full(CHUNK, -1234, dtype=np.int16),
        "clipped": lambda i: np.where(RNG.random(CHUNK) < 0.5, 32767, -32768).astype(np.int16),
    }
    return [makers[kind](i) for i in range(n)]


def test_what_is_wrong_tells_dead_and_garbage_signals_from_sound():
    assert "silence" in (what_is_wrong(seconds_of("silence", 0.05)[0]) or "")
    assert "constant" in (what_is_wrong(seconds_of("stuck", 0.05)[0]) or "")
    assert "full-scale" in (what_is_wrong(seconds_of("clipped", 0.05)[0]) or "")
    assert what_is_wrong(seconds_of("room", 0.05)[0]) is None
    shout = (np.sin(np.arange(CHUNK) / 3) * 32767).astype(np.int16)  # loud, but sound
    assert what_is_wrong(shout) is None


def test_the_monitor_waits_before_calling_a_fault_and_before_clearing_it():
    monitor = SignalMonitor()
    said = [monitor.update(c) for c in seconds_of("silence", FAULT_AFTER_S - 0.5)]
    assert set(said) == {None}  # a short burst of zeros at start-up is not a fault
    said = [monitor.update(c) for c in seconds_of("silence", 1.0)]
    assert said.count("failed") == 1 and "muted" in (monitor.problem or "")
    said = [monitor.update(c) for c in seconds_of("room", 2.0)]
    assert said.count("recovered") == 1 and monitor.problem is None


class ScriptedMicrophone:
    """Plays back a list of chunks at real pace (5 ms per chunk: 10x real time), then the room."""

    def __init__(self, chunks: list[Samples]) -> None:
        self.chunks = chunks

    def read(self, timeout: float | None = None) -> Samples | None:
        time.sleep(0.005)
        return self.chunks.pop(0) if self.chunks else seconds_of("room", 0.05)[0]

    def close(self) -> None:
        pass


class Deaf:
    def listen_for(self, vocabulary: object) -> None:
        self.vocabulary = vocabulary  # what the session listens for (unused: hears nothing)

    def feed(self, chunk: Samples) -> list[object]:
        return []


class FailingVoice:
    """A speech engine that fails its first `failures` lines, then works."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error = failures, error
        self.made: list[str] = []

    def audio_for(self, text: str) -> Samples:
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        self.made.append(text)
        return np.zeros(160, dtype=np.int16)

    def change(self, change: str) -> None:
        pass


def live_session(library, microphone, voice, until):  # type: ignore[no-untyped-def]
    """A live session with the real engine, recorder and an in-memory history; runs until
    `until(history)` is true (or 20 s), then quits. Returns the history and the states."""
    inbox: queue.Queue[object] = queue.Queue()
    history = HistoryStore(":memory:")
    accepted = Settings(safety_brief_accepted=datetime(2026, 1, 1, tzinfo=UTC))
    recorder = SessionRecorder(history, accepted, None, print)
    recorder.start()
    states: list[str] = []
    lines: list[str] = []

    def note(entry):  # type: ignore[no-untyped-def]
        (states if entry.who == "state" else lines).append(entry.text)

    speaking = Speaking(voice, Playback(), inbox.put, note, time.monotonic,
                        voice_backoff=Backoff((0.2,)))
    speaking.start()
    engine = make_engine(library)
    session = LiveSession(engine, speaking, inbox, time.monotonic, note, recorder=recorder,
                          supervise=speaking.check)
    readers = []

    def drive() -> None:
        deadline = time.monotonic() + 20
        # The microphone fails mid-hold; a voice fails from the first line.
        while (microphone is not None and engine.state is not SessionState.HOLDING
               and time.monotonic() < deadline):
            time.sleep(0.01)
        if microphone is not None:
            readers.append(MicrophoneInput(microphone, Deaf(), None, inbox.put,  # type: ignore[arg-type]
                                           note, time.monotonic))
            readers[-1].start()
        while time.monotonic() < deadline and not until(history):
            time.sleep(0.05)
        inbox.put(QUIT)

    driver = threading.Thread(target=drive)
    driver.start()
    session.run(Command(Intent.START, {"routine": "glutes"}))
    driver.join()
    for reader in readers:
        reader.close()
    speaking.close()
    recorder.close()
    return history, states, lines


def notes_of(history: HistoryStore) -> list[tuple[str, str]]:
    rows = history._connection.execute("SELECT kind, detail FROM notes ORDER BY id").fetchall()
    return [(kind, detail) for kind, detail in rows]


def test_a_muted_microphone_pauses_the_session_and_sound_returning_resumes_it(library):  # type: ignore[no-untyped-def]
    microphone = ScriptedMicrophone(seconds_of("room", 1) + seconds_of("silence", 7)
                                    + seconds_of("room", 3))
    history, states, lines = live_session(library, microphone, None,
                                          lambda h: len(notes_of(h)) >= 2)
    assert [kind for kind, _ in notes_of(history)] == ["fault", "recovered"]
    assert "muted" in notes_of(history)[0][1]
    assert states[-2:] == ["paused", "holding"]
    assert any(line.startswith("I can't hear you") for line in lines)
    assert any(line.startswith("The microphone is back. Carrying on.") for line in lines)


def test_garbage_from_the_microphone_pauses_the_session_too(library):  # type: ignore[no-untyped-def]
    microphone = ScriptedMicrophone(seconds_of("clipped", 6) + seconds_of("room", 2))
    history, states, _ = live_session(library, microphone, None,
                                      lambda h: len(notes_of(h)) >= 2)
    assert notes_of(history)[0] == (
        "fault", "microphone: the microphone sends only full-scale noise (a faulty device or "
        "driver)")
    assert states[-2:] == ["paused", "holding"]


def test_a_speech_engine_that_raises_or_times_out_is_printed_and_tried_again(library):  # type: ignore[no-untyped-def]
    for error in (RuntimeError("pyttsx3 driver died"),
                  SpeechUnavailable("the speech engine stopped answering")):
        voice = FailingVoice(failures=2, error=error)
        history, _, lines = live_session(library, None, voice,
                                              lambda h: len(notes_of(h)) >= 2)
        kinds = [kind for kind, _ in notes_of(history)]
        assert kinds[:2] == ["fault", "recovered"], (error, kinds)
        assert str(error) in notes_of(history)[0][1]
        assert any("My voice isn't working" in line for line in lines)  # printed, not lost
        assert voice.made  # the engine was tried again and used once it worked

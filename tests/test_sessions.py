"""Whole sessions: the real pipeline (PocketSphinx -> engine -> pyttsx3) on stream time, the
live session's threads and shutdown, and the fallbacks when speech or sound is missing."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.source import AudioError
from voicecoach.audio.synthetic import Voice, synthesize, with_room, write_wav
from voicecoach.core import Command, Intent, SessionState
from voicecoach.core.phrasebook import SAFETY_BRIEF
from voicecoach.hearing.listener import CommandListener
from voicecoach.hearing.sphinx_backend import PocketSphinxRecognizer
from voicecoach.history.store import HistoryStore, default_history_path
from voicecoach.session.keyboard_input import KeyboardInput
from voicecoach.session.live import QUIT, LiveSession, Speaking
from voicecoach.session.stream import StreamSession
from voicecoach.session.transcript import Entry
from voicecoach.session.wiring import SessionSettings, make_engine, make_voice
from voicecoach.settings import load_settings
from voicecoach.speaking.output import SpeakerOutput
from voicecoach.speaking.playback import Playback
from voicecoach.speaking.tts import VoiceEngine

from .audio_helpers import needs_espeak

pytestmark = needs_espeak
USER = Voice("en-us+f2", 140)


class SilentVoice:
    """A voice with no engine behind it: each line is a tone lasting 0.1 s a word, recorded."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.changes: list[str] = []

    def audio_for(self, text: str) -> np.ndarray:
        self.lines.append(text)
        samples = round(0.1 * len(text.split()) * 16_000)
        return (np.sin(np.arange(samples) / 5) * 3000).astype(np.int16)

    def change(self, change: str) -> None:
        self.changes.append(change)


def user_track(*lines: tuple[float, str]) -> np.ndarray:
    """The user's side: each line spoken at its second, in a quiet room."""
    end = max(at for at, _ in lines) + 4.0
    track = np.zeros(round(end * 16_000), dtype=np.int16)
    for at, text in lines:
        speech = synthesize(text, USER)
        start = round(at * 16_000)
        track[start : start + len(speech)] += speech
    return with_room(track, 0.0, 0.0)


class ArraySource:
    def __init__(self, samples: np.ndarray) -> None:
        self.samples, self.position = samples, 0

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        if self.position >= len(self.samples):
            return None
        chunk = self.samples[self.position : self.position + 800]
        self.position += 800
        return chunk

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def listener(library) -> CommandListener:  # type: ignore[no-untyped-def]
    return CommandListener(PocketSphinxRecognizer(library.grammar), library.grammar)


def heard(session: StreamSession) -> list[tuple[float, str | None]]:
    return [(e.t, e.detail.get("intent")) for e in session.entries if e.who == "you"]


def test_spoken_commands_drive_the_real_engine_on_stream_time(library, listener):  # type: ignore[no-untyped-def]
    voice = SilentVoice()
    listener.restart()
    session = StreamSession(make_engine(library), listener, voice)
    session.run(ArraySource(user_track((0.5, "start glutes"), (4.0, "pause"), (8.0, "stop"))))
    assert [intent for _, intent in heard(session)] == ["start", "pause", "stop"]
    assert voice.lines[0].startswith("Glutes by hand.")
    assert "Paused. Say resume when you're ready." in voice.lines
    assert session.summaries[0].reason == "stopped"
    assert session.finished


def test_pause_cuts_the_coach_off_within_100_ms_of_the_decision(library, listener):  # type: ignore[no-untyped-def]
    voice = SilentVoice()
    listener.restart()
    session = StreamSession(make_engine(library), listener, voice)
    session.run(ArraySource(user_track((0.5, "start glutes"), (4.0, "pause"))))
    decided = next(t for t, intent in heard(session) if intent == "pause")
    paused_line = next(e.t for e in session.entries
                       if e.who == "coach" and e.text.startswith("Paused"))
    assert paused_line - decided <= 0.1
    # ...cutting the introduction off: left alone it would still have been playing.
    intro = next(e for e in session.entries if e.who == "coach" and e.text.startswith("Glutes"))
    assert paused_line < intro.t + 0.1 * len(intro.text.split())


def test_the_session_ends_when_the_input_is_used_up_after_the_coach_finishes(library, listener):  # type: ignore[no-untyped-def]
    voice = SilentVoice()
    listener.restart()
    session = StreamSession(make_engine(library), listener, voice)
    session.run(ArraySource(user_track((0.5, "start glutes"))))
    assert not session.playback.busy
    last_coach = max(e.t for e in session.entries if e.who == "coach")
    assert session.now >= last_coach + 0.5  # the last line was played to its end


def test_speak_slower_reaches_the_voice(library, listener):  # type: ignore[no-untyped-def]
    voice = SilentVoice()
    session = StreamSession(make_engine(library), listener, voice)
    session.start(Command(Intent.VOICE, {"voice_change": "slower"}))
    assert voice.changes == ["slower"] and voice.lines == ["Okay, speaking slower."]


def test_a_first_run_reads_the_safety_brief_and_records_the_session(tmp_path: Path):
    recording = tmp_path / "session.wav"
    # The brief takes about half a minute to say; the user answers once it has been said.
    write_wav(recording, user_track((0.5, "start quick"), (40.0, "yes"), (50.0, "that hurts"),
                                    (56.0, "stop")))
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--input", str(recording), "--json",
         "--save", str(tmp_path / "out.wav")],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    intents = [e.get("intent") for e in entries if e["who"] == "you"]
    assert intents == ["start", "yes", "pain", "stop"]
    assert any(e["who"] == "coach" and SAFETY_BRIEF in e["text"] for e in entries)
    assert any(e["who"] == "state" and e["text"] == "finished" for e in entries)
    assert "Audio saved" not in result.stdout  # pyttsx3's own prints stay off the terminal
    with wave.open(str(tmp_path / "out.wav")) as saved:
        assert saved.getnframes() / saved.getframerate() > 56
    assert load_settings().safety_brief_accepted is None  # a recording's yes is not kept
    with HistoryStore(default_history_path()) as history:
        (session,) = history.sessions()
    assert (session.routine, session.how_it_ended) == ("quick-hip", "stopped")
    assert [(p.step_index, p.areas) for p in session.pain] == [(0, ("glutes",))]


def test_demo_runs_the_scripted_conversation_and_saves_it(tmp_path: Path):
    saved = tmp_path / "demo.wav"
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "demo", "--json", "--no-play", "--save", str(saved)],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    intents = [e.get("intent") for e in entries if e["who"] == "you" and e.get("intent")]
    # All eight are obeyed on this machine; synthetic voices are fickle with PocketSphinx, so
    # the test holds the ones that matter most, in order, and most of the rest.
    script = ["start", "yes", "pause", "repeat", "resume", "slower", "next", "pain", "stop"]
    assert [i for i in intents if i in ("start", "yes", "pause", "pain", "stop")] == [
        "start", "yes", "pause", "pain", "stop"]
    assert len([i for i in intents if i in script]) >= 7
    coach = [e["text"] for e in entries if e["who"] == "coach"]
    assert coach[0].startswith(SAFETY_BRIEF)  # a fresh machine: the brief comes first
    assert any(text.startswith("Paused") for text in coach)
    assert any("Ease off to light pressure" in text for text in coach)
    assert saved.stat().st_size > 16_000 * 2 * 30


def test_no_output_device_means_printing_and_saying_so():
    class NoDevices:
        class PortAudioError(Exception):
            pass

        def query_devices(self, device: object = None, kind: str | None = None) -> dict:
            raise ValueError("No output device matching None")

    with pytest.raises(AudioError, match="no output device"):
        SpeakerOutput(Playback(), on_block=lambda rendered: None, sounddevice=NoDevices()).start()


def test_no_speech_engine_means_printing_said_once(monkeypatch: pytest.MonkeyPatch):
    import pyttsx3

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no espeak library")

    monkeypatch.setattr(pyttsx3, "init", broken)
    notes: list[str] = []
    pyttsx3_only = SessionSettings(voice_engine=VoiceEngine.PYTTSX3)
    assert make_voice(pyttsx3_only, say=notes.append) is None
    assert len(notes) == 1 and "printed instead" in notes[0]


def test_muted_session_prints_lines_and_goes_on(library):  # type: ignore[no-untyped-def]
    notes: list[Entry] = []
    inbox: queue.Queue[object] = queue.Queue()
    speaking = Speaking(None, Playback(), inbox.put, notes.append, lambda: 0.0)
    speaking.start()
    session = LiveSession(make_engine(library), speaking, inbox, time.monotonic, notes.append)
    runner = threading.Thread(target=session.run, args=(Command(Intent.START,
                                                                {"routine": "quick-hip"}),))
    runner.start()
    deadline = time.monotonic() + 5
    while session.engine.state is not SessionState.HOLDING and time.monotonic() < deadline:
        time.sleep(0.01)  # the real clock: the session runs in its own thread
    inbox.put(QUIT)
    runner.join(timeout=1)
    speaking.close()
    assert any(e.who == "coach" and e.text.startswith("Quick hip routine") for e in notes)
    assert session.engine.state is SessionState.HOLDING  # printed lines count as said


def test_live_session_ends_within_a_second_of_quit_and_leaves_no_thread(library):  # type: ignore[no-untyped-def]
    read_end, write_end = os.pipe()
    typed = os.fdopen(write_end, "w")
    inbox: queue.Queue[object] = queue.Queue()
    notes: list[Entry] = []
    speaking = Speaking(None, Playback(), inbox.put, notes.append, time.monotonic)
    speaking.start()
    keyboard = KeyboardInput(library.grammar, inbox.put, notes.append, time.monotonic,
                             stdin=os.fdopen(read_end))
    keyboard.start()
    session = LiveSession(make_engine(library), speaking, inbox, time.monotonic, notes.append)
    runner = threading.Thread(target=session.run)
    runner.start()
    typed.write("start glutes\n")
    typed.flush()
    time.sleep(0.3)  # a real session on the real clock: let it hear the command
    stopped = time.monotonic()
    inbox.put(QUIT)
    runner.join(timeout=1.0)
    keyboard.close()
    speaking.close()
    typed.close()
    assert not runner.is_alive() and time.monotonic() - stopped < 1.0
    assert any(e.who == "you" and e.detail.get("intent") == "start" for e in notes)


def test_sigterm_ends_a_live_run_within_a_second(tmp_path: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "run", "glutes", "--keyboard", "--mute", "--plain"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()  # the session is up once it speaks
    assert "coach" in first or "--" in first
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=5)
    assert time.monotonic() - sent < 1.0
    assert process.returncode == 143  # 128 + SIGTERM, as for a session on a recording
    assert "voicecoach: stopped by SIGTERM" in process.communicate()[1]


def test_commands_piped_in_together_are_all_heard(library):  # type: ignore[no-untyped-def]
    from .test_keyboard_session import heard_until_quit

    # One read delivers all three.
    assert heard_until_quit(library, b"start glutes\npause\nresume\n") == [
        "start", "pause", "resume"]

"""Devices that vanish and come back: fault-injecting fakes, a live session that pauses and
carries on, and the real PortAudio path on the virtual ALSA microphone."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from voicecoach.audio.source import AudioError, Samples
from voicecoach.core.messages import Device, DeviceFailed, DeviceRecovered, Heard
from voicecoach.core.phrasebook import GREETING_WITH_WAKE_WORD
from voicecoach.session.live import MicrophoneInput
from voicecoach.session.supervision import Backoff, SpeakerSupervisor, SupervisedSource

from .audio_helpers import needs_espeak

VIRTUAL_MIC = Path(__file__).parent / "data" / "asound-virtual-mic.conf"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FlakyMicrophone:
    """Delivers `chunks` blocks of room noise, then fails as an unplugged device does."""

    def __init__(self, chunks: int) -> None:
        self.left, self.closed = chunks, False

    def read(self, timeout: float | None = None) -> Samples | None:
        if self.left == 0:
            raise AudioError("the microphone 'USB' stopped sending audio (unplugged?)")
        self.left -= 1
        return (np.arange(800) % 7 - 3).astype(np.int16)  # a quiet room's noise floor

    def close(self) -> None:
        self.closed = True


class Opener:
    """Opens FlakyMicrophones; `refusals` attempts fail first, like a device not yet back."""

    def __init__(self, refusals: list[bool], chunks: int = 5) -> None:
        self.refusals, self.chunks = refusals, chunks  # the first device fails after `chunks`
        self.opened: list[FlakyMicrophone] = []
        self.attempts = 0

    def __call__(self) -> FlakyMicrophone:
        self.attempts += 1
        if self.refusals and self.refusals.pop(0):
            raise AudioError("no input device 'USB'")
        self.opened.append(FlakyMicrophone(self.chunks if not self.opened else 10**6))
        return self.opened[-1]


def supervised(opener: Opener, clock: FakeClock, events: list[str]) -> SupervisedSource:
    return SupervisedSource(opener, on_lost=lambda why: events.append(f"lost: {why}"),
                            on_back=lambda: events.append("back"),
                            backoff=Backoff((1.0, 2.0, 5.0), clock))


def read_for(source: SupervisedSource, clock: FakeClock, seconds: float) -> int:
    """Read for `seconds` of fake time (each read takes 50 ms); the samples delivered."""
    delivered, end = 0, clock.now + seconds
    while clock.now < end:
        chunk = source.read(timeout=0.0)
        assert chunk is not None
        delivered += len(chunk)
        clock.now += 0.05
    return delivered


def test_a_microphone_that_fails_is_reported_once_and_reopened_with_growing_pauses():
    clock, events = FakeClock(), []
    opener = Opener(refusals=[False, True, True, True, False])
    source = supervised(opener, clock, events)
    read_for(source, clock, 0.25)  # five chunks, then it fails
    read_for(source, clock, 30.0)
    assert events == ["lost: the microphone 'USB' stopped sending audio (unplugged?)", "back"]
    assert opener.opened[0].closed  # the dead stream was closed before trying again
    # Retries after 1, 2 and 5 s: not thousands of attempts while the device is away.
    assert opener.attempts == 5
    source.close()
    assert source.read() is None


def test_a_microphone_missing_at_the_start_is_waited_for():
    clock, events = FakeClock(), []
    opener = Opener(refusals=[True, True, False], chunks=10_000)
    source = supervised(opener, clock, events)
    assert read_for(source, clock, 0.1) == 0
    assert events == ["lost: no input device 'USB'"]
    assert read_for(source, clock, 5.0) > 0
    assert events[-1] == "back"


def test_an_empty_read_while_away_waits_instead_of_spinning():
    events: list[str] = []
    source = SupervisedSource(Opener(refusals=[True] * 100), lambda why: events.append(why),
                              lambda: None, backoff=Backoff((10.0,)))
    started = time.monotonic()
    for _ in range(3):
        assert len(source.read(timeout=0.05)) == 0  # type: ignore[arg-type]
    assert time.monotonic() - started >= 0.1  # each read slept until its timeout
    source.close()


class FakeOutput:
    def __init__(self) -> None:
        self.failure: str | None = None
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_failed_loudspeaker_switches_to_printing_and_comes_back():
    clock, events, printing, outputs = FakeClock(), [], [], []
    refusals = [False, True, False]

    def open_output() -> FakeOutput:
        if refusals.pop(0):
            raise AudioError("no output device")
        outputs.append(FakeOutput())
        return outputs[-1]

    supervisor = SpeakerSupervisor(open_output, lambda why: events.append(f"lost: {why}"),
                                   lambda: events.append("back"), printing.append,
                                   backoff=Backoff((1.0,), clock))
    assert outputs == []  # built, it has opened nothing yet
    supervisor.start()
    outputs[0].failure = "the output device failed: device unavailable"
    supervisor.check()
    assert printing[-1] is True and outputs[0].closed
    assert events == ["lost: the output device failed: device unavailable"]
    clock.now += 1.0
    supervisor.check()  # refused once more: still printing, not said again
    clock.now += 1.0
    supervisor.check()
    assert events[-1] == "back" and printing[-1] is False and len(outputs) == 2
    supervisor.close()


class BrokenRecogniserListener:
    """A listener whose recogniser raises, as a decoder crashing inside C code would."""

    def __init__(self) -> None:
        self.fed = 0

    def listen_for(self, vocabulary: object) -> None:
        self.vocabulary = vocabulary

    def feed(self, chunk: Samples) -> list[object]:
        self.fed += 1
        raise RuntimeError("decoder returned -1")


def test_a_failing_recogniser_is_reported_and_rebuilt():
    inbox: queue.Queue[object] = queue.Queue()
    rebuilt: list[object] = []

    class Working:
        def listen_for(self, vocabulary: object) -> None:
            self.vocabulary = vocabulary

        def feed(self, chunk: Samples) -> list[object]:
            return []

    def rebuild() -> Working:
        rebuilt.append(Working())
        return rebuilt[-1]  # type: ignore[return-value]

    source = SupervisedSource(Opener([], chunks=10**6), lambda why: None, lambda: None)
    reader = MicrophoneInput(source, BrokenRecogniserListener(), None,  # type: ignore[arg-type]
                             inbox.put, lambda entry: None, time.monotonic,
                             rebuild_listener=rebuild, backoff=Backoff((0.0,)))
    reader.start()
    events = [inbox.get(timeout=5), inbox.get(timeout=5)]
    reader.close()
    assert events == [DeviceFailed(Device.RECOGNISER, "RuntimeError: decoder returned -1"),
                      DeviceRecovered(Device.RECOGNISER)]
    assert rebuilt


# --- the whole serve process -------------------------------------------------------------------


def _settings_file(tmp_path: Path, **values: str) -> Path:
    path = tmp_path / "settings.toml"
    lines = ["safety_brief_accepted = 2026-01-01T00:00:00Z"]
    lines += [f'{key} = "{value}"' for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@needs_espeak
def test_serve_waits_coaches_and_waits_again_on_stream_time(tmp_path: Path):
    from voicecoach.audio.synthetic import write_wav
    from voicecoach.history.store import HistoryStore, default_history_path

    from .test_sessions import user_track

    recording = tmp_path / "room.wav"
    write_wav(recording, user_track(
        (0.5, "start quick"),  # no wake word: the television, say; ignored
        (4.0, "coach start quick"), (20.0, "stop"),
        (30.0, "coach start glutes"), (48.0, "stop")))
    env = {**os.environ, "VOICECOACH_CONFIG": str(_settings_file(tmp_path, wake_word="coach"))}
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "serve", "--input", str(recording), "--json",
         "--mute"], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    states = [e["text"] for e in entries if e["who"] == "state"]
    assert states.count("introducing") == 2 and states.count("finished") == 2
    assert states.index("introducing") > 0 or states[0] == "introducing"
    first_heard = next(e for e in entries if e["who"] == "you")
    assert first_heard["text"] == "start quick"  # heard, understood, and not acted on
    # Only the greeting (how to start, with the wake word) before "coach start quick".
    assert [e["text"] for e in entries if e["who"] == "coach" and e["t"] < 4.0] == [
        GREETING_WITH_WAKE_WORD.say(wake_word="coach")]
    with HistoryStore(default_history_path()) as history:
        routines = [s.routine for s in history.sessions()]
    assert routines == ["quick-hip", "glutes"]


VIRTUAL_MIC_SCRIPT = """
import os, sys, time
import numpy as np
from voicecoach.audio.microphone import MicrophoneSource, rescan_devices
from voicecoach.session.supervision import Backoff, SupervisedSource

raw = sys.argv[1]
events = []
attempts = 0

def open_microphone():
    global attempts
    attempts += 1
    if attempts > 1:
        rescan_devices()  # as serve does: PortAudio only sees a device plugged in after it starts
    microphone = MicrophoneSource("virtualmic", rate=16000, channels=1)  # as the raw file is
    microphone.start()
    return microphone

source = SupervisedSource(open_microphone, lambda why: events.append("lost: " + why),
                          lambda: events.append("back"), backoff=Backoff((0.2,)))
loudest = 0
deadline = time.monotonic() + 30
while time.monotonic() < deadline and loudest < 1000:
    if events and not os.path.exists(raw):
        os.rename(raw + ".ready", raw)  # the microphone is plugged back in
    chunk = source.read(timeout=0.1)
    if len(chunk):
        loudest = max(loudest, int(np.abs(chunk.astype(np.int32)).max()))
source.close()
print(events)
print(loudest)
"""


@needs_espeak
def test_the_virtual_microphone_plugged_back_in_is_found_and_reopened(tmp_path: Path):
    from voicecoach.audio.synthetic import synthesize

    from .test_sessions import USER

    raw = tmp_path / "mic.raw"
    # The virtual device delivers as fast as it is read (no clock behind it), so the test
    # checks that the user's voice arrives after the reopening; hearing commands through it
    # is tests/test_microphone.py's job.
    speech = np.concatenate([synthesize("start quick", USER), np.zeros(8000, dtype=np.int16)])
    (tmp_path / "mic.raw.ready").write_bytes(speech.astype("<i2").tobytes())
    # No file yet: ALSA's virtual capture device fails to open, like an unplugged microphone.
    env = {**os.environ, "ALSA_CONFIG_PATH": str(VIRTUAL_MIC), "VIRTUAL_MIC_RAW": str(raw)}
    result = subprocess.run([sys.executable, "-c", VIRTUAL_MIC_SCRIPT, str(raw)], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    events, loudest = result.stdout.strip().splitlines()[-2:]
    assert events.startswith("[\"lost: no input device 'virtualmic'")
    assert events.endswith("'back']")
    assert int(loudest) > 1000  # speech, not the silence of a dead device


class Deaf:
    """A listener that hears nothing (the commands come from the test)."""

    def listen_for(self, vocabulary: object) -> None:
        self.vocabulary = vocabulary

    def feed(self, chunk: Samples) -> list[object]:
        return []


def test_a_live_session_pauses_while_the_microphone_is_away_and_carries_on(library):  # type: ignore[no-untyped-def]
    from voicecoach.core.intents import Command, Intent
    from voicecoach.core.messages import FaultNoted, SessionState
    from voicecoach.session.live import QUIT, LiveSession, Speaking
    from voicecoach.session.wiring import make_engine
    from voicecoach.speaking.playback import Playback

    inbox: queue.Queue[object] = queue.Queue()
    states: list[str] = []
    faults: list[FaultNoted] = []

    class Recording:
        def precautions(self):  # type: ignore[no-untyped-def]
            from voicecoach.core import Precautions
            return Precautions()

        def record(self, action: object) -> bool:
            if isinstance(action, FaultNoted):
                faults.append(action)
            return False

        def close(self) -> None:
            pass

    opener = Opener(refusals=[False, True, False], chunks=20)  # ~1 s of audio, then unplugged
    source = SupervisedSource(opener, lambda why: inbox.put(DeviceFailed(Device.MICROPHONE, why)),
                              lambda: inbox.put(DeviceRecovered(Device.MICROPHONE)),
                              backoff=Backoff((0.2,)))
    speaking = Speaking(None, Playback(), inbox.put, lambda entry: None, time.monotonic)
    speaking.start()
    readers: list[MicrophoneInput] = []
    engine = make_engine(library)
    session = LiveSession(engine, speaking, inbox, time.monotonic,
                          lambda entry: states.append(entry.text) if entry.who == "state" else None,
                          recorder=Recording())  # type: ignore[arg-type]
    inbox.put(Heard(Command(Intent.START, {"routine": "glutes"})))

    def quit_when_recovered() -> None:
        deadline = time.monotonic() + 20
        while engine.state is not SessionState.HOLDING:  # the microphone fails mid-hold
            time.sleep(0.01)
        readers.append(MicrophoneInput(source, Deaf(), None, inbox.put,  # type: ignore[arg-type]
                                       lambda entry: None, time.monotonic))
        readers[-1].start()
        while time.monotonic() < deadline and len(faults) < 2:
            time.sleep(0.05)
        time.sleep(0.2)
        inbox.put(QUIT)

    import threading

    watcher = threading.Thread(target=quit_when_recovered)
    watcher.start()
    session.run()
    watcher.join()
    readers[0].close()
    speaking.close()
    assert [f.recovered for f in faults] == [False, True]
    assert states[-2:] == ["paused", "holding"]
    assert engine.state is not SessionState.PAUSED


class RecordingGuard:
    """An echo guard that only records where each chunk was said to begin."""

    def __init__(self) -> None:
        self.starts: list[float] = []

    def clean(self, mic: Samples, start_s: float) -> Samples:
        self.starts.append(start_s)
        return mic

    def accepts(self, decision: object) -> bool:
        return True


class Chunks:
    def __init__(self, count: int) -> None:
        self.left = count

    def read(self, timeout: float | None = None) -> Samples | None:
        if self.left == 0:
            time.sleep(0.01)
            return np.zeros(0, dtype=np.int16)
        self.left -= 1
        return (np.arange(800) % 7 - 3).astype(np.int16)

    def close(self) -> None:
        pass


def test_microphone_chunks_get_a_gapless_timeline_despite_a_jittery_clock():
    """The echo guard aligns what it hears with what was played by these times: a clock read
    as chunks arrive jitters, and each jitter looked to the guard like a new stream."""
    jitter = iter(np.random.default_rng(3).uniform(0.0, 0.02, 1000))
    ticks = [0.0]

    def clock() -> float:  # chunks arrive every 50 ms, give or take 20 ms
        ticks[0] += 0.05
        return ticks[0] + next(jitter)

    guard = RecordingGuard()
    reader = MicrophoneInput(Chunks(40), Deaf(), guard, lambda item: None,  # type: ignore[arg-type]
                             lambda entry: None, clock)
    reader.start()
    deadline = time.monotonic() + 5
    while len(guard.starts) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    reader.close()
    steps = np.diff(guard.starts[:40])
    assert np.allclose(steps, 0.05, atol=1e-9)

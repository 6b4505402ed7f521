"""Devices that are missing or fail: the user is told the cause and the fix, not just that
something is wrong."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voicecoach.cli import main
from voicecoach.core.messages import Device, DeviceFailed, DeviceRecovered
from voicecoach.session.live import QUIT, LiveSession, Speaking
from voicecoach.session.wiring import make_engine
from voicecoach.speaking.playback import Playback


def test_a_failed_microphone_is_told_with_its_cause_and_when_it_is_back(library):
    inbox: queue.Queue[object] = queue.Queue()
    warned: list[str] = []
    speaking = Speaking(None, Playback(), inbox.put, lambda entry: None, time.monotonic)
    speaking.start()
    session = LiveSession(make_engine(library), speaking, inbox, time.monotonic,
                          lambda entry: None, warn=warned.append)
    cause = "no default input device; plug in a microphone"
    for item in (DeviceFailed(Device.MICROPHONE, cause), DeviceFailed(Device.MICROPHONE, cause),
                 DeviceRecovered(Device.MICROPHONE), QUIT):
        inbox.put(item)
    session.run()
    speaking.close()
    assert warned == [f"the microphone isn't working: {cause}", "the microphone is back"]


def _has_a_microphone() -> bool:
    try:
        import sounddevice

        sounddevice.query_devices(None, "input")
    except Exception:  # no PortAudio, or no input device: what this test needs
        return False
    return True


@pytest.mark.skipif(_has_a_microphone(), reason="needs a machine with no microphone")
def test_serve_without_a_microphone_prints_why_on_stderr(tmp_path: Path):
    environment = {**os.environ, "VOICECOACH_CONFIG": str(tmp_path / "settings.toml"),
                   "VOICECOACH_HISTORY": str(tmp_path / "history.db")}
    serve = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "serve", "--mute", "--plain", "--no-verify",
         "--backend", "pocketsphinx", "--no-history"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment)
    assert serve.stdout is not None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = serve.stdout.readline()
            if "I can't hear you" in line or not line:
                break
    finally:
        serve.send_signal(signal.SIGINT)
        _, err = serve.communicate(timeout=30)
    assert "voicecoach: the microphone isn't working: no default input device" in err
    assert "plug in a microphone" in err


class NoSoundCard:
    """sounddevice on a machine where PortAudio finds no device at all."""

    class PortAudioError(Exception):
        pass

    class default:  # sounddevice.default.device: (input, output) indices
        device = (-1, -1)

    def __init__(self, devices: list[dict[str, object]] | None = None) -> None:
        self.devices = devices or []

    def query_devices(self) -> list[dict[str, object]]:
        return self.devices


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_devices_with_no_sound_card_says_what_to_check(capsys, monkeypatch, json_flag):
    monkeypatch.setitem(sys.modules, "sounddevice", NoSoundCard())
    code = main(["devices", *json_flag])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("voicecoach: no audio device found")
    assert "USB microphone" in err and "`audio` group" in err and "arecord -l" in err


def test_devices_with_only_loudspeakers_says_there_is_no_microphone(capsys, monkeypatch):
    speaker = {"name": "HDMI", "max_input_channels": 0, "max_output_channels": 2,
               "default_samplerate": 48000.0}
    monkeypatch.setitem(sys.modules, "sounddevice", NoSoundCard([speaker]))
    code = main(["devices"])
    captured = capsys.readouterr()
    assert code == 0 and "HDMI" in captured.out
    assert "there is no microphone" in captured.err and "USB microphone" in captured.err

"""The microphone path: real sounddevice and PortAudio on a virtual ALSA microphone (a raw PCM
file as the capture device), and a device that vanishes mid-stream."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voicecoach.audio.microphone import MicrophoneSource
from voicecoach.audio.source import AudioError
from voicecoach.audio.synthetic import synthesize, with_room

from .audio_helpers import needs_espeak
from .fakes import running_threads

VIRTUAL_MIC = Path(__file__).parent / "data" / "asound-virtual-mic.conf"


def voicecoach(
    args: list[str], raw: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    # ALSA reads its configuration once per process, before sounddevice is imported: a child
    # process is the only clean way to point it at the virtual microphone.
    env = {**os.environ, "ALSA_CONFIG_PATH": str(VIRTUAL_MIC), "VIRTUAL_MIC_RAW": str(raw)}
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], env=env, text=True,
                          capture_output=True, timeout=timeout, check=False)


def write_raw(path: Path, samples: np.ndarray) -> float:
    # The virtual device repeats its last period after the file ends: end on silence.
    padded = np.concatenate([samples, np.zeros(16_000, dtype=np.int16)])
    path.write_bytes(padded.astype("<i2").tobytes())
    return len(padded) / 16_000


@needs_espeak
def test_virtual_microphone_raw_pcm_in_intents_out(tmp_path: Path):
    speech = np.concatenate([with_room(synthesize(text), seed=i)
                             for i, text in enumerate(["start glutes", "that hurts", "stop"])])
    seconds = write_raw(tmp_path / "mic.raw", speech)
    result = voicecoach(["listen", "--backend", "pocketsphinx", "--json", "--rate", "16000",
                         "--channels", "1", "--seconds", f"{seconds:.2f}"], tmp_path / "mic.raw")
    assert result.returncode == 0, result.stderr
    intents = [json.loads(line)["intent"] for line in result.stdout.splitlines()]
    assert [i for i in intents if i] == ["start", "pain", "stop"]
    assert "recogniser: PocketSphinx" in result.stderr


def test_unknown_input_device_is_a_clear_error(tmp_path: Path):
    write_raw(tmp_path / "mic.raw", np.zeros(1600, dtype=np.int16))
    result = voicecoach(["listen", "--device", "no-such-mic", "--seconds", "1"],
                        tmp_path / "mic.raw")
    assert result.returncode == 1
    assert "no input device 'no-such-mic'" in result.stderr
    assert "voicecoach devices" in result.stderr and "Traceback" not in result.stderr


def test_devices_lists_the_virtual_microphone(tmp_path: Path):
    write_raw(tmp_path / "mic.raw", np.zeros(1600, dtype=np.int16))
    result = voicecoach(["devices", "--json"], tmp_path / "mic.raw")
    assert result.returncode == 0, result.stderr
    names = [device["name"] for device in json.loads(result.stdout)]
    assert "virtualmic" in names


class VanishingDevice:
    """A sounddevice stand-in whose stream delivers a few blocks and then goes silent, as a
    USB microphone does when it is pulled out."""

    class PortAudioError(Exception):
        pass

    def __init__(self, blocks: int) -> None:
        self.blocks = blocks
        self.opened: list[dict[str, Any]] = []

    def query_devices(self, device: Any = None, kind: str | None = None) -> dict[str, Any]:
        return {"name": "USB mic", "default_samplerate": 48_000.0, "max_input_channels": 2}

    def InputStream(self, **settings: Any) -> Any:
        self.opened.append(settings)
        device = self

        class Stream:
            def start(self) -> None:
                def run() -> None:
                    status = type("Status", (), {"input_overflow": False})()
                    for _ in range(device.blocks):
                        block = np.full((settings["blocksize"], 2), 1000, dtype=np.int16)
                        settings["callback"](block, len(block), None, status)
                    # ...and then nothing, ever again.
                self.thread = threading.Thread(target=run)
                self.thread.start()

            def stop(self) -> None:
                self.thread.join()

            def close(self) -> None:
                pass

        return Stream()


def test_microphone_opens_at_the_devices_own_rate_and_resamples_to_16k():
    device = VanishingDevice(blocks=20)
    total = 0
    microphone = MicrophoneSource(sounddevice=device, stall_seconds=0.5)
    with microphone, pytest.raises(AudioError):  # after the 20 blocks it goes silent
        while True:
            chunk = microphone.read(timeout=1)
            assert chunk is not None and chunk.dtype == np.int16
            total += len(chunk)
    assert device.opened[0]["samplerate"] == 48_000 and device.opened[0]["channels"] == 2
    # 20 blocks of 50 ms at 48 kHz stereo -> 16,000 mono samples at 16 kHz, less the few the
    # streaming resampler still holds back.
    assert 15_000 < total <= 16_000


def test_a_microphone_that_vanishes_mid_stream_ends_with_a_clear_error():
    with MicrophoneSource(sounddevice=VanishingDevice(blocks=5), stall_seconds=0.3) as microphone:
        started = time.monotonic()
        with pytest.raises(AudioError, match="stopped sending audio"):
            while True:
                microphone.read(timeout=0.1)
        assert time.monotonic() - started < 5


def test_building_a_microphone_opens_nothing_start_opens_it_and_close_joins_its_thread():
    device = VanishingDevice(blocks=0)
    microphone = MicrophoneSource(sounddevice=device, stall_seconds=1.0)
    assert device.opened == [] and running_threads("mic-decoder") == []
    microphone.start()
    assert len(device.opened) == 1 and microphone.device_name == "USB mic"
    assert len(running_threads("mic-decoder")) == 1
    microphone.close()
    assert running_threads("mic-decoder") == []
    microphone.close()  # a second close finds nothing left to do


def test_a_microphone_never_started_closes_quietly():
    MicrophoneSource(sounddevice=VanishingDevice(blocks=0)).close()

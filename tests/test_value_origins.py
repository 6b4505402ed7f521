"""A wrong value is named where the user gave it: the flag typed, or the setting in its file."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.microphone import MicrophoneSource
from voicecoach.audio.source import AudioError
from voicecoach.cli import main
from voicecoach.hearing import vosk_models
from voicecoach.origins import Origin
from voicecoach.session.stream_launch import play_conversation


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.fixture
def settings_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    monkeypatch.setenv("VOICECOACH_CONFIG", str(path))
    monkeypatch.delenv(vosk_models.ENV_VARIABLE, raising=False)
    return path


def test_a_model_path_from_the_settings_names_the_setting_and_the_file(capsys, settings_file):
    settings_file.write_text('model_path = "/nonexistent"\n')
    code, err = run(capsys, "listen", "--input", "x.wav")
    assert code == 1
    assert f"model_path = /nonexistent in {settings_file}: /nonexistent does not exist" in err
    assert "voicecoach config set model_path PATH" in err
    assert "voicecoach config unset model_path" in err
    assert "--model" not in err


def test_a_model_path_typed_names_the_flag_not_the_settings(capsys, settings_file):
    code, err = run(capsys, "listen", "--model", "/nonexistent", "--input", "x.wav")
    assert code == 1 and "--model: /nonexistent does not exist" in err
    assert "config set" not in err


class NoSuchDevice:
    """A PortAudio that has no device by the name asked for; records what was asked."""

    class PortAudioError(Exception):
        pass

    def __init__(self) -> None:
        self.asked: list[object] = []

    def query_devices(self, device: object, kind: str) -> dict[str, object]:
        self.asked.append(device)
        raise ValueError(f"No input device matching {device!r}")


def test_a_microphone_from_the_settings_is_named_with_its_setting(tmp_path: Path):
    settings = tmp_path / "settings.toml"
    origin = Origin("--device", "NAME-OR-INDEX", "input_device", settings, "2")
    sounddevice = NoSuchDevice()
    with pytest.raises(AudioError) as raised:
        MicrophoneSource(2, sounddevice=sounddevice, origin=origin).start()
    message = str(raised.value)
    assert sounddevice.asked == [2]
    assert message.startswith(f"input_device = 2 in {settings}: no input device 2")
    assert "voicecoach config set input_device NAME-OR-INDEX" in message
    assert "--device" not in message


def test_a_microphone_typed_is_named_by_its_flag():
    with pytest.raises(AudioError) as raised:
        MicrophoneSource(2, sounddevice=NoSuchDevice(),
                         origin=Origin("--device", "NAME-OR-INDEX")).start()
    assert "pass another --device NAME-OR-INDEX" in str(raised.value)
    assert "config" not in str(raised.value)


def test_listen_with_a_missing_microphone_from_the_settings_says_so(capsys, settings_file):
    settings_file.write_text('input_device = "no-such-microphone-here"\n')
    code, err = run(capsys, "listen", "--backend", "pocketsphinx", "--no-verify")
    assert code == 1
    assert f"input_device = no-such-microphone-here in {settings_file}: " in err
    assert "voicecoach config unset input_device" in err and "--device" not in err


class NoOutputDevices:
    """A sounddevice module with no loudspeaker at all."""

    class PortAudioError(Exception):
        pass

    def query_devices(self, device: object, kind: str) -> dict[str, object]:
        raise self.PortAudioError("Error querying device -1")

    def play(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("nothing can be played without a device")


def test_the_demo_that_cannot_play_points_at_no_play_not_mute(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", NoOutputDevices())
    terminal = io.StringIO()
    play_conversation(np.zeros(160, dtype=np.int16), terminal)
    said = terminal.getvalue()
    assert said.startswith("-- not played: no output device") and "use --no-play" in said
    assert "--mute" not in said  # the demo with --mute still plays its recording

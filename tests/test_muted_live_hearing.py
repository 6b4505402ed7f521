"""A muted live coach hears the microphone as `--input` hears a file: nothing is played, so no
echo guard stands between them. Speex's filters reshaped the audio even with nothing to cancel,
and over a running tap that alone turned "begin quick" into "safety brief" (the soak's finding:
`serve --mute` obeyed 0 of 7 commands that `serve --input` took from the same audio).

Real audio through the real parts: the shared running-tap recording 20 dB under espeak-ng's
"begin quick", 50 ms chunks through the live microphone thread into the listener `serve` builds.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import Voice, synthesize
from voicecoach.audio.wav_file import read_all
from voicecoach.core.intents import Intent
from voicecoach.core.messages import Heard
from voicecoach.hearing.backends import Backend
from voicecoach.hearing.echo_guard import EchoGuard
from voicecoach.hearing.pipeline import HearingOptions, build_listener
from voicecoach.library import Library
from voicecoach.session.launch import echo_guard
from voicecoach.session.live import QUIT, MicrophoneInput
from voicecoach.session.transcript import Entry

from .audio_helpers import needs_espeak, shared_dir

CHUNK = SAMPLE_RATE // 20  # the microphone's 50 ms block
SPEECH_RMS = 2500.0  # the loud parts of the voice (the soak's level)
TAP_FROM_S = 9.0  # a stretch of the tap where the guard's reshaping lost the command


def tap_with_command() -> Samples:
    tap = read_all(shared_dir() / "audio" / "noise" / "running_tap.wav").astype(np.float64)
    noise = tap[round(TAP_FROM_S * SAMPLE_RATE) :][: 5 * SAMPLE_RATE]
    noise *= (SPEECH_RMS / 10) / np.sqrt(np.mean(noise**2))  # 20 dB under the voice
    speech = synthesize("begin quick", Voice()).astype(np.float64)
    loud = np.abs(speech) > 80
    speech *= SPEECH_RMS / np.sqrt(np.mean(speech[loud] ** 2))
    mic = noise.copy()
    mic[2 * SAMPLE_RATE : 2 * SAMPLE_RATE + len(speech)] += speech
    return np.clip(np.round(mic), -32768, 32767).astype(np.int16)


class PacedChunks:
    """A microphone that hands out `audio` in 50 ms chunks once `go` is set, then ends; its
    clock is the audio's own, as a real-time device's would be."""

    def __init__(self, audio: Samples) -> None:
        self._chunks = [audio[start : start + CHUNK] for start in range(0, len(audio), CHUNK)]
        self.go = threading.Event()
        self.read_samples = 0

    def read(self, timeout: float | None = None) -> Samples | None:
        self.go.wait()
        if not self._chunks:
            return None
        chunk = self._chunks.pop(0)
        self.read_samples += len(chunk)
        return chunk

    def clock(self) -> float:
        return self.read_samples / SAMPLE_RATE

    def close(self) -> None:
        pass


def heard_live(library: Library, audio: Samples, guard: EchoGuard | None) -> list[Heard]:
    listener = build_listener(library.grammar,
                              HearingOptions(backend=Backend.POCKETSPHINX, profile=False))
    source = PacedChunks(audio)
    inbox: queue.Queue[object] = queue.Queue()
    entries: list[Entry] = []
    microphone = MicrophoneInput(source, listener, guard, inbox.put, entries.append,  # type: ignore[arg-type]
                                 source.clock)
    microphone.start()
    source.go.set()
    heard: list[Heard] = []
    while (item := inbox.get(timeout=30)) is not QUIT:
        if isinstance(item, Heard):
            heard.append(item)
    microphone.close()
    return heard


def test_a_muted_coach_has_no_echo_guard_and_one_with_a_voice_has() -> None:
    assert echo_guard(hearing=True, speaking=False) is None
    assert echo_guard(hearing=False, speaking=True) is None
    assert isinstance(echo_guard(hearing=True, speaking=True), EchoGuard)


@needs_espeak
def test_a_muted_live_coach_hears_a_command_over_a_running_tap(library: Library) -> None:
    heard = heard_live(library, tap_with_command(),
                       echo_guard(hearing=True, speaking=False))
    assert [h.command.intent for h in heard] == [Intent.START]

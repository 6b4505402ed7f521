"""What every source's audio goes through before a recogniser hears it: a level the models
expect, a noise floor under digital silence, and one notice when the microphone clips.

Loud and clipped input wrecks recognition (a speaker at -11 dBFS with two thirds of his clips
clipped: 17 of 128 understood; the same clips 10 dB down: 55), and files with digital silence
around the speech derail PocketSphinx. Per 10 ms frame:

    input ─► clip runs? ─┐
      │                  ├─► clipping monitor (speech frames only) ─► on_clipping(message), once
      ├─► VAD + level ───┤
      │                  └─► automatic gain (speech frames teach it; silence leaves it alone)
      ▼                                   │
    one frame of delay ──► gain (limited so no sample reaches full scale) ─► noise floor ─► out

The one frame (10 ms) of delay lets each frame's own peak cap its gain, so a shout after quiet
speech is not clipped by a gain that has not come down yet. Output is as long as the input
chunk, whatever its size, and the same for any chunking: frames are cut from the stream, not
from the chunks. Deterministic: the only randomness is the seeded noise floor.

Place it after echo cancellation: a gain that moves would look to the echo canceller like a
changing room.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from .clipping import ClippingMonitor, ClipRuns
from .gain_control import DEFAULT_GAIN, AutomaticGain, GainSettings
from .noise_floor import Floats, NoiseFloor
from .source import SAMPLE_RATE, Samples
from .synthetic import NOISE_FLOOR_RMS

FRAME_S = 0.01
FRAME_SAMPLES = round(FRAME_S * SAMPLE_RATE)
DELAY_SAMPLES = FRAME_SAMPLES  # what the conditioner adds to every decision's latency
PEAK_LIMIT = 32_000.0  # no sample is made louder than this (the clipping detector's level)
VAD_MODE = 3  # the WebRTC VAD's strictest: the level meter wants to be sure it hears a voice


class SpeechDetector(Protocol):
    def is_speech(self, frame: bytes) -> bool:
        """Whether one 10 ms frame of 16 kHz int16 audio holds speech."""

    def reset(self) -> None:
        """Forget the stream so far (the WebRTC VAD adapts to what it has heard)."""


class SphinxFrameVad:
    """PocketSphinx's port of the WebRTC VAD, on 10 ms frames."""

    def __init__(self, mode: int = VAD_MODE) -> None:
        self._mode = mode
        self.reset()

    def is_speech(self, frame: bytes) -> bool:
        return bool(self._vad.is_speech(frame))

    def reset(self) -> None:
        import pocketsphinx

        self._vad: Any = pocketsphinx.Vad(self._mode, SAMPLE_RATE, FRAME_S)


class InputConditioner:
    def __init__(
        self,
        on_clipping: Callable[[str], None] | None = None,
        seed: int = 0,
        settings: GainSettings = DEFAULT_GAIN,
        speech: SpeechDetector | None = None,
        floor_rms: float = NOISE_FLOOR_RMS,
    ) -> None:
        self.settings = settings
        self._speech = speech if speech is not None else SphinxFrameVad()
        self._clipping = ClippingMonitor(on_clipping)
        self._floor = NoiseFloor(floor_rms, seed)
        self._ramp = np.arange(1, FRAME_SAMPLES + 1, dtype=np.float64) / FRAME_SAMPLES
        self.reset()

    @property
    def clipping_noticed(self) -> bool:
        """The microphone was heard clipping (reported once, through `on_clipping`)."""
        return self._clipping.noticed

    @property
    def gain_db(self) -> float:
        return self._gain.gain_db

    def reset(self) -> None:
        """A new stream: the level is learnt afresh; a clipping notice already given stays."""
        self._gain = AutomaticGain(self.settings)
        self._speech.reset()
        self._runs = ClipRuns()
        self._clipping.forget_audio()
        self._floor.reset()
        self._applied = 1.0  # linear gain at the end of the last frame
        self._pending = np.zeros(0, dtype=np.int16)  # input not yet a whole frame
        # The delay's first frame is the floor alone.
        self._ready = self._floor.add(np.zeros(DELAY_SAMPLES))

    def process(self, chunk: Samples) -> Samples:
        """The conditioned audio, as many samples as `chunk`, DELAY_SAMPLES late."""
        pending = np.concatenate((self._pending, chunk.astype(np.int16, copy=False)))
        whole = len(pending) - len(pending) % FRAME_SAMPLES
        frames = [self._frame(pending[start : start + FRAME_SAMPLES])
                  for start in range(0, whole, FRAME_SAMPLES)]
        self._pending = pending[whole:]
        ready = np.concatenate((self._ready, *frames))
        out, self._ready = ready[: len(chunk)], ready[len(chunk) :]
        return _to_int16(out)

    def flush(self) -> Samples:
        """The last DELAY_SAMPLES of the stream, still held by the delay (call at its end)."""
        held = len(self._pending)
        last = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        last[:held] = self._pending
        out = np.concatenate((self._ready, self._frame(last)[:held]))
        self._ready = np.zeros(0)
        self._pending = np.zeros(0, dtype=np.int16)
        return _to_int16(out)

    def _frame(self, frame: Samples) -> Floats:
        signal = frame.astype(np.float64)
        power = float(np.mean(signal**2))
        clipped = self._runs.in_frame(frame)
        voiced = self._speech.is_speech(frame.tobytes())
        speech = self._gain.is_speech(power, voiced)
        self._clipping.observe(clipped and speech)
        wanted = 10.0 ** (self._gain.update(power, speech, clipped) / 20.0)
        peak = float(np.max(np.abs(signal)))
        limit = PEAK_LIMIT / peak if peak > 0 else wanted
        # Glide from the last frame's gain to this one's, never above this frame's limit.
        glide = np.minimum(self._applied + (wanted - self._applied) * self._ramp, limit)
        self._applied = min(wanted, limit)
        return self._floor.add(signal * glide)


def _to_int16(signal: Floats) -> Samples:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)

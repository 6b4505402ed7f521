"""A voice-activity gate in front of a recogniser: only audio that sounds like speech (with a
pre-roll before it and a hangover after it) reaches the decoder; the rest is dropped.

On by default in front of Vosk, which decodes every frame it is given (1.75 % of a core here in
a quiet room, 0.01 % gated; see the idle figures of `voicecoach bench`); not in front of
PocketSphinx, whose own endpointer runs the same detector (the gate saved a tenth of its CPU and
cost a few commands). It wraps any `Recognizer`, so the listener does not know it is there:

    idle ──(speech in ≥ open_ratio of the last pre-roll frames)──► open
      ▲          (the pre-roll, then every frame, goes to the decoder)
      │                                   │
      └──(no speech for hangover_s: the decoder's utterance is finished)──┘

Closing finishes the decoder's utterance itself: the decoder never sees the silence after the
speech, so it could not find the end by itself (Vosk waits 0.5-1 s of it).

The detector is the WebRTC VAD: `pocketsphinx.Vad` (a port of it, already a dependency) or the
`webrtcvad` module of the `webrtcvad-wheels` package; both decide every frame alike.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ..audio.source import SAMPLE_RATE, Samples
from ..core.grammar import CommandGrammar
from .recognizer import Hypothesis, NarrowableRecognizer, Recognizer

FRAME_S = 0.03  # the longest frame the WebRTC VAD takes
FRAME_SAMPLES = round(FRAME_S * SAMPLE_RATE)
FRAME_BYTES = FRAME_SAMPLES * 2


class SpeechDetector(Protocol):
    def is_speech(self, frame: bytes) -> bool:
        """Whether one 30 ms frame of 16 kHz int16 audio holds speech."""


class SphinxVad:
    """PocketSphinx's port of the WebRTC VAD: no extra dependency."""

    name = "pocketsphinx.Vad"

    def __init__(self, mode: int) -> None:
        import pocketsphinx

        self._vad: Any = pocketsphinx.Vad(mode, SAMPLE_RATE, FRAME_S)
        if self._vad.frame_bytes != FRAME_BYTES:  # pragma: no cover - 16 kHz is exact
            raise ValueError(f"pocketsphinx.Vad wants {self._vad.frame_bytes}-byte frames")

    def is_speech(self, frame: bytes) -> bool:
        return bool(self._vad.is_speech(frame))


class WebRtcVad:
    """Google's WebRTC VAD from the `webrtcvad-wheels` package (imported as `webrtcvad`)."""

    name = "webrtcvad"

    def __init__(self, mode: int) -> None:
        import webrtcvad  # type: ignore[import-untyped, import-not-found, unused-ignore]

        self._vad: Any = webrtcvad.Vad(mode)

    def is_speech(self, frame: bytes) -> bool:
        return bool(self._vad.is_speech(frame, SAMPLE_RATE))


def detector(name: str, mode: int) -> SpeechDetector:
    """`pocketsphinx` or `webrtcvad`; mode 0 (lenient) to 3 (most sure before it says speech)."""
    if name == "webrtcvad":
        return WebRtcVad(mode)
    return SphinxVad(mode)


@dataclass(frozen=True)
class GateSettings:
    mode: int = 3  # the VAD's aggressiveness: 3 lets the least noise through
    pre_roll_s: float = 0.3  # audio kept from before the gate opens (the word's onset)
    open_ratio: float = 0.5  # share of speech frames in the pre-roll that opens the gate
    hangover_s: float = 0.3  # no speech for this long closes it (pauses inside a command)


class VadGate:
    """A `Recognizer` that forwards only gated audio to `inner`; stream times are mapped back
    from the decoder's (gated) stream to the listener's (whole) one."""

    def __init__(self, inner: Recognizer, speech: SpeechDetector,
                 settings: GateSettings = GateSettings()) -> None:
        self.inner = inner
        self.name = f"{inner.name}+vad"
        # The gate ends each utterance itself once the hangover has passed in silence.
        self.endpoint_silence_s = min(inner.endpoint_silence_s, settings.hangover_s)
        self._speech = speech
        self._window = max(1, round(settings.pre_roll_s / FRAME_S))
        self._open_count = max(1, round(settings.open_ratio * self._window))
        self._hangover = max(1, round(settings.hangover_s / FRAME_S))
        self.frames_seen = 0  # counters, for the benchmark: how much reached the decoder
        self.frames_passed = 0
        self._pending = bytearray()
        self._recent: deque[tuple[bytes, bool]] = deque(maxlen=self._window)
        self._open = False
        self._quiet = 0  # frames without speech since the last one with it
        self._frames = 0  # frames since the last reset: the gate's own clock
        self._origin_s = 0.0  # where the decoder's stream began, on the gate's clock
        self.reset()

    def accept(self, samples: Samples) -> list[Hypothesis]:
        self._pending += samples.tobytes()
        hypotheses: list[Hypothesis] = []
        while len(self._pending) >= FRAME_BYTES:
            frame = bytes(self._pending[:FRAME_BYTES])
            del self._pending[:FRAME_BYTES]
            hypotheses += self._frame(frame)
        return hypotheses

    def _frame(self, frame: bytes) -> list[Hypothesis]:
        self.frames_seen += 1
        self._frames += 1
        speech = self._speech.is_speech(frame)
        if not self._open:
            self._recent.append((frame, speech))
            if sum(voiced for _, voiced in self._recent) < self._open_count:
                return []
            self._open, self._quiet = True, 0
            # The decoder's stream starts afresh at the first pre-roll frame.
            self._origin_s = (self._frames - len(self._recent)) * FRAME_S
            held = b"".join(audio for audio, _ in self._recent)
            self._recent.clear()
            return self._forward(held)
        self._quiet = 0 if speech else self._quiet + 1
        hypotheses = self._forward(frame)
        if self._quiet >= self._hangover:
            hypotheses += self._close()
        return hypotheses

    def _forward(self, audio: bytes) -> list[Hypothesis]:
        self.frames_passed += len(audio) // FRAME_BYTES
        return self._mapped(self.inner.accept(_samples(audio)))

    def _close(self) -> list[Hypothesis]:
        self._open = False
        hypotheses = self._mapped(self.inner.finish())
        self.inner.reset()  # the next opening is a new stream for the decoder
        return hypotheses

    def _mapped(self, hypotheses: list[Hypothesis]) -> list[Hypothesis]:
        def moved(seconds: float | None) -> float | None:
            return None if seconds is None else self._origin_s + seconds

        return [replace(h, speech_end_s=moved(h.speech_end_s),
                        speech_start_s=moved(h.speech_start_s)) for h in hypotheses]

    def listen_for(self, grammar: CommandGrammar) -> None:
        if isinstance(self.inner, NarrowableRecognizer):
            self.inner.listen_for(grammar)

    def finish(self) -> list[Hypothesis]:
        return self._mapped(self.inner.finish())

    def reset(self) -> None:
        self.inner.reset()
        self._pending.clear()
        self._recent.clear()
        self._open = False
        self._quiet = 0
        self._frames = 0
        self._origin_s = 0.0

    @property
    def passed_share(self) -> float | None:
        """Share of the audio that reached the decoder since the counters were last zeroed."""
        return self.frames_passed / self.frames_seen if self.frames_seen else None


def _samples(audio: bytes) -> Samples:
    import numpy as np

    return np.frombuffer(audio, dtype=np.int16)

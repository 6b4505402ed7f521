"""Where a word ends in a noisy room: a neural speech detector (Silero VAD, silero_vad.py)
follows each open utterance and says when the speech in it is over.

The proposing endpointer (speech_floor.py) opens an utterance when the WebRTC VAD hears speech
and it stands out from the room's floor; it used to close it only when neither held any more.
But the WebRTC VAD takes a clattering plate, a tap or a bike for a voice, and a clatter stands
out from the floor as a word does: a clatter soon after the word kept the utterance open, so its
end depended on what the noise did next (0.5-1.2 s late over dish-washing at 15-25 dB SNR), and
the recogniser and the verifier heard the clatter as part of the command. Silero tells a voice
from a clatter: its probability drops within about 60 ms of the word's end, whatever the noise.

It runs only while an utterance is open (about 0.1 ms of CPU per 32 ms of audio here), so a
quiet room costs nothing. An utterance in which it never hears speech is left to the floor's rules,
so a voice it does not take for one is still heard as before.
"""

from __future__ import annotations

import logging
from typing import Protocol

from ..audio.source import SAMPLE_RATE
from .silero_vad import CHUNK_SAMPLES, SileroMissing, SileroVad

CHUNK_BYTES = CHUNK_SAMPLES * 2
# Silero's own speech-timestamp defaults: speech from 0.5, over once below 0.5 - 0.15.
SPEECH_PROBABILITY = 0.5
QUIET_PROBABILITY = 0.35
# Quiet this long after speech ends the utterance. Over the shared noises, with held-out espeak-ng
# voices (slow ones too), 0.15 s split "how long left" and "that hurts" in two (3 of 1080 at 25 dB)
# and 0.25 s never did; the end of speech itself is found to within 0.05 s (median) either way.
QUIET_FOR_S = 0.25


class SpeechProbability(Protocol):
    """A stateful speech detector: the probability that each 32 ms chunk (512 samples of 16 kHz
    int16 audio) is speech, given what it heard since its last reset."""

    def __call__(self, chunk: bytes, /) -> float: ...

    def reset(self) -> None: ...


def silero() -> SpeechProbability | None:
    """Silero VAD as the package ships it; None when it cannot load, and the floor's rules
    alone end utterances, as they did before it."""
    try:
        return SileroVad()
    except SileroMissing as exc:
        logging.getLogger(__name__).warning("%s; utterances end by the noise floor alone", exc)
        return None


class SpeechEnd:
    """Follows one utterance at a time: `begin` with its first audio, `feed` the rest as it
    comes; `ended` once speech was heard and then `quiet_for_s` of no speech."""

    def __init__(self, detector: SpeechProbability, quiet_for_s: float = QUIET_FOR_S) -> None:
        self._detector = detector
        self._quiet_chunks = max(1, round(quiet_for_s * SAMPLE_RATE / CHUNK_SAMPLES))
        self._pending = bytearray()
        self._clock_s = 0.0  # stream seconds at the end of the last chunk judged
        self._quiet = 0  # chunks in a row below QUIET_PROBABILITY since the last speech
        self.speech_end_s: float | None = None  # end of the last chunk heard as speech

    def begin(self, start_s: float, audio: bytes) -> None:
        """A new utterance, starting at stream second `start_s` with `audio`."""
        self._detector.reset()
        self._pending.clear()
        self._clock_s = start_s
        self._quiet = 0
        self.speech_end_s = None
        self.feed(audio)

    def feed(self, audio: bytes) -> None:
        self._pending += audio
        while len(self._pending) >= CHUNK_BYTES:
            probability = self._detector(bytes(self._pending[:CHUNK_BYTES]))
            del self._pending[:CHUNK_BYTES]
            self._clock_s += CHUNK_SAMPLES / SAMPLE_RATE
            if probability >= SPEECH_PROBABILITY:
                self.speech_end_s, self._quiet = self._clock_s, 0
            elif probability < QUIET_PROBABILITY:
                self._quiet += 1
            else:  # in between: the word's fading end, or a pause inside the command
                self._quiet = 0

    @property
    def ended(self) -> bool:
        return self.speech_end_s is not None and self._quiet >= self._quiet_chunks

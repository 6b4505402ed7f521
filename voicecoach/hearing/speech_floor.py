"""Speech must stand out from the room: the proposing endpointer counts a frame as speech only
when the WebRTC VAD says so and the frame is louder than the room's recent noise floor.

The WebRTC VAD judges each frame by its spectrum, not by how it compares with the room. Steady
noise 10 dB under the voice (the shared recordings of a running tap, an exercise bike, dishes
being done) is speech to it from the first frame: PocketSphinx's endpointer opened at 0 s and
was still open 20 s later, with four commands said in it, so nothing said in that room was
decided until the stream stopped. At 20 dB the first command came 6 s late, glued to the noise
before it. With the floor, each command is an utterance of its own that ends with it
(tests/test_speech_floor.py).

The floor is a low percentile of the last few seconds' frame energies: it follows the room as
it changes and is not pulled up by a few seconds of speech.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

from .speech_end import SpeechEnd

# Tried on 60 synthetic commands in the shared noises and on the shared recordings: 3 dB over
# the 30th percentile heard as many recorded commands as before; 6 dB over the 10th heard
# fewer noisy ones at 10 dB SNR.
FLOOR_S = 4.0  # how much of the recent past the floor is taken from
FLOOR_PERCENTILE = 30.0
MARGIN_DB = 3.0
WARM_UP_FRAMES = 5  # before this many frames there is no floor yet: every frame counts
START_LOUD_SHARE = 0.5  # of the endpointer's window, standing out, for an utterance to begin
# The longest command ("coach, yes I'm okay to continue" said slowly) takes about 3 s; an
# utterance still open after this is noise the floor has not caught up with.
MAX_UTTERANCE_S = 6.0
# What the decoder hears after the end of speech Silero found (speech_end.py). Silero may end
# a word before its last quiet consonant: cut there, "stop" was heard as "slow" (2 of 52 quiet
# commands). The whole window after it (0.3 s of dish-washing noise) made "start glutes"
# "start the hip". 0.2 s is about the quiet the decoder heard after a word before.
DECODER_TAIL_S = 0.2


def percentile(values: npt.NDArray[np.float64], percent: float) -> float:
    """`np.percentile(values, percent)` (its default, linear method), to the last bit: the
    floor asks it every 30 ms of listening, and numpy's general version spends 20 µs a call
    here where a partition needs 2 (tests/test_speech_floor.py compares the two)."""
    index = (percent / 100.0) * (len(values) - 1)
    low = math.floor(index)
    high = min(low + 1, len(values) - 1)
    ordered = np.partition(values, [low, high])
    below, above = float(ordered[low]), float(ordered[high])
    step, gap = index - low, above - below
    # numpy's own interpolation: from the nearer end, so that it lands on `above` exactly.
    return above - gap * (1 - step) if step >= 0.5 else below + gap * step


class SpeechFloor:
    """Whether each frame (int16 bytes, in stream order) stands out from the room's floor."""

    def __init__(self, frame_seconds: float, margin_db: float = MARGIN_DB,
                 seconds: float = FLOOR_S, percentile: float = FLOOR_PERCENTILE) -> None:
        # The recent energies, in a ring: the order does not matter to a percentile.
        self._energies = np.zeros(max(1, round(seconds / frame_seconds)))
        self._count = 0  # frames heard since the last reset
        self._margin_db = margin_db
        self._percentile = percentile

    def stands_out(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype=np.int16).astype(np.float64)
        power = float(np.mean(samples * samples)) if len(samples) else 0.0
        energy_db = 10.0 * float(np.log10(power + 1.0))
        self._energies[self._count % len(self._energies)] = energy_db
        self._count += 1
        if self._count < WARM_UP_FRAMES:
            return True
        recent = self._energies[: min(self._count, len(self._energies))]
        return energy_db >= percentile(recent, self._percentile) + self._margin_db

    def reset(self) -> None:
        self._count = 0


class FloorEndpointer:
    """PocketSphinx's endpointer (the same window, ratio and WebRTC VAD, the same interface:
    frame for frame the same decisions in a quiet room), which also asks how much of the window
    stands out from the room's floor. The VAD always hears the audio as it is (frames silenced
    in front of it retrain its noise model, and it then takes the next noise for speech).

    An utterance begins when more than `ratio` of the window's frames are speech to the VAD and
    at least START_LOUD_SHARE stand out from the floor (a word's quiet consonants need not); it
    ends when `speech_end` (speech_end.py) has heard speech in it and then none, when more than
    `ratio` are not speech, after two windows in a row that do not stand out, or after
    MAX_UTTERANCE_S.
    `process` hands back each frame a window late, while an utterance is open; when
    `speech_end` ends it, the frames still held up to DECODER_TAIL_S after the end of speech
    come back at once.
    """

    def __init__(self, window_s: float, ratio: float, vad_mode: int,
                 sample_rate: int = 16_000, speech_end: SpeechEnd | None = None) -> None:
        import pocketsphinx

        self._vad = pocketsphinx.Vad(vad_mode, sample_rate, 0.03)
        self.frame_length = float(self._vad.frame_length)
        self.frame_bytes = int(self._vad.frame_bytes)
        self._rate = sample_rate
        self._floor = SpeechFloor(self.frame_length)
        length = max(1, round(window_s / self.frame_length))
        self._window: deque[tuple[bytes, bool, bool]] = deque(maxlen=length)
        # As PocketSphinx counts it: more than `ratio` of the window (all 10 frames at 0.9).
        self._needed = ratio * length
        self._max_frames = round(MAX_UTTERANCE_S / self.frame_length)
        self._frames = 0
        self._utterance_frames = 0
        self._quiet_run = 0  # frames in a row that did not stand out
        self._speech_end = speech_end
        self.in_speech = False
        self.speech_start = 0.0
        self.speech_end = 0.0

    def process(self, frame: bytes) -> bytes | None:
        voiced = bool(self._vad.is_speech(frame))
        stands_out = self._floor.stands_out(frame)
        self._window.append((frame, voiced, stands_out))
        self._frames += 1
        self._quiet_run = 0 if stands_out else self._quiet_run + 1
        length = len(self._window)
        if length < (self._window.maxlen or 1):
            return None
        spoken = sum(voiced for _, voiced, _ in self._window)
        loud = sum(stands_out for _, _, stands_out in self._window)
        oldest_s = (self._frames - length) * self.frame_length
        if not self.in_speech:
            if spoken <= self._needed or loud < START_LOUD_SHARE * length:
                return None
            self.in_speech, self.speech_start = True, oldest_s
            self._utterance_frames = 0
            if self._speech_end is not None:
                self._speech_end.begin(oldest_s, b"".join(audio for audio, _, _ in self._window))
        else:
            self._utterance_frames += 1
            if self._speech_end is not None:
                self._speech_end.feed(frame)
                if self._speech_end.ended and self._speech_end.speech_end_s is not None:
                    return self._ended_with_speech(self._speech_end.speech_end_s)
            # Quiet for two windows: the decoder has had a window of the quiet after the
            # words (a final "k" or "t" is under many a room's floor).
            if (length - spoken > self._needed or self._quiet_run >= 2 * length
                    or self._utterance_frames >= self._max_frames):
                self.in_speech, self.speech_end = False, oldest_s + self.frame_length
        return self._window[0][0]

    def _ended_with_speech(self, speech_end_s: float) -> bytes:
        """The utterance over where the speech ended: the frames the window holds up to
        DECODER_TAIL_S after it go to the decoder now, and the next utterance begins with a
        window of new frames."""
        self.in_speech, self.speech_end = False, speech_end_s
        first_s = (self._frames - len(self._window)) * self.frame_length
        held = b"".join(audio for i, (audio, _, _) in enumerate(self._window)
                        if first_s + i * self.frame_length < speech_end_s + DECODER_TAIL_S)
        self._window.clear()
        return held

    def end_stream(self, tail: bytes) -> bytes:
        """What the window still holds after the frame last handed back, then `tail`."""
        held = [frame for frame, _, _ in list(self._window)[1:]] if self.in_speech else []
        self.in_speech = False
        self.speech_end = self._frames * self.frame_length + len(tail) / 2 / self._rate
        self._window.clear()
        return b"".join(held) + tail

"""Where the speech is in an utterance, by energy, and the utterance cut the way the command
verifier learnt it: the speech with a little room around it.

The verifier is trained on speech cut like this; the detector's own utterance bounds are looser
(its endpointer waits out a window of silence), and the classifier read a longer tail of
silence as other speech ("next" with 0.3 s of silence after it: 95 % next; with 1 s: 100 %
other), so every utterance is cut again here before it is judged.
"""

from __future__ import annotations

import numpy as np

from ..audio.source import SAMPLE_RATE, Samples

FRAME = 320  # 20 ms


def speech_bounds(audio: Samples, floor_db: float = 30.0) -> tuple[int, int]:
    """Where the speech is, by energy: the first and last 20 ms frame within `floor_db` of the
    loudest one, as sample offsets (start, end). The whole clip when it is all quiet."""
    frames = len(audio) // FRAME
    if frames == 0:
        return 0, len(audio)
    power = np.mean(audio[: frames * FRAME].astype(np.float64).reshape(frames, FRAME) ** 2,
                    axis=1)
    noise = np.percentile(power, 10)
    threshold = max(power.max() * 10 ** (-floor_db / 10), noise * 10 ** (6 / 10))
    loud = np.flatnonzero(power >= threshold)
    if len(loud) == 0:
        return 0, len(audio)
    return int(loud[0] * FRAME), int((loud[-1] + 1) * FRAME)


def crop_utterance(audio: Samples, before: float = 0.3, after: float = 0.3) -> Samples:
    """The utterance as a detector hands it over: the speech found by energy with `before` and
    `after` seconds of room around it."""
    start, end = speech_bounds(audio)
    return audio[max(0, start - round(before * SAMPLE_RATE)) : end + round(after * SAMPLE_RATE)]

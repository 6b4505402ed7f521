"""Hearing "that hurts" and "stop" without waiting for anything else: the urgent words scored on
a sliding window of speech embeddings, 12.5 times a second, as openWakeWord runs its models.

The recogniser hears a command only once the utterance has ended and it has proposed the right
sentence; in steady noise the end comes late or never, and over noise the recogniser proposes
the wrong command far more often than it hears nothing. The spotter needs neither: every 80 ms
it embeds the newest 0.78 s of sound and asks its model whether the last 2.0 s end in an urgent
command. It runs beside the recogniser; the listener acts on whichever hears it first, once.

Streaming costs one run of the embedding model per 80 ms (about 1.4 ms of a desktop core): the
mel spectrogram is computed only for the new audio (frames 10 ms apart line up with the ones
before, so it is the spectrogram of the whole stream), and the level is brought to the
verifier's training level by an offset on the log-mel frames, which is what a gain on the audio
does to them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..audio.source import SAMPLE_RATE, Samples
from ..audio.speech_level import level_db
from .command_classifier import (
    MAX_GAIN_DB,
    MIN_GAIN_DB,
    TARGET_LEVEL_DB,
    CommandClassifier,
    context_samples,
    pooled,
)
from .embedding import STEP_FRAMES, WINDOW_FRAMES, SpeechEmbedder
from .spotted import Spotted

MODEL_FILE = "urgent-spotter.npz"
MEL_HOP = SAMPLE_RATE // 100  # 160 samples: one mel frame every 10 ms
STEP = STEP_FRAMES * MEL_HOP  # 1280 samples: one embedding every 80 ms
# The mel model's window reaches 512 samples past a frame's start: the new frames of a step
# need the 480 samples before it (openWakeWord's streaming spectrogram does the same).
MEL_CARRY = 3 * MEL_HOP
# The log-mel frames move by this much per dB of gain (10 log10 power, scaled by 1/10).
MEL_PER_DB = 0.1
# A word stays in the window for several steps: one hit per this long, per command.
REFRACTORY_S = 1.5
THRESHOLDS_KEY = "spotter_thresholds"
# Stricter ones for while the coach speaks: what the spotter hears then includes the residue of
# the coach's own voice, and the coach's lines say "that hurts" and "stop".
OVER_COACH_KEY = "spotter_thresholds_over_coach"


def shipped_spotter_path() -> Path:
    return Path(str(resources.files("voicecoach"))) / "trained" / MODEL_FILE


def thresholds_of(model: CommandClassifier, key: str = THRESHOLDS_KEY) -> dict[str, float]:
    """The labels the spotter acts on, each with the probability it needs (from its card).
    A card without thresholds over the coach uses the ordinary ones there too."""
    found = model.card.get(key) or model.card.get(THRESHOLDS_KEY, {})
    return {str(label): float(p) for label, p in found.items() if label in model.labels}


class UrgentSpotter:
    """Feed it the microphone's samples in any block size; it returns what it spotted."""

    def __init__(self, model: CommandClassifier, thresholds: Mapping[str, float] | None = None,
                 embedder: SpeechEmbedder | None = None,
                 over_coach: Mapping[str, float] | None = None) -> None:
        self.model = model
        self.thresholds = dict(thresholds if thresholds is not None else thresholds_of(model))
        self.over_coach = {label: max(p, self.thresholds[label]) for label, p in (
            over_coach if over_coach is not None else thresholds_of(model, OVER_COACH_KEY)
        ).items() if label in self.thresholds}
        self._embedder = embedder or model.embedder
        self._columns = {label: model.labels.index(label) for label in self.thresholds}
        self._level_samples = context_samples(model.context_frames)
        self.reset()

    def reset(self, start_s: float = 0.0) -> None:
        """Nothing heard yet; the stream now stands at `start_s` seconds."""
        self._audio = np.zeros(0, dtype=np.int16)  # the last 2 s and the step being filled
        self._start_s = start_s
        self._consumed = 0  # samples since the reset before `_audio` begins
        self._pending = 0  # samples of `_audio` not yet turned into mel frames
        self._mel: deque[npt.NDArray[np.float32]] = deque(maxlen=WINDOW_FRAMES)
        self._embeddings: deque[npt.NDArray[np.float32]] = deque(
            maxlen=self.model.context_frames)
        self._last_hit: dict[str, float] = {}

    def feed(self, samples: Samples) -> list[Spotted]:
        self._audio = np.concatenate([self._audio, samples.astype(np.int16, copy=False)])
        self._pending += len(samples)
        spotted: list[Spotted] = []
        while self._pending >= STEP:
            self._pending -= STEP
            spotted += self._step(len(self._audio) - self._pending)
        keep = max(self._level_samples, MEL_CARRY + STEP) + self._pending
        if len(self._audio) > keep:
            self._consumed += len(self._audio) - keep
            self._audio = self._audio[-keep:]
        return spotted

    def _step(self, end: int) -> list[Spotted]:
        """One 80 ms step ending `end` samples into `_audio`."""
        start = max(0, end - STEP - MEL_CARRY)
        for frame in self._embedder.melspectrogram(self._audio[start:end]):
            self._mel.append(frame)
        if len(self._mel) < WINDOW_FRAMES:
            return []
        recent = self._audio[max(0, end - self._level_samples) : end]
        self._embeddings.append(self._embedding(self._gain_db(recent)))
        if len(self._embeddings) < self.model.context_frames:
            return []
        return self._judge(self._start_s + (self._consumed + end) / SAMPLE_RATE)

    @staticmethod
    def _gain_db(recent: Samples) -> float:
        """The gain `prepared` gives an utterance, for the last 2 s of sound."""
        level = level_db(recent)
        gain = 0.0 if not np.isfinite(level) else TARGET_LEVEL_DB - level
        return float(np.clip(gain, MIN_GAIN_DB, MAX_GAIN_DB))

    def _embedding(self, gain_db: float) -> npt.NDArray[np.float32]:
        window = np.stack(self._mel) + np.float32(gain_db * MEL_PER_DB)
        return self._embedder.embed_mel(window)

    def _judge(self, now_s: float) -> list[Spotted]:
        features = pooled(np.stack(self._embeddings))[None, :]
        probabilities = self.model.all_probabilities(features)[0]
        spotted: list[Spotted] = []
        for label, column in self._columns.items():
            p = float(probabilities[column])
            if p < self.thresholds[label]:
                continue
            last = self._last_hit.get(label)
            if last is not None and now_s - last < REFRACTORY_S:
                continue
            self._last_hit[label] = now_s
            spotted.append(Spotted(label, p, now_s,
                                   over_coach=p >= self.over_coach.get(label, 1.0)))
        return spotted


def load_spotter(path: Path | None = None) -> UrgentSpotter:
    """The spotter at `path` (None: the shipped one). Raises ClassifierError (a missing or
    damaged file) or EmbeddingError (the embedding models missing)."""
    return UrgentSpotter(CommandClassifier.load(path or shipped_spotter_path()))

"""A command classifier of the real shape with random weights, for tests of what does not
depend on what was learnt (labels, saving, loading, choosing which model serves)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from voicecoach.hearing.command_classifier import FEATURE_SIZE, OTHER, CommandClassifier, Layer


def random_classifier(labels: tuple[str, ...], sentences: Sequence[str], seed: int = 0,
                      card: dict[str, Any] | None = None) -> CommandClassifier:
    rng = np.random.default_rng(seed)
    hidden = 8
    layers = [Layer(rng.normal(0, 0.05, (FEATURE_SIZE, hidden)).astype(np.float32),
                    np.zeros(hidden, np.float32)),
              Layer(rng.normal(0, 0.5, (hidden, len(labels))).astype(np.float32),
                    np.zeros(len(labels), np.float32))]
    return CommandClassifier(labels, sentences, np.zeros(FEATURE_SIZE, np.float32),
                             np.ones(FEATURE_SIZE, np.float32), layers,
                             rng.random((20, hidden)).astype(np.float32),
                             np.full(20, labels.index(OTHER)), 16, card=card)

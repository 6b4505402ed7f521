"""Fitting the classifier: scikit-learn's MLP at training time, exported as plain arrays so the
coach runs it with numpy alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..hearing.command_classifier import OTHER, CommandClassifier, Layer

# Anchors kept in the model for few-shot adaptation: other speech, and a few of each command.
ANCHOR_OTHERS = 3000
ANCHORS_PER_COMMAND = 30


@dataclass(frozen=True)
class Candidate:
    hidden: tuple[int, ...]
    alpha: float  # L2 penalty
    epochs: int = 60
    # The weight of all OTHER clips together against all command clips together (None: each
    # clip counts once, and the many negatives outweigh the commands).
    other_weight: float | None = None

    def describe(self) -> str:
        weighting = "" if self.other_weight is None else f", other weighs {self.other_weight:g}"
        return (f"MLP {'x'.join(map(str, self.hidden))}, alpha {self.alpha:g}, "
                f"{self.epochs} epochs{weighting}")


# Tried on the held-out voices (see the model card): flat vectors of all 16 frames with
# 256x128 (alpha 1e-3), 256 (0.1) and 128 (1.0) units fitted the training voices perfectly and
# generalised worse than pooled features; longer contexts (24 frames) did not help.
CANDIDATES = (Candidate((256, 128), 1e-2, other_weight=1.0), Candidate((256, 128), 1e-2),
              Candidate((256,), 0.1, other_weight=1.0))
QUICK_CANDIDATES = (Candidate((32,), 1e-3, epochs=40),)


def fit(
    features: npt.NDArray[np.float32],
    targets: npt.NDArray[np.int64],
    labels: Sequence[str],
    sentences: Sequence[str],
    candidate: Candidate,
    context_frames: int,
    seed: int,
) -> CommandClassifier:
    """A classifier over `labels` (targets index them; every label needs examples)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    missing = sorted(set(range(len(labels))) - set(targets.tolist()))
    if missing:
        raise ValueError(f"no training clips for {labels[missing[0]]!r}")
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-3
    model = MLPClassifier(hidden_layer_sizes=candidate.hidden, alpha=candidate.alpha,
                          batch_size=min(256, len(features)), learning_rate_init=1e-3,
                          max_iter=candidate.epochs,
                          shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # A fixed number of epochs is the point (same run, same model): not converging is fine.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit((features - mean) / scale, targets,
                  sample_weight=_weights(targets, labels.index(OTHER), candidate.other_weight))
    layers = [Layer(np.asarray(w, dtype=np.float32), np.asarray(b, dtype=np.float32))
              for w, b in zip(model.coefs_, model.intercepts_, strict=True)]
    if len(labels) == 2:  # scikit-learn keeps one logistic output for two classes
        last = layers[-1]
        layers[-1] = Layer(np.concatenate([-last.weights / 2, last.weights / 2], axis=1),
                           np.concatenate([-last.bias / 2, last.bias / 2]))
    draft = CommandClassifier(labels, sentences, mean.astype(np.float32),
                              scale.astype(np.float32), layers,
                              np.zeros((0, layers[-1].weights.shape[0]), np.float32),
                              np.zeros(0, np.int64), context_frames)
    anchors, anchor_targets = _anchors(draft, features, targets, labels, seed)
    return CommandClassifier(labels, sentences, mean.astype(np.float32),
                             scale.astype(np.float32), layers, anchors, anchor_targets,
                             context_frames)


def _weights(targets: npt.NDArray[np.int64], other: int, other_weight: float | None
             ) -> npt.NDArray[np.float64] | None:
    if other_weight is None:
        return None
    is_other = targets == other
    weights = np.where(is_other, other_weight / max(is_other.sum(), 1),
                       1.0 / max((~is_other).sum(), 1))
    result: npt.NDArray[np.float64] = weights * len(targets) / weights.sum()
    return result


def _anchors(
    classifier: CommandClassifier,
    features: npt.NDArray[np.float32],
    targets: npt.NDArray[np.int64],
    labels: Sequence[str],
    seed: int,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    other = labels.index(OTHER)
    chosen: list[int] = []
    for label in range(len(labels)):
        rows = np.flatnonzero(targets == label)
        keep = ANCHOR_OTHERS if label == other else ANCHORS_PER_COMMAND
        chosen += sorted(rng.permutation(rows)[:keep].tolist())
    hidden = classifier.hidden(features[chosen]).astype(np.float32)
    return hidden, targets[chosen]

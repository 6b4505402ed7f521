"""Few-shot learning of one user's voice for the command classifier (`voicecoach enroll`).

Only the output layer moves: with 2-3 clips per command there is far too little to retrain the
hidden layers, and a layer that starts from the trained one and is pulled back towards it keeps
everything the synthetic training taught. The anchors, hidden-layer outputs of training clips
(mostly other speech) shipped inside the model, keep it rejecting what is not a command.
Numpy only: enrollment runs on the Raspberry Pi.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from ..audio.source import SAMPLE_RATE, Samples
from ..hearing.classifier_layer import Floats, Layer
from ..hearing.command_classifier import ClassifierError, CommandClassifier

STEPS = 300
LEARNING_RATE = 0.01
# How strongly the weights are held near the trained ones: small enough for the user's clips to
# move the decision, large enough that three clips cannot rewrite it.
PULL_TO_TRAINED = 1e-3
# The user's clips together weigh this much against all anchors together.
USER_WEIGHT = 1.0


def variants(audio: Samples, rng: np.random.Generator) -> Iterator[Samples]:
    """The clip as the microphone may deliver it another time: as recorded, quieter and louder,
    with more room noise, cut a little earlier or later."""
    yield audio
    signal = audio.astype(np.float64)
    for gain_db in (-12.0, 6.0):
        yield _int16(signal * 10 ** (gain_db / 20))
    power = float(np.mean(signal**2)) or 1.0
    yield _int16(signal + rng.normal(0.0, np.sqrt(power / 10 ** (20 / 10)), len(signal)))
    tenth = SAMPLE_RATE // 10
    if len(audio) > 3 * tenth:
        yield audio[tenth:]
        yield audio[: len(audio) - tenth // 2]
    floor = float(np.sqrt(np.percentile(signal[: tenth] ** 2, 50))) if len(audio) else 10.0
    yield _int16(np.concatenate([rng.normal(0.0, max(floor, 5.0), tenth), signal]))


def _int16(signal: npt.NDArray[np.float64]) -> Samples:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: npt.NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def adapt_output_layer(
    weights: npt.NDArray[np.float32],
    bias: npt.NDArray[np.float32],
    user_hidden: npt.NDArray[np.float64],
    user_targets: npt.NDArray[np.int64],
    anchors: npt.NDArray[np.float64],
    anchor_targets: npt.NDArray[np.int64],
    seed: int = 0,
) -> Layer:
    """Cross-entropy on the user's clips and the anchors (equal total weights), Adam, full
    batches, a fixed number of steps: the same clips always give the same model."""
    del seed  # full-batch descent from the trained weights has no randomness left to seed
    w0 = weights.astype(np.float64)
    b0 = bias.astype(np.float64)
    x = np.concatenate([user_hidden, anchors])
    targets = np.concatenate([user_targets, anchor_targets])
    sample_weight = np.concatenate([
        np.full(len(user_hidden), USER_WEIGHT / max(len(user_hidden), 1)),
        np.full(len(anchors), 1.0 / max(len(anchors), 1)),
    ])
    onehot = np.zeros((len(x), w0.shape[1]))
    onehot[np.arange(len(x)), targets] = 1.0
    w, b = w0.copy(), b0.copy()
    moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    for step in range(1, STEPS + 1):
        error = (_softmax(x @ w + b) - onehot) * sample_weight[:, None]
        grad_w = x.T @ error + 2 * PULL_TO_TRAINED * (w - w0)
        grad_b = error.sum(axis=0)
        for i, (param, grad) in enumerate(((w, grad_w), (b, grad_b))):
            m, v = moments[2 * i], moments[2 * i + 1]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad**2
            param -= LEARNING_RATE * (m / (1 - 0.9**step)) / (
                np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Layer(w.astype(np.float32), b.astype(np.float32))


def adapted(classifier: CommandClassifier, examples: Sequence[tuple[str, Samples]],
            seed: int = 0) -> CommandClassifier:
    """A copy of `classifier` fine-tuned on the user's own clips (2-3 per label)."""
    unknown = sorted({label for label, _ in examples} - set(classifier.labels))
    if unknown:
        raise ClassifierError(f"cannot learn {unknown[0]!r}: the command classifier knows "
                              f"only {', '.join(classifier.labels)}")
    if not examples:
        return classifier
    hidden, targets = _example_hidden(classifier, examples, seed)
    last = classifier.output_layer
    anchors, anchor_labels = classifier.anchors
    layer = adapt_output_layer(last.weights, last.bias, hidden, targets,
                               anchors.astype(np.float64), anchor_labels, seed)
    card = {**classifier.card, "adapted_on": {label: sum(1 for lb, _ in examples if lb == label)
                                              for label in sorted({lb for lb, _ in examples})}}
    return classifier.with_output_layer(layer, card)


def _example_hidden(classifier: CommandClassifier, examples: Sequence[tuple[str, Samples]],
                    seed: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    rows: list[Floats] = []
    targets: list[int] = []
    for label, audio in examples:
        for variant in variants(audio, rng):
            rows.append(classifier.features(variant))
            targets.append(classifier.label_index(label))
    return classifier.hidden(np.stack(rows)), np.array(targets, dtype=np.int64)

"""The command verifier: which command (if any) one utterance is, from its speech embeddings.

The "verify" half of "propose, then verify": a recogniser proposes a command, this classifier
says how likely each command the coach would act on now is, and the coach acts when both agree.

The model is a small multilayer perceptron over the last `context_frames` embeddings (80 ms
apart) of the utterance, pooled over time, trained on synthetic speech by `voicecoach train`.
Inference is numpy only: scikit-learn is for training, and the coach must fit in 200 MB on a
Raspberry Pi.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..audio.source import SAMPLE_RATE, Samples
from ..audio.speech_level import level_db
from ..core.errors import VoicecoachError
from ..core.grammar import CommandGrammar
from ..core.intents import Command, Intent
from ..core.vocabulary import INTENTS, VocabularyState
from .classifier_layer import Floats as Floats
from .classifier_layer import Layer as Layer
from .embedding import EMBEDDING_SIZE, MIN_SAMPLES, STEP_FRAMES, SpeechEmbedder

OTHER = "other"
MODEL_FILE = "command-verifier.npz"
FORMAT_VERSION = 2
# Every utterance is brought to this active speech level (dB of int16 units, about -20 dBFS)
# before it is embedded, so a quiet talker and a loud one look alike; the gain is bounded so
# that a room with nobody talking is not turned into a roar.
TARGET_LEVEL_DB = 70.0
MAX_GAIN_DB = 30.0
MIN_GAIN_DB = -30.0
# Padding in front of short utterances: quiet noise, never digital silence, at least this loud.
MIN_PAD_RMS = 8.0


class ClassifierError(VoicecoachError):
    """A model file that cannot be used, or examples that do not fit it; the message says why."""


def label_for(command: Command) -> str:
    """The classifier's label for a command: its intent, with the side said for SIDE."""
    if command.intent is Intent.SIDE:
        return f"side:{command.slots.get('side', '')}"
    return command.intent.value


def _levelled(audio: Samples) -> npt.NDArray[np.float64]:
    level = level_db(audio)
    gain_db = 0.0 if not np.isfinite(level) else TARGET_LEVEL_DB - level
    gain = 10 ** (float(np.clip(gain_db, MIN_GAIN_DB, MAX_GAIN_DB)) / 20)
    return audio.astype(np.float64) * gain


def _quiet_rms(signal: npt.NDArray[np.float64]) -> float:
    """The level of the quietest stretch (10th percentile of 20 ms frames): the room's floor."""
    frames = len(signal) // 320
    if frames == 0:
        return MIN_PAD_RMS
    power = np.mean(signal[: frames * 320].reshape(frames, 320) ** 2, axis=1)
    return max(MIN_PAD_RMS, float(np.sqrt(np.percentile(power, 10))))


def context_samples(context_frames: int) -> int:
    """Audio needed for `context_frames` embeddings (2.0 s for 16)."""
    return MIN_SAMPLES + (context_frames - 1) * STEP_FRAMES * SAMPLE_RATE // 100


def prepared(audio: Samples, context_frames: int) -> Samples:
    """The utterance as the model sees it: levelled, and padded in front with its own noise
    floor when shorter than the model's context (a 0.4 s "stop" becomes 2 s)."""
    signal = _levelled(audio)
    missing = context_samples(context_frames) - len(signal)
    if missing > 0:
        # A fixed seed: the same clip always gives the same answer. Drawn from the speech
        # backwards, so the padding next to the speech is the same however much is needed.
        pad = np.random.default_rng(0).normal(0.0, _quiet_rms(signal), missing)[::-1]
        signal = np.concatenate([pad, signal])
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def utterance_frames(embedder: SpeechEmbedder, audio: Samples, context_frames: int) -> Floats:
    """(context_frames, 96): the last embeddings of the prepared utterance."""
    frames: Floats = embedder.embed(prepared(audio, context_frames))[-context_frames:]
    return frames


EDGE_FRAMES = 8  # the first and last 0.64 s of the context, summarised on their own
FEATURE_SIZE = 5 * EMBEDDING_SIZE


def pooled(frames: Floats) -> Floats:
    """(..., frames, 96) -> (..., 480): mean, maximum and spread over the context, and the
    means of its first and last frames. Pooled over time, a word said 0.2 s earlier looks the
    same: a flat vector of all frames fitted the training voices perfectly and new voices
    worse (held-out voices, at under 4% of other speech acted on, 45% against 50%)."""
    frames = frames.astype(np.float32)
    result: Floats = np.concatenate([
        frames.mean(axis=-2), frames.max(axis=-2), frames.std(axis=-2),
        frames[..., -EDGE_FRAMES:, :].mean(axis=-2), frames[..., :EDGE_FRAMES, :].mean(axis=-2),
    ], axis=-1)
    return result


def utterance_features(embedder: SpeechEmbedder, audio: Samples, context_frames: int) -> Floats:
    """One vector (480 numbers) describing the prepared utterance."""
    return pooled(utterance_frames(embedder, audio, context_frames))


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    result: npt.NDArray[np.float64] = shifted / shifted.sum(axis=-1, keepdims=True)
    return result


class CommandClassifier:
    """Labels are intents ("stop", "pause", "side:left", ...) plus OTHER (anything else)."""

    def __init__(
        self,
        labels: Sequence[str],
        trained_sentences: Iterable[str],
        mean: Floats,
        scale: Floats,
        layers: Sequence[Layer],
        anchors: Floats,
        anchor_labels: npt.NDArray[np.int64],
        context_frames: int = 16,
        card: dict[str, Any] | None = None,
        embedder: SpeechEmbedder | None = None,
    ) -> None:
        """`anchors`: the last hidden layer's outputs for a compact set of training clips (most
        of them OTHER), kept so that `adapted` can learn a voice without forgetting to reject
        other speech."""
        if OTHER not in labels:
            raise ClassifierError(f"a command classifier needs the label {OTHER!r}")
        if layers[-1].bias.shape != (len(labels),):
            raise ClassifierError(f"the model has {layers[-1].bias.shape[0]} outputs for "
                                  f"{len(labels)} labels: the file is damaged; retrain it")
        self.labels: tuple[str, ...] = tuple(labels)
        self.trained_sentences: frozenset[str] = frozenset(trained_sentences)
        self.context_frames = context_frames
        self.card: dict[str, Any] = dict(card or {})
        self._mean = mean.astype(np.float32)
        self._scale = scale.astype(np.float32)
        self._layers = tuple(layers)
        self._anchors = anchors
        self._anchor_labels = anchor_labels
        self._embedder = embedder
        self._index = {label: i for i, label in enumerate(self.labels)}

    # --- loading and saving -------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> CommandClassifier:
        """A model written by `save`; None: the model shipped for the built-in library."""
        path = path or shipped_model_path()
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {name: data[name] for name in data.files}
        except FileNotFoundError as exc:
            raise ClassifierError(f"no command classifier at {path}: run `voicecoach train`"
                                  ) from exc
        except (OSError, ValueError, KeyError) as exc:
            raise ClassifierError(f"{path} is not a command classifier ({exc}): retrain it "
                                  "with `voicecoach train`") from exc
        if meta.get("format") != FORMAT_VERSION:
            raise ClassifierError(f"{path} has format {meta.get('format')}, this voicecoach "
                                  f"reads {FORMAT_VERSION}: retrain it with `voicecoach train`")
        layers = [Layer(arrays[f"w{i}"].astype(np.float32), arrays[f"b{i}"].astype(np.float32))
                  for i in range(meta["layers"])]
        return cls(meta["labels"], meta["trained_sentences"], arrays["mean"], arrays["scale"],
                   layers, arrays["anchors"], arrays["anchor_labels"].astype(np.int64),
                   meta["context_frames"], meta.get("card"))

    def save(self, path: Path) -> None:
        meta = {
            "format": FORMAT_VERSION,
            "labels": list(self.labels),
            "trained_sentences": sorted(self.trained_sentences),
            "context_frames": self.context_frames,
            "layers": len(self._layers),
            "card": self.card,
        }
        arrays: dict[str, npt.NDArray[Any]] = {
            "meta": np.array(json.dumps(meta)),
            "mean": self._mean, "scale": self._scale,
            # Half precision: activations this coarse still classify the same, at half the size.
            "anchors": self._anchors.astype(np.float16),
            "anchor_labels": self._anchor_labels.astype(np.int16),
        }
        for i, layer in enumerate(self._layers):
            arrays[f"w{i}"] = layer.weights
            arrays[f"b{i}"] = layer.bias
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            np.savez_compressed(out, allow_pickle=False, **arrays)

    # --- inference ------------------------------------------------------------------------

    @property
    def embedder(self) -> SpeechEmbedder:
        if self._embedder is None:
            self._embedder = SpeechEmbedder()
        return self._embedder

    def covers(self, sentences: Iterable[str]) -> bool:
        """True when every sentence was in this model's training data."""
        return self.trained_sentences.issuperset(sentences)

    def features(self, audio: Samples) -> Floats:
        return utterance_features(self.embedder, audio, self.context_frames)

    def hidden(self, features: Floats) -> npt.NDArray[np.float64]:
        """The last hidden layer's output for a (n, inputs) batch of features."""
        x = (np.atleast_2d(features).astype(np.float64) - self._mean) / self._scale
        for layer in self._layers[:-1]:
            x = np.maximum(x @ layer.weights + layer.bias, 0.0)
        return x

    def logits(self, features: Floats) -> npt.NDArray[np.float64]:
        last = self._layers[-1]
        result: npt.NDArray[np.float64] = self.hidden(features) @ last.weights + last.bias
        return result

    def all_probabilities(self, features: Floats) -> npt.NDArray[np.float64]:
        """(n, labels): every label, for a batch of feature vectors."""
        return _softmax(self.logits(features))

    def probabilities_of(self, features: Floats, allowed: Collection[str]) -> dict[str, float]:
        """`probabilities` for features already computed (the benchmark reuses them)."""
        unknown = sorted(set(allowed) - self._index.keys())
        if unknown:
            raise ClassifierError(f"the command classifier has no label {unknown[0]!r}; it "
                                  f"knows {', '.join(self.labels)}")
        chosen = [label for label in self.labels if label in allowed or label == OTHER]
        logits = self.logits(features)[0]
        # Renormalised over the labels asked about: a softmax over just their logits.
        probabilities = _softmax(np.array([logits[self._index[label]] for label in chosen]))
        return {label: float(p) for label, p in zip(chosen, probabilities, strict=True)}

    def probabilities(self, audio: Samples, allowed: Collection[str]) -> dict[str, float]:
        """How likely `audio` (one utterance with ~0.3 s of room around it) is each allowed
        label, or OTHER; summing to 1."""
        return self.probabilities_of(self.features(audio), allowed)

    # --- what adapting to the user's voice (adapting/classifier_adaptation.py) reads --------

    @property
    def output_layer(self) -> Layer:
        return self._layers[-1]

    @property
    def anchors(self) -> tuple[Floats, npt.NDArray[np.int64]]:
        """The anchors' hidden-layer outputs and their labels (see `__init__`)."""
        return self._anchors, self._anchor_labels

    def label_index(self, label: str) -> int:
        return self._index[label]

    def with_output_layer(self, layer: Layer, card: dict[str, Any]) -> CommandClassifier:
        """The same model with another output layer (a copy; this one is unchanged)."""
        return CommandClassifier(self.labels, self.trained_sentences, self._mean, self._scale,
                                 [*self._layers[:-1], layer], self._anchors, self._anchor_labels,
                                 self.context_frames, card, self._embedder)


def shipped_model_path() -> Path:
    return Path(str(resources.files("voicecoach"))) / "trained" / MODEL_FILE


def user_model_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach")) / MODEL_FILE


def needed_labels(grammar: CommandGrammar) -> frozenset[str]:
    """Every label the coach acts on with `grammar`. The verifier lets through only the labels
    its model knows, so a model without one of them would never hear that command."""
    return frozenset(label_for(command) for sentence in grammar.sentences
                     if (command := grammar.parse(sentence)) is not None)


FORGET_FIX = ("`voicecoach train --forget` goes back to the shipped model (a full "
              "`voicecoach train` makes one that knows them all)")


def refuse_missing_labels(classifier: CommandClassifier, grammar: CommandGrammar,
                          path: Path, fix: str = FORGET_FIX) -> None:
    """Raises ClassifierError naming every command `classifier` was not trained on when it
    lacks a label `grammar` needs (e.g. a `train --quick` model): first, with what the user
    says for them, the ones heard while a safety question waits ("that hurts", "no"...)."""
    missing = needed_labels(grammar) - set(classifier.labels)
    if not missing:
        return
    said: dict[str, list[str]] = {}
    intents: dict[str, Intent] = {}
    for sentence in _trainable(grammar):
        command = grammar.parse(sentence)
        assert command is not None  # a trainable sentence is a command
        said.setdefault(label_for(command), []).append(sentence)
        intents[label_for(command)] = command.intent
    protecting = INTENTS[VocabularyState.ASKED]
    first = sorted(label for label in missing if intents.get(label) in protecting)
    then = sorted(label for label in missing if label not in first)
    named = [label if said.get(label, [label]) == [label]
             else f"{label} ({', '.join(repr(s) for s in said[label])})" for label in first]
    listed = ", ".join(named) + (f"; and {', '.join(then)}" if first and then else
                                 ", ".join(then))
    raise ClassifierError(
        f"{path} is refused: it was not trained on {len(missing)} of the commands the coach "
        f"needs, and would never let them through: {listed}. Fix: {fix}")


def _trainable(grammar: CommandGrammar) -> list[str]:
    """The sentences a model can be trained on: those after the wake word (and the wake word
    alone) are not, since `voicecoach train` never hears the user's wake word."""
    return [sentence for sentence in grammar.sentences
            if (command := grammar.parse(sentence)) is not None and not command.addressed]


def untrained_routines(classifier: CommandClassifier, grammar: CommandGrammar
                       ) -> tuple[str, ...]:
    """The routines whose spoken names `classifier` was never trained on (a user's new
    routines): the detector alone hears "start ..." for them."""
    names = {command.slots.get("routine", "") for sentence in _trainable(grammar)
             if sentence not in classifier.trained_sentences
             and (command := grammar.parse(sentence)) is not None
             and command.intent is Intent.START}
    return tuple(sorted(names - {""}))


@dataclass(frozen=True)
class FoundClassifier:
    classifier: CommandClassifier
    path: Path
    is_user_model: bool
    # Routines whose names the model never heard: "start ..." for them rests on the detector.
    untrained_routines: tuple[str, ...] = ()
    note: str = ""  # why a user model present was not used

    @property
    def covers_grammar(self) -> bool:
        return not self.untrained_routines

    def describe(self) -> str:
        which = "your trained model" if self.is_user_model else "the shipped model"
        names = ", ".join(self.untrained_routines)
        gap = "" if self.covers_grammar else (
            f"; it was not trained on the names of your routines {names}, which the detector "
            "alone will hear until you run `voicecoach train --routines ...`")
        note = f"; {self.note}" if self.note else ""
        return f"command verifier: {which} ({self.path}){gap}{note}"


def find_classifier(grammar: CommandGrammar, user_path: Path | None = None) -> FoundClassifier:
    """The user's model (`user_path`, default: the user data folder) if it knows every command
    of `grammar` and was trained on its sentences, else the shipped one (and why)."""
    user_path = user_path or user_model_path()
    note = ""
    if user_path.is_file():
        try:
            user = CommandClassifier.load(user_path)
            refuse_missing_labels(user, grammar, user_path)
        except ClassifierError as exc:
            # A damaged or partial user model must not stop the coach, nor leave it deaf to a
            # command: the shipped one serves, and says so.
            note = f"{exc}"
        else:
            if user.covers(_trainable(grammar)):
                return FoundClassifier(user, user_path, True)
            note = (f"{user_path} was trained for other routines: run `voicecoach train "
                    "--routines ...` again")
    shipped = CommandClassifier.load()
    return FoundClassifier(shipped, shipped_model_path(), False,
                           untrained_routines(shipped, grammar), note)

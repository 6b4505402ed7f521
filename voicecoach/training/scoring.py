"""Scoring the verifier as the bench scores the coach: each command in the states where it
makes sense, every other utterance in every state; understood and acted-on rates by threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..core.intents import Intent, Side
from ..core.vocabulary import INTENTS, VocabularyState
from ..hearing.command_classifier import OTHER, CommandClassifier

THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9)


def labels_of(intents: frozenset[Intent]) -> frozenset[str]:
    labels = {intent.value for intent in intents if intent is not Intent.SIDE}
    if Intent.SIDE in intents:
        labels |= {f"side:{side.value}" for side in Side}
    return frozenset(labels)


# The four states real recordings are scored in (running, paused, asked yes/no, asked a side).
SCORED_STATES: Mapping[str, frozenset[str]] = {
    state.value: labels_of(INTENTS[state])
    for state in (VocabularyState.RUNNING, VocabularyState.PAUSED, VocabularyState.ASKED,
                  VocabularyState.SIDE)
}
# Every state the coach listens in: for synthetic speech, where every label has a sentence.
ALL_STATES: Mapping[str, frozenset[str]] = {
    state.value: labels_of(INTENTS[state]) for state in VocabularyState
}


@dataclass(frozen=True)
class Decision:
    label: str  # the best allowed label or OTHER
    probability: float


def decide(classifier: CommandClassifier, features: npt.NDArray[np.float32],
           allowed: frozenset[str]) -> Decision:
    usable = allowed & set(classifier.labels)
    probabilities = classifier.probabilities_of(features, usable)
    label = max(probabilities, key=lambda key: probabilities[key])
    return Decision(label, probabilities[label])


def score(
    classifier: CommandClassifier,
    features: Sequence[npt.NDArray[np.float32]],
    truths: Sequence[str],
    states: Mapping[str, frozenset[str]] = SCORED_STATES,
    thresholds: Sequence[float] = THRESHOLDS,
    one_state: Mapping[str, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Per threshold: `understood` (% of command trials answered with the right label at or
    above it), `acted_on` (% of other-speech trials answered with any command at or above it),
    and `wrong_command` (% of command trials answered with another command).

    A command is tried in `one_state[label]` if given, else in every state allowing it; other
    speech in every state."""
    command_trials: list[tuple[str, Decision]] = []
    other_trials: list[Decision] = []
    for vector, truth in zip(features, truths, strict=True):
        if truth == OTHER:
            other_trials += [decide(classifier, vector, allowed) for allowed in states.values()]
            continue
        names = [one_state[truth]] if one_state and truth in one_state else [
            name for name, allowed in states.items() if truth in allowed]
        command_trials += [(truth, decide(classifier, vector, states[name])) for name in names]
    result: dict[str, dict[str, float]] = {}
    for threshold in thresholds:
        right = sum(d.label == truth and d.probability >= threshold for truth, d in command_trials)
        wrong = sum(d.label not in (truth, OTHER) and d.probability >= threshold
                    for truth, d in command_trials)
        acted = sum(d.label != OTHER and d.probability >= threshold for d in other_trials)
        result[f"{threshold:g}"] = {
            "understood": 100 * right / max(len(command_trials), 1),
            "wrong_command": 100 * wrong / max(len(command_trials), 1),
            "acted_on": 100 * acted / max(len(other_trials), 1),
            "command_trials": len(command_trials),
            "other_trials": len(other_trials),
        }
    return result

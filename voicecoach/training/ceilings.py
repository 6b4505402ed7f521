"""The verifier's ceilings on "other speech", chosen per kind of command on the voices held out
from training, by what a mistake costs.

A command is acted on when the classifier favours it among the state's commands and gives
"other speech" at most its kind's ceiling. The higher the ceiling, the more commands get
through, and the more ordinary speech with them. Each kind may act on at most its share of
the held-out other speech: a missed "that hurts" or "stop" costs far more than a stray "pause"
(one "resume" undoes it), and a false "firmer" presses harder, so ordinary commands get the
smallest share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..core.intents import Intent
from ..hearing.command_classifier import OTHER, CommandClassifier
from ..hearing.verification import ANSWER_INTENTS, MIN_SHARE, URGENT_INTENTS
from .scoring import ALL_STATES

# Ceilings tried, from strict to lenient (how sure the classifier may be that it is other
# speech, and still be overruled).
TRIED = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1 - 1e-4, 1 - 1e-5, 1 - 1e-6)


@dataclass(frozen=True)
class Kind:
    name: str
    intents: frozenset[Intent]
    budget: float  # percent of held-out other-speech hearings this kind may act on


# The classifier is asked only about what the recogniser proposed, and acts only when it favours
# that same command, so the coach acts on far less ordinary speech than the classifier alone
# would (the recogniser alone, listening by state, took about a fifth of other words for a
# command). The budgets are the classifier's alone, on hard other speech: near-misses of the
# commands ("couch", "hearts", "stomp"), parts of them and common words, in every state.
KINDS = (
    Kind("urgent", URGENT_INTENTS, 6.0),
    Kind("answers", ANSWER_INTENTS, 3.0),
    Kind("others", frozenset(Intent) - URGENT_INTENTS - ANSWER_INTENTS, 3.0),
)


@dataclass(frozen=True)
class Hearing:
    truth: str
    favoured: str  # the state's command the classifier favours
    share: float  # its share of the state's commands' probability
    other: float  # the probability of other speech


def _intent_of(label: str) -> Intent:
    return Intent(label.split(":")[0])


def hearings(classifier: CommandClassifier, features: Sequence[npt.NDArray[np.float32]],
             truths: Sequence[str]) -> list[Hearing]:
    """Each held-out clip heard in every state: commands where they make sense, other speech
    in every state."""
    result: list[Hearing] = []
    known = set(classifier.labels)
    for vector, truth in zip(features, truths, strict=True):
        for allowed in ALL_STATES.values():
            usable = allowed & known
            if truth != OTHER and truth not in usable:
                continue
            probabilities = classifier.probabilities_of(vector, usable | {OTHER})
            commands = {label: p for label, p in probabilities.items() if label != OTHER}
            if not commands:
                continue
            favoured = max(commands, key=lambda label: commands[label])
            share = commands[favoured] / (sum(commands.values()) or 1.0)
            result.append(Hearing(truth, favoured, share, probabilities.get(OTHER, 0.0)))
    return result


def _figures(heard: Sequence[Hearing], kind: Kind, ceiling: float) -> tuple[float, float]:
    """(commands of this kind understood, other-speech hearings acted on as this kind), %."""
    def acts(h: Hearing) -> bool:
        return (_intent_of(h.favoured) in kind.intents and h.share >= MIN_SHARE
                and h.other <= ceiling)

    own = [h for h in heard if h.truth != OTHER and _intent_of(h.truth) in kind.intents]
    others = [h for h in heard if h.truth == OTHER]
    understood = 100 * sum(acts(h) and h.favoured == h.truth for h in own) / max(len(own), 1)
    acted_on = 100 * sum(acts(h) for h in others) / max(len(others), 1)
    return understood, acted_on


def choose(heard: Sequence[Hearing]) -> tuple[dict[str, float], dict[str, object]]:
    """The most lenient ceiling of each kind within its budget (per intent), and how each
    ceiling tried did (for the model card)."""
    ceilings: dict[str, float] = {}
    tried: dict[str, object] = {}
    for kind in KINDS:
        rows = {f"{c:.6g}": _figures(heard, kind, c) for c in TRIED}
        within = [c for c in TRIED if rows[f"{c:.6g}"][1] <= kind.budget]
        chosen = max(within, default=TRIED[0])
        for intent in kind.intents:
            ceilings[intent.value] = chosen
        tried[kind.name] = {
            "budget_acted_on_percent": kind.budget, "chosen": chosen,
            "by_ceiling": {c: {"understood": round(u, 1), "acted_on": round(a, 2)}
                           for c, (u, a) in rows.items()},
        }
    return ceilings, tried

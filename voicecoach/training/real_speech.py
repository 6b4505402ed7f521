"""The verifier alone on real recordings (Speech Commands words in a labels.csv folder), scored
as the bench scores the coach: each command word in the state where it makes sense, the other
words in all four states. For measuring only: nothing here is ever trained or tuned on these
clips."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..audio.clip_folders import ClipFolderError, load_clip, read_labels
from ..hearing.command_classifier import OTHER, CommandClassifier
from ..hearing.utterance import crop_utterance
from .augment import shared_folder
from .scoring import SCORED_STATES, THRESHOLDS, score

# The six command words of the set, their labels, and the state each is scored in.
COMMAND_WORDS: Mapping[str, tuple[str, str]] = {
    "yes": ("yes", "asked"), "no": ("no", "asked"), "left": ("side:left", "side"),
    "right": ("side:right", "side"), "stop": ("stop", "running"), "go": ("resume", "paused"),
}
MARGIN_S = 0.3  # around the speech found by energy, as a detector would cut it


@dataclass(frozen=True)
class RealClip:
    path: Path
    word: str
    features: npt.NDArray[np.float32]


def default_folder() -> Path:
    return shared_folder() / "audio" / "speech-commands"


def load_clips(classifier: CommandClassifier, folder: Path | None = None) -> list[RealClip]:
    try:
        labelled = read_labels(folder or default_folder())
    except ClipFolderError as exc:
        if folder is not None:
            raise
        raise ClipFolderError(f"{exc}; or point VOICECOACH_SHARED at the shared folder") from exc
    clips = []
    for clip in labelled:
        audio = crop_utterance(load_clip(clip), MARGIN_S, MARGIN_S)
        clips.append(RealClip(clip.path, clip.transcript, classifier.features(audio)))
    return clips


def evaluate(classifier: CommandClassifier, clips: Sequence[RealClip],
             thresholds: Sequence[float] = THRESHOLDS) -> dict[str, object]:
    """Overall figures, and per command word (understood) and per state (acted on)."""
    truths = [COMMAND_WORDS[c.word][0] if c.word in COMMAND_WORDS else OTHER for c in clips]
    one_state = {label: state for label, state in COMMAND_WORDS.values()}
    features = [c.features for c in clips]
    by_word = {}
    for word, (label, state) in COMMAND_WORDS.items():
        chosen = [i for i, c in enumerate(clips) if c.word == word]
        figures = score(classifier, [features[i] for i in chosen], [label] * len(chosen),
                        {state: SCORED_STATES[state]}, thresholds)
        by_word[word] = {t: round(f["understood"], 1) for t, f in figures.items()}
    by_state = {}
    others = [i for i, truth in enumerate(truths) if truth == OTHER]
    for state, allowed in SCORED_STATES.items():
        figures = score(classifier, [features[i] for i in others], [OTHER] * len(others),
                        {state: allowed}, thresholds)
        by_state[state] = {t: round(f["acted_on"], 1) for t, f in figures.items()}
    return {
        "overall": score(classifier, features, truths, SCORED_STATES, thresholds, one_state),
        "understood_by_word": by_word,
        "acted_on_by_state": by_state,
    }

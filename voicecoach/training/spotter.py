"""Training the urgent-word spotter (hearing/urgent_spotter.py) from the clips `voicecoach
train` renders: the same plan, voices, rooms and cache, read as sliding windows.

Each clip is kept as its last 24 embeddings (80 ms apart), the speech ending 0-0.3 s before the
clip does. A command is taught from the three 16-embedding windows that end at or just before
the clip's end (the spotter hears every 80 ms, so the word's end falls anywhere within a step);
other speech and room sound from all nine windows of their clips. The first windows of an
urgent command's own clip, which end 0.5 s or more before it does, are taught as other speech:
"that" is not yet "that hurts". Every command is a label, so that the model tells "stop" from
"start" and not only from silence; the spotter acts only on the urgent ones.

The thresholds are chosen on the held-out Kokoro speakers' clips, never on the voices measured.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..hearing.command_classifier import OTHER, CommandClassifier, pooled
from ..hearing.urgent_spotter import OVER_COACH_KEY, THRESHOLDS_KEY
from .dataset import HELD_OUT, TRAIN, ClipSpec
from .fit import Candidate, fit
from .pipeline import (
    CONTEXT_FRAMES,
    KEPT_FRAMES,
    Progress,
    TrainOptions,
    labels_of,
    no_progress,
    plan_run,
    rendered_clips,
    write_model,
)

URGENT = ("pain", "stop")
POSITIVE_ENDS = (KEPT_FRAMES, KEPT_FRAMES - 1, KEPT_FRAMES - 2)
# Windows ending this many steps (0.48 s) or more before an urgent clip's end: other speech.
EARLY_STEPS = 6
ALL_ENDS = tuple(range(CONTEXT_FRAMES, KEPT_FRAMES + 1))
CANDIDATE = Candidate((256,), 0.1)
QUICK_CANDIDATE = Candidate((32,), 1e-3, epochs=40)
THRESHOLDS = tuple(np.round(np.arange(0.5, 0.96, 0.05), 2).tolist())
# A threshold is usable when at most this share of the held-out voices' other speech, and of
# their other commands, makes the spotter fire somewhere in the clip. A false "that hurts" makes
# the coach ease off, which is safe; a false "stop" ends the session: half the room for it.
MAX_FIRED = {"pain": 0.005, "stop": 0.0025}
# While the coach speaks, the spotter also hears what the echo canceller leaves of the coach's
# voice, whose lines say "that hurts" and "stop": there, every urgent command has the strict
# budget (at the ordinary one, the coach's safety brief was once taken for "ouch").
MAX_FIRED_OVER_COACH = {"pain": 0.0025, "stop": 0.0025}


@dataclass(frozen=True)
class SpotterResult:
    spotter: CommandClassifier
    card: dict[str, Any]


def _windows(frames: npt.NDArray[np.float16], ends: Sequence[int]) -> npt.NDArray[np.float32]:
    return pooled(np.stack([frames[end - CONTEXT_FRAMES : end] for end in ends]))


def training_windows(specs: Sequence[ClipSpec], frames: Sequence[npt.NDArray[np.float16]],
                     urgent: Sequence[str]) -> tuple[npt.NDArray[np.float32], list[str]]:
    """(windows, 480) pooled features and their labels, from the training clips."""
    rows: list[npt.NDArray[np.float32]] = []
    labels: list[str] = []
    for spec, clip in zip(specs, frames, strict=True):
        if spec.split != TRAIN:
            continue
        if spec.label == OTHER:
            rows.append(_windows(clip, ALL_ENDS))
            labels += [OTHER] * len(ALL_ENDS)
            continue
        rows.append(_windows(clip, POSITIVE_ENDS))
        labels += [spec.label] * len(POSITIVE_ENDS)
        if spec.label in urgent:
            early = range(CONTEXT_FRAMES, KEPT_FRAMES - EARLY_STEPS + 1)
            rows.append(_windows(clip, early))
            labels += [OTHER] * len(early)
    return np.concatenate(rows), labels


Tried = dict[str, dict[str, dict[str, float]]]  # label -> threshold -> figure -> percent


def lowest_within(tried: Tried, budgets: dict[str, float]) -> dict[str, float]:
    """Per label, the lowest threshold tried at which the spotter fires in at most the label's
    budget (a share) of the other speech and of the other commands; else the highest."""
    chosen: dict[str, float] = {}
    for label, by_threshold in tried.items():
        usable = [float(threshold) for threshold, figures in by_threshold.items()
                  if max(figures["other_speech_fired"], figures["other_commands_fired"])
                  <= 100 * budgets[label]]
        chosen[label] = min(usable, default=THRESHOLDS[-1])
    return chosen


def thresholds_tried(model: CommandClassifier, specs: Sequence[ClipSpec],
                     frames: Sequence[npt.NDArray[np.float16]], urgent: Sequence[str]) -> Tried:
    """Per urgent label and threshold, in percent of the held-out clips: the share of its own
    clips the spotter, run over every window, fires in, and of the other speech and the other
    commands."""
    held = [(spec.label, clip) for spec, clip in zip(specs, frames, strict=True)
            if spec.split == HELD_OUT]
    windows = np.stack([_windows(clip, ALL_ENDS) for _, clip in held])
    probabilities = model.all_probabilities(windows.reshape(-1, windows.shape[-1])).reshape(
        len(held), len(ALL_ENDS), -1)
    truths = np.array([label for label, _ in held])
    tried: Tried = {}
    for label in urgent:
        peak = probabilities[:, :, model.labels.index(label)].max(axis=1)
        own, other, commands = truths == label, truths == OTHER, (truths != OTHER) & (
            truths != label)
        tried[label] = {}
        for threshold in THRESHOLDS:
            fired = peak >= threshold
            figures = {name: round(100 * float(fired[rows].mean()), 2) if rows.any() else 0.0
                       for name, rows in (("heard", own), ("other_speech_fired", other),
                                          ("other_commands_fired", commands))}
            tried[label][f"{threshold:g}"] = figures
    return tried


def _budgets(budgets: dict[str, float]) -> str:
    return ", ".join(f"{100 * share:g}% ({label})" for label, share in budgets.items())


def train_spotter(options: TrainOptions, progress: Progress = no_progress) -> SpotterResult:
    """The spotter for the plan `options` describe, written to `options.out` with its card."""
    started = time.monotonic()
    run = plan_run(options)
    rendered = rendered_clips(run.specs, options, run.leak_texts, run.noise, progress)
    frames = [clip.frames for clip in rendered]
    labels = labels_of(run.specs)
    urgent = [label for label in URGENT if label in labels]
    if not urgent:
        raise ValueError("the plan has no urgent command to spot (pain or stop)")
    x, y = training_windows(run.specs, frames, urgent)
    index = {label: i for i, label in enumerate(labels)}
    candidate = QUICK_CANDIDATE if options.quick else CANDIDATE
    advance = progress("fitting the spotter", 1)
    model = fit(x, np.array([index[label] for label in y], dtype=np.int64), labels,
                options.library.grammar.sentences, candidate, CONTEXT_FRAMES, options.seed)
    advance(1)
    tried = thresholds_tried(model, run.specs, frames, urgent)
    model.card.update({
        "model": "urgent-word spotter: MLP on 16 speech embeddings (2.0 s) pooled over time, "
                 "run every 80 ms on the running audio",
        THRESHOLDS_KEY: lowest_within(tried, MAX_FIRED),
        OVER_COACH_KEY: lowest_within(tried, MAX_FIRED_OVER_COACH),
        "thresholds_chosen": {
            "how": "per urgent command, the lowest probability at which the spotter, run "
                   "over every window of the held-out voices' clips, fires in at most "
                   f"{_budgets(MAX_FIRED)} (while the coach speaks: "
                   f"{_budgets(MAX_FIRED_OVER_COACH)}) of their other speech and of their other "
                   "commands; percent of clips per threshold",
            **tried},
        "chosen": candidate.describe(),
        "windows": {"training": len(y), "per_label": {label: y.count(label) for label in labels},
                    "positive_ends": "the last three windows of a command's clip",
                    "early_negative": f"an urgent clip's windows ending >= {EARLY_STEPS} steps "
                                      "before its end"},
        "data": "the clips of `voicecoach train` with the same options (see the verifier's "
                "card for voices, rooms and negatives)",
        "seed": options.seed,
        "quick": options.quick,
        "rebuild": shlex.join(options.command) if options.command else "voicecoach train --spotter",
        "training_seconds": round(time.monotonic() - started, 1),
    })
    write_model(model, options.out)
    return SpotterResult(model, model.card)


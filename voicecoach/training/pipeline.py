"""`voicecoach train` from start to end: plan, render, fit candidates, choose on the held-out
voices, write the model and its card."""

from __future__ import annotations

import hashlib
import platform
import shlex
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..hearing.command_classifier import OTHER, CommandClassifier, pooled
from ..library import Library
from .augment import Scene, load_noises, shared_folder
from .dataset import FULL, HELD_OUT, QUICK, TRAIN, ClipSpec, PlanSize, coach_lines, plan
from .fit import CANDIDATES, QUICK_CANDIDATES, Candidate, fit
from .negatives import HELD_OUT_WORDS
from .render import COACH_VOICE, Rendered, render_all
from .scoring import ALL_STATES, score
from .voices import HELD_OUT_VOICES

CONTEXT_FRAMES = 16  # 16 embeddings, 80 ms apart: the last 2.0 s of the utterance
KEPT_FRAMES = 24  # rendered and cached: room to try longer contexts without rendering again
COACH_LEAK_LINES = 12  # coach sentences synthesised once per worker for leaking in


@dataclass
class TrainOptions:
    out: Path
    library: Library
    quick: bool = False
    seed: int = 0
    workers: int = 2
    noise_folder: Path | None = None
    command: Sequence[str] = field(default_factory=list)  # how this run was asked for
    cache: Path | None = None  # rendered clips kept here, reused by a run with the same plan
    rendered_seconds: float = 0.0  # set by the run: synthesis and embedding (also when cached)


@dataclass(frozen=True)
class TrainResult:
    classifier: CommandClassifier
    card: dict[str, Any]


Progress = Callable[[str, int], Callable[[int], None]]  # (task, total) -> advance


def _no_progress(task: str, total: int) -> Callable[[int], None]:
    return lambda n: None


MAX_ACTED_ON = 4.0  # percent of other speech, for choosing between candidates


def _selection_score(figures: dict[str, dict[str, float]]) -> float:
    """The most commands understood at any threshold that acts on at most `MAX_ACTED_ON`
    percent of other speech: a false action costs more than a repeated command."""
    usable = [f["understood"] for f in figures.values() if f["acted_on"] <= MAX_ACTED_ON]
    return max(usable, default=0.0)


def features_of(rendered: Sequence[Rendered], rows: Sequence[int], context_frames: int
                ) -> npt.NDArray[np.float32]:
    """(clips, 480): the vectors the classifier reads."""
    frames = np.stack([rendered[i].frames[-context_frames:] for i in rows]).astype(np.float32)
    return pooled(frames)


def _fingerprint(specs: Sequence[ClipSpec], leak_texts: Sequence[str]) -> str:
    text = repr((KEPT_FRAMES, list(specs), list(leak_texts)))
    return hashlib.sha256(text.encode()).hexdigest()


def _rendered(specs: Sequence[ClipSpec], options: TrainOptions, leak_texts: Sequence[str],
              progress: Progress) -> list[Rendered]:
    fingerprint = _fingerprint(specs, leak_texts)
    if options.cache is not None and options.cache.is_file():
        with np.load(options.cache, allow_pickle=False) as data:
            if str(data["fingerprint"]) == fingerprint:
                options.rendered_seconds = float(data["seconds"])
                scenes = [None if np.isnan(row[0]) and row[1] < 0 else Scene(
                    None if np.isnan(row[0]) else float(row[0]), bool(row[1]), float(row[2]),
                    bool(row[3]), bool(row[4])) for row in data["scenes"]]
                return [Rendered(f, s) for f, s in zip(data["frames"], scenes, strict=True)]
    started = time.monotonic()
    rendered = render_all(specs, KEPT_FRAMES, options.noise_folder, leak_texts,
                          options.workers, progress("synthesising and embedding", len(specs)))
    options.rendered_seconds = time.monotonic() - started
    if options.cache is not None:
        scene_rows = np.array([[np.nan, -1, 1, 0, 0] if r.scene is None else [
            np.nan if r.scene.noise_snr_db is None else r.scene.noise_snr_db, r.scene.reverb,
            r.scene.speed, r.scene.coach_leak, r.scene.clipped] for r in rendered])
        options.cache.parent.mkdir(parents=True, exist_ok=True)
        with options.cache.open("wb") as out:
            np.savez(out, fingerprint=np.array(fingerprint), scenes=scene_rows,
                     seconds=np.array(options.rendered_seconds),
                     frames=np.stack([r.frames for r in rendered]))
    return rendered


def train(options: TrainOptions, progress: Progress = _no_progress) -> TrainResult:
    size: PlanSize = QUICK if options.quick else FULL
    specs = plan(options.library, size, options.seed)
    labels = [*sorted({spec.label for spec in specs} - {OTHER}), OTHER]
    talk = coach_lines(options.library)
    leak_texts = talk[:: max(1, len(talk) // COACH_LEAK_LINES)][:COACH_LEAK_LINES]
    rendered = _rendered(specs, options, leak_texts, progress)
    fitting_started = time.monotonic()
    index = {label: i for i, label in enumerate(labels)}
    train_rows = [i for i, spec in enumerate(specs) if spec.split == TRAIN]
    held_rows = [i for i, spec in enumerate(specs) if spec.split == HELD_OUT]
    x = features_of(rendered, train_rows, CONTEXT_FRAMES)
    y = np.array([index[specs[i].label] for i in train_rows], dtype=np.int64)
    sentences = options.library.grammar.sentences
    candidates = QUICK_CANDIDATES if options.quick else CANDIDATES
    advance = progress("fitting", len(candidates))
    tried: list[tuple[float, Candidate, CommandClassifier, dict[str, dict[str, float]]]] = []
    for candidate in candidates:
        model = fit(x, y, labels, sentences, candidate, CONTEXT_FRAMES, options.seed)
        held = features_of(rendered, held_rows, CONTEXT_FRAMES)
        figures = score(model, list(held),
                        [specs[i].label for i in held_rows], ALL_STATES)
        tried.append((_selection_score(figures), candidate, model, figures))
        advance(1)
    best = max(tried, key=lambda entry: entry[0])
    fitting = time.monotonic() - fitting_started
    card = _card(options, size, specs, rendered, best[1], best[3], tried,
                 options.rendered_seconds, options.rendered_seconds + fitting)
    classifier = best[2]
    classifier.card.update(card)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    classifier.save(options.out)
    import json

    options.out.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n",
                                                encoding="utf-8")
    return TrainResult(classifier, card)


def _card(
    options: TrainOptions,
    size: PlanSize,
    specs: Sequence[ClipSpec],
    rendered: Sequence[Rendered],
    chosen: Candidate,
    figures: dict[str, dict[str, float]],
    tried: Sequence[tuple[float, Candidate, CommandClassifier, dict[str, dict[str, float]]]],
    render_seconds: float,
    total_seconds: float,
) -> dict[str, Any]:
    training = [(spec, r) for spec, r in zip(specs, rendered, strict=True) if spec.split == TRAIN]
    engines = Counter(spec.voice.engine if spec.voice else "room sound only"
                      for spec, _ in training)
    espeak_voices = sorted({spec.voice.name for spec, _ in training
                            if spec.voice and spec.voice.engine == "espeak"})
    scenes = [r.scene for _, r in training if r.scene is not None]
    _, noise_source = load_noises(options.noise_folder)
    return {
        "model": "command verifier: MLP on the last 16 speech embeddings (2.0 s), pooled "
                 "over time (mean, max, spread, first and last 0.64 s)",
        "chosen": chosen.describe(),
        "candidates": {c.describe(): {"selection_score": round(s, 2),
                                      "held_out_at_0.5": f["0.5"]}
                       for s, c, _, f in tried},
        "selection": f"held-out voices: most commands understood at a threshold acting on "
                     f"<= {MAX_ACTED_ON:g}% of other speech, all states",
        "seed": options.seed,
        "quick": options.quick,
        "rebuild": shlex.join(options.command) if options.command else "voicecoach train",
        "training_seconds": round(total_seconds, 1),
        "training_seconds_note": "synthesis and embedding plus fitting all candidates, on this "
                                 "machine shared with other work; a Raspberry Pi 4 core is "
                                 "about 2.5-3.5x slower",
        "synthesis_and_embedding_seconds": round(render_seconds, 1),
        "machine": f"{platform.machine()}, {options.workers} worker processes",
        "clips": {
            "training": len(training),
            "held_out": len(specs) - len(training),
            "per_label": dict(sorted(Counter(spec.label for spec, _ in training).items())),
            "by_kind": dict(Counter(spec.kind for spec, _ in training)),
            "by_engine": dict(engines),
        },
        "voices": {
            "piper": "joe (en_US-joe-medium), length_scale 0.75-1.35, noise_scale 0.3-1.0, "
                     "noise_w 0.3-1.2",
            "espeak_ng": f"{len(espeak_voices)} voice+variant pairs, pitch 20-80, "
                         "120-200 words a minute",
            "espeak_ng_used": espeak_voices,
            "held_out_voices": list(HELD_OUT_VOICES),
        },
        "negatives": {
            "texts": "training/negatives.py: near-misses of each command, parts of commands, "
                     "common words, household and TV sentences; the routines' coach lines "
                     "without commands; room sound (noise, the coach talking) alone",
            "held_out_words_never_used": sorted(HELD_OUT_WORDS),
        },
        "augmentation": {
            "noise": f"{noise_source}, 0-30 dB SNR, in "
                     f"{sum(s.noise_snr_db is not None for s in scenes)} of {len(scenes)} clips",
            "reverberation": f"hearing.room.simulate_room, {sum(s.reverb for s in scenes)} clips",
            "speed": f"soxr resampling x0.85-1.15, {sum(s.speed != 1.0 for s in scenes)} clips",
            "coach_voice": f"{COACH_VOICE.describe()} leaking 10-30 dB under the speech, "
                           f"{sum(s.coach_leak for s in scenes)} clips",
            "level": "active level 40-84 dB (int16 units) or clipped 3-12 dB over full "
                     f"scale ({sum(s.clipped for s in scenes)} clips), then a noise floor "
                     "of 3-30 rms",
            "cut": "speech found by energy, 0.1-0.5 s before it, 0-0.3 s after (15%: up to "
                   "80 ms cut off its end)",
        },
        "plan": {"per_label": size.per_label, "start": size.start, "per_word": size.per_word,
                 "per_sentence": size.per_sentence, "room": size.room,
                 "piper_share": size.piper_share},
        "held_out_figures": {
            "what": "held-out voices (never in training), each command in every state that "
                    "allows it, other speech in every state; percent",
            "by_threshold": figures,
        },
        "shared_folder": str(shared_folder()),
    }

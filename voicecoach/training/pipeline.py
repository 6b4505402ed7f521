"""`voicecoach train` from start to end: plan, render, fit candidates, choose on the held-out
voices, write the model and its card."""

from __future__ import annotations

import ast
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
from .ceilings import Chosen, Hearing, listen, summary
from .ceilings import choose as choose_ceilings
from .dataset import (
    FULL,
    HELD_OUT,
    QUICK,
    TRAIN,
    ClipSpec,
    PlanSize,
    coach_lines,
    plan,
    without_kokoro,
)
from .fit import CANDIDATES, QUICK_CANDIDATES, Candidate, fit
from .held_out_audio import held_out_audio
from .kokoro import (
    CHOOSING_SPEAKERS,
    MEASURING_SPEAKERS,
    MODEL_FILE,
    TRAINING_SPEAKERS,
    VOICES_PACKAGE,
    make_ready,
)
from .negatives import HELD_OUT_WORDS
from .render import COACH_VOICE, Rendered, render_all
from .scoring import ALL_STATES, score
from .voices import HELD_OUT_VOICES

CONTEXT_FRAMES = 16  # 16 embeddings, 80 ms apart: the last 2.0 s of the utterance
KEPT_FRAMES = 24  # rendered and cached: room to try longer contexts without rendering again
RECIPE_FILES = ("augment.py", "render.py", "voices.py", "kokoro.py")
CHUNK_CLIPS = 200  # clips rendered and kept together: at most a few minutes lost to a stop
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
    cache: Path | None = None  # folder: rendered clips kept here, reused by later runs (None:
    # nothing kept)
    kokoro: bool = True  # Kokoro's voices (the train extra) in the training speech
    rendered_seconds: float = 0.0  # set by the run: synthesis and embedding (also when cached)


@dataclass(frozen=True)
class TrainResult:
    classifier: CommandClassifier
    card: dict[str, Any]


Progress = Callable[[str, int], Callable[[int], None]]  # (task, total) -> advance


def no_progress(task: str, total: int) -> Callable[[int], None]:
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


def training_cache() -> Path:
    """Where rendered clips are kept between runs by default."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach")) / "training-clips"


def _recipe() -> str:
    """The code that makes a clip: a changed synthesis or augmentation never reads stale
    clips. Read as its syntax tree without imports, comments or layout, so that moving a module
    it imports, or rewording a comment, keeps the hours of Kokoro clips already rendered."""
    folder = Path(__file__).parent
    return hashlib.sha256("".join(
        code_without_imports((folder / name).read_text(encoding="utf-8"))
        for name in RECIPE_FILES).encode()).hexdigest()


def code_without_imports(source: str) -> str:
    """`source` as what it does: its syntax tree, less its imports, comments and layout."""

    class DropImports(ast.NodeTransformer):
        def visit_Import(self, node: ast.Import) -> None:
            return None

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            return None

    return ast.dump(DropImports().visit(ast.parse(source)))


def _chunk_name(specs: Sequence[ClipSpec], leak_texts: Sequence[str], noise: str) -> str:
    """A chunk's file name: everything that decides its clips, so a changed plan, noise,
    context or recipe never reads stale clips."""
    text = repr((KEPT_FRAMES, list(specs), list(leak_texts), noise, _recipe()))
    return f"clips-{hashlib.sha256(text.encode()).hexdigest()[:24]}.npz"


def _save_chunk(path: Path, rendered: Sequence[Rendered], seconds: float) -> None:
    scene_rows = np.array([[np.nan, -1, 1, 0, 0] if r.scene is None else [
        np.nan if r.scene.noise_snr_db is None else r.scene.noise_snr_db, r.scene.reverb,
        r.scene.speed, r.scene.coach_leak, r.scene.clipped] for r in rendered])
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        np.savez(out, scenes=scene_rows, seconds=np.array(seconds),
                 frames=np.stack([r.frames for r in rendered]))
    partial.replace(path)  # a chunk is there whole or not at all


def _load_chunk(path: Path) -> tuple[list[Rendered], float] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            scenes = [None if np.isnan(row[0]) and row[1] < 0 else Scene(
                None if np.isnan(row[0]) else float(row[0]), bool(row[1]), float(row[2]),
                bool(row[3]), bool(row[4])) for row in data["scenes"]]
            frames = data["frames"]
            return [Rendered(f, s) for f, s in zip(frames, scenes, strict=True)], float(
                data["seconds"])
    except (OSError, ValueError, KeyError):
        return None  # unreadable (e.g. a disk that filled up): rendered again


@dataclass(frozen=True)
class RunPlan:
    """What a run renders: its clips, the coach's lines that leak into them, and the noise
    named as the chunk names name it."""

    size: PlanSize
    specs: list[ClipSpec]
    leak_texts: list[str]
    noise: str


def labels_of(specs: Sequence[ClipSpec]) -> list[str]:
    """A model's labels for the clips of a plan: the commands in order, then other speech."""
    return [*sorted({spec.label for spec in specs} - {OTHER}), OTHER]


def plan_run(options: TrainOptions) -> RunPlan:
    size: PlanSize = QUICK if options.quick else FULL
    if options.kokoro:
        make_ready()
    else:
        size = without_kokoro(size)
    talk = coach_lines(options.library)
    leak_texts = talk[:: max(1, len(talk) // COACH_LEAK_LINES)][:COACH_LEAK_LINES]
    # Named by the absolute folder: a relative path and the same folder written out in full
    # are one noise, and the clips rendered with it are found again.
    folder = options.noise_folder.resolve() if options.noise_folder is not None else None
    _, noise = load_noises(folder)
    return RunPlan(size, plan(options.library, size, options.seed), leak_texts, noise)


def rendered_clips(specs: Sequence[ClipSpec], options: TrainOptions, leak_texts: Sequence[str],
              noise: str, progress: Progress) -> list[Rendered]:
    """Every clip's features in plan order. Rendered in chunks, each kept in the cache folder
    as soon as it is done: a run that is stopped (or a session that ends) goes on from there."""
    chunks = [specs[i : i + CHUNK_CLIPS] for i in range(0, len(specs), CHUNK_CLIPS)]
    paths = [None if options.cache is None
             else options.cache / _chunk_name(chunk, leak_texts, noise) for chunk in chunks]
    results: list[list[Rendered] | None] = []
    seconds = 0.0
    advance = progress("synthesising and embedding", len(specs))
    for path in paths:
        loaded = _load_chunk(path) if path is not None and path.is_file() else None
        results.append(None if loaded is None else loaded[0])
        if loaded is not None:
            seconds += loaded[1]
            advance(len(loaded[0]))
    missing = [i for i, done in enumerate(results) if done is None]
    if options.cache is not None and missing:
        options.cache.mkdir(parents=True, exist_ok=True)
    todo = [spec for i in missing for spec in chunks[i]]
    clips = render_all(todo, KEPT_FRAMES, options.noise_folder, leak_texts, options.workers,
                       advance)
    started = time.monotonic()
    for i in missing:
        chunk = [next(clips) for _ in chunks[i]]
        spent = time.monotonic() - started
        seconds += spent
        started = time.monotonic()
        path = paths[i]
        if path is not None:
            _save_chunk(path, chunk, spent)
        results[i] = chunk
    options.rendered_seconds = seconds
    return [clip for chunk in results if chunk is not None for clip in chunk]


def train(options: TrainOptions, progress: Progress = no_progress) -> TrainResult:
    run = plan_run(options)
    size, specs = run.size, run.specs
    labels = labels_of(specs)
    rendered = rendered_clips(specs, options, run.leak_texts, run.noise, progress)
    fitting_started = time.monotonic()
    index = {label: i for i, label in enumerate(labels)}
    train_rows = [i for i, spec in enumerate(specs) if spec.split == TRAIN]
    held_rows = [i for i, spec in enumerate(specs) if spec.split == HELD_OUT]
    x = features_of(rendered, train_rows, CONTEXT_FRAMES)
    y = np.array([index[specs[i].label] for i in train_rows], dtype=np.int64)
    held = list(features_of(rendered, held_rows, CONTEXT_FRAMES))
    held_labels = [specs[i].label for i in held_rows]
    sentences = options.library.grammar.sentences
    candidates = QUICK_CANDIDATES if options.quick else CANDIDATES
    advance = progress("fitting", len(candidates))
    tried: list[tuple[float, Candidate, CommandClassifier, dict[str, dict[str, float]]]] = []
    for candidate in candidates:
        model = fit(x, y, labels, sentences, candidate, CONTEXT_FRAMES, options.seed)
        figures = score(model, held, held_labels, ALL_STATES)
        tried.append((_selection_score(figures), candidate, model, figures))
        advance(1)
    best = max(tried, key=lambda entry: entry[0])
    classifier = best[2]
    fitting = time.monotonic() - fitting_started
    heard = _heard_held_out(classifier, run, options, progress)
    chosen = choose_ceilings(heard)
    card = _card(options, size, specs, rendered, best[1], best[3], tried,
                 options.rendered_seconds, options.rendered_seconds + fitting, run.noise)
    _record_leads(card, chosen, heard)
    classifier.card.update(card)
    write_model(classifier, options.out)
    return TrainResult(classifier, card)


def leads_for(classifier: CommandClassifier, options: TrainOptions,
              progress: Progress = no_progress) -> TrainResult:
    """An existing model given lead ceilings chosen as a training run would choose them (the
    same held-out clips, heard the same way), written to `options.out`; nothing else in it
    changes."""
    heard = _heard_held_out(classifier, plan_run(options), options, progress)
    _record_leads(classifier.card, choose_ceilings(heard), heard)
    classifier.card["leads_rebuild"] = shlex.join(options.command)
    write_model(classifier, options.out)
    return TrainResult(classifier, classifier.card)


def _record_leads(card: dict[str, Any], chosen: Chosen, heard: Sequence[Hearing]) -> None:
    card["lead_ceilings"] = chosen.leads
    card["lead_ceilings_chosen"] = {
        "how": "per kind of command, the lead ceiling on the probability of other speech "
               "(acting on a command the recogniser did not propose) with which the coach's "
               "hearing (PocketSphinx proposing, this model verifying with the fixed confirming "
               "ceilings, listening by state) understands most of the held-out voices' commands "
               "of the kind, adding at most the kind's budget of false actions (other speech, "
               "in four states, or another command, acted on as the kind) to their hearings; "
               "per kind, each lead ceiling tried",
        **chosen.tried}
    card["held_out_heard"] = summary(heard, chosen)


def write_model(classifier: CommandClassifier, out: Path) -> None:
    import json

    out.parent.mkdir(parents=True, exist_ok=True)
    classifier.save(out)
    out.with_suffix(".json").write_text(json.dumps(classifier.card, indent=2) + "\n",
                                        encoding="utf-8")


def _heard_held_out(classifier: CommandClassifier, run: RunPlan, options: TrainOptions,
                    progress: Progress) -> list[Hearing]:
    """The held-out clips heard as the coach hears them, with `classifier` verifying."""
    held = [spec for spec in run.specs if spec.split == HELD_OUT]
    chunks = [held[i : i + CHUNK_CLIPS] for i in range(0, len(held), CHUNK_CLIPS)]
    audio = held_out_audio(held, [_chunk_name(c, run.leak_texts, run.noise) for c in chunks],
                           CHUNK_CLIPS, options.cache, options.noise_folder, run.leak_texts,
                           options.workers, progress("the held-out voices' audio", len(held)))
    clips = [(clip, None if spec.label == OTHER else spec.text)
             for clip, spec in zip(audio, held, strict=True)]
    return listen(classifier, options.library.grammar, clips,
                  progress("hearing the held-out voices", len(clips)))


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
    noise: str,
) -> dict[str, Any]:
    training = [(spec, r) for spec, r in zip(specs, rendered, strict=True) if spec.split == TRAIN]
    engines = Counter(spec.voice.engine if spec.voice else "room sound only"
                      for spec, _ in training)
    espeak_voices = sorted({spec.voice.name for spec, _ in training
                            if spec.voice and spec.voice.engine == "espeak"})
    scenes = [r.scene for _, r in training if r.scene is not None]
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
            "kokoro": (f"Kokoro-82M ({MODEL_FILE}, voices of {VOICES_PACKAGE}): "
                       f"{len(TRAINING_SPEAKERS)} English speakers and mixes of two of them, "
                       "speed 0.8-1.25" if size.kokoro_share else "not used"),
            "kokoro_training_speakers": list(TRAINING_SPEAKERS) if size.kokoro_share else [],
            "kokoro_choosing_speakers": (list(CHOOSING_SPEAKERS) if size.kokoro_share
                                         else []),
            "kokoro_measuring_speakers_never_used": list(MEASURING_SPEAKERS),
            "piper": "joe (en_US-joe-medium), length_scale 0.75-1.35, noise_scale 0.3-1.0, "
                     "noise_w 0.3-1.2",
            "espeak_ng": f"{len(espeak_voices)} voice+variant pairs, pitch 20-80, "
                         "120-200 words a minute",
            "espeak_ng_used": espeak_voices,
            "held_out_voices": ("Kokoro's choosing speakers and their mixes" if size.kokoro_share
                                else list(HELD_OUT_VOICES)),
        },
        "negatives": {
            "texts": "training/negatives.py: near-misses of each command, parts of commands, "
                     "common words, household and TV sentences; the routines' coach lines "
                     "without commands; room sound (noise, the coach talking) alone",
            "held_out_words_never_used": sorted(HELD_OUT_WORDS),
        },
        "augmentation": {
            "noise": f"{noise}, 0-30 dB SNR, in "
                     f"{sum(s.noise_snr_db is not None for s in scenes)} of {len(scenes)} clips",
            "reverberation": f"hearing.room.simulate_room, {sum(s.reverb for s in scenes)} clips",
            "speed": f"soxr resampling x0.85-1.15, {sum(s.speed != 1.0 for s in scenes)} clips",
            "coach_voice": f"{COACH_VOICE.describe()} leaking from 30 dB under the speech to "
                           "6 dB over it, "
                           f"{sum(s.coach_leak for s in scenes)} clips",
            "level": "active level 40-84 dB (int16 units) or clipped 3-12 dB over full "
                     f"scale ({sum(s.clipped for s in scenes)} clips), then a noise floor "
                     "of 3-30 rms",
            "cut": "speech found by energy, 0.1-0.5 s before it, 0-0.3 s after (15%: up to "
                   "80 ms cut off its end)",
        },
        "plan": {"per_label": size.per_label, "start": size.start, "per_word": size.per_word,
                 "per_sentence": size.per_sentence, "room": size.room,
                 "kokoro_share": size.kokoro_share, "piper_share": size.piper_share},
        "held_out_figures": {
            "what": "held-out voices (never in training), each command in every state that "
                    "allows it, other speech in every state; percent",
            "by_threshold": figures,
        },
        "shared_folder": str(shared_folder()),
    }

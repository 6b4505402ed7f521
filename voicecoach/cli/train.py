"""`voicecoach train`: build the command verifier from synthetic speech."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from ..limits import TRAINING_SEED, TRAINING_WORKERS
from .bounds import option_type

SHIPPED = Path(__file__).resolve().parent.parent / "trained" / "command-verifier.npz"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    about = ("train the command verifier on synthetic speech (Piper and espeak-ng), with "
             "noise, rooms and levels")
    command = sub.add_parser("train", help=about, description=about + ". Without --out it "
                             "writes your user model, used from then on.")
    command.add_argument("--out", metavar="FILE.npz",
                         help="where to write the model (its card goes beside it as .json; "
                         "default: your user data folder)")
    command.add_argument("--quick", action="store_true",
                         help="a tiny run (three commands, seconds): to try the pipeline")
    command.add_argument("--seed", type=option_type(TRAINING_SEED), default=0,
                         help="seed of every random choice")
    command.add_argument("--workers", type=option_type(TRAINING_WORKERS),
                         default=min(2, os.cpu_count() or 1), metavar="N",
                         help="processes synthesising in parallel (default 2)")
    command.add_argument("--noise", metavar="DIR",
                         help="background noise WAVs (default: the shared noise folder, else "
                         "generated noise)")
    command.add_argument("--cache", metavar="FILE.npz",
                         help="keep the synthesised clips' embeddings here; a later run with "
                         "the same plan fits from them in a minute instead of rendering again")
    command.add_argument("--routines", nargs="+", metavar="PATH",
                         help="routine files or folders to use instead of the built-in library")
    command.set_defaults(run=lambda args, out: run(args))


def _progress() -> tuple[Callable[[str, int], Callable[[int], None]], Callable[[], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
    bar.start()

    def task(description: str, total: int) -> Callable[[int], None]:
        task_id = bar.add_task(description, total=total)
        return lambda n: bar.advance(task_id, n)

    return task, bar.stop


def _rebuild_command(args: argparse.Namespace) -> list[str]:
    """The command that makes this model again (for its card)."""
    command = ["voicecoach", "train"]
    command += ["--quick"] if args.quick else []
    command += ["--seed", str(args.seed)] if args.seed else []
    command += ["--noise", args.noise] if args.noise else []
    command += ["--routines", *args.routines] if args.routines else []
    command += ["--out", args.out] if args.out else []
    return command


def run(args: argparse.Namespace) -> int:
    from ..hearing.command_classifier import user_model_path
    from ..library import load_library
    from ..output_files import check_output_file
    from ..training.pipeline import TrainOptions, train

    if args.workers < 1:
        print("voicecoach: --workers must be at least 1", file=sys.stderr)
        return 1
    paths = [Path(p) for p in args.routines or []]
    library = load_library(paths or None, warn=lambda line: print(f"voicecoach: {line}",
                                                                 file=sys.stderr))
    out = Path(args.out).expanduser() if args.out else user_model_path()
    # Checked before the training's minutes (or hours) of work, not after them.
    check_output_file(out, "--out", (".npz",), create_folder=True)
    cache = Path(args.cache).expanduser() if args.cache else None
    if cache is not None:
        check_output_file(cache, "--cache", create_folder=True)
    noise = Path(args.noise) if args.noise else None
    if noise is not None and not noise.is_dir():
        print(f"voicecoach: no noise folder at {noise}: give a folder of WAV files",
              file=sys.stderr)
        return 1
    command = _rebuild_command(args)
    task, stop = _progress()
    try:
        result = train(TrainOptions(out, library, args.quick, args.seed, args.workers, noise,
                                    command, cache), task)
    finally:
        stop()
    figures = result.card["held_out_figures"]["by_threshold"]["0.5"]
    print(f"{out}: {len(result.classifier.labels)} labels, {result.card['chosen']}, "
          f"{result.card['training_seconds']:.0f} s; held-out voices at p >= 0.5: "
          f"{figures['understood']:.1f}% of commands understood, {figures['acted_on']:.1f}% "
          "of other speech acted on")
    return 0

"""`voicecoach train`: build the command verifier from synthetic speech."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..limits import TRAINING_SEED, TRAINING_WORKERS
from .bounds import option_type
from .notes import UsageError

if TYPE_CHECKING:
    from ..hearing.command_classifier import CommandClassifier
    from ..training.pipeline import Progress, TrainOptions

SHIPPED = Path(__file__).resolve().parent.parent / "trained" / "command-verifier.npz"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    about = ("train the command verifier on synthetic speech (Kokoro's voices, Piper and "
             "espeak-ng), with noise, rooms and levels")
    command = sub.add_parser("train", help=about, description=about + ". Without --out a "
                             "full run writes your user model, used from then on; the model it "
                             "replaces is kept, and --forget goes back to the shipped one.")
    command.add_argument("--out", metavar="FILE.npz",
                         help="where to write the model (its card goes beside it as .json; "
                         "default: your user data folder, or a temporary folder for --quick)")
    command.add_argument("--quick", action="store_true",
                         help="a tiny run (three commands, seconds): to try the pipeline; "
                         "never your model")
    command.add_argument("--forget", action="store_true",
                         help="set your trained model aside (kept as a backup beside it), so "
                         "that sessions use the shipped one again")
    command.add_argument("--seed", type=option_type(TRAINING_SEED), default=0,
                         help="seed of every random choice")
    command.add_argument("--workers", type=option_type(TRAINING_WORKERS),
                         default=min(2, os.cpu_count() or 1), metavar="N",
                         help="processes synthesising in parallel (default 2)")
    command.add_argument("--noise", metavar="DIR",
                         help="background noise WAVs (default: the shared noise folder, else "
                         "generated noise)")
    command.add_argument("--cache", metavar="DIR",
                         help="keep the synthesised clips' embeddings in this folder as they "
                         "are made (default: your cache folder): a stopped run goes on where "
                         "it stopped, and a run with the same plan fits in minutes")
    command.add_argument("--no-kokoro", action="store_true",
                         help="train without Kokoro's voices (Piper and espeak-ng only): "
                         "quicker, and needs no train extra, but hears real voices less well")
    command.add_argument("--leads-for", metavar="MODEL.npz",
                         help="train nothing: choose only the lead ceilings (where the "
                         "classifier may act on a command the recogniser missed) for this "
                         "existing model, as a full run would, and write it to --out")
    command.add_argument("--spotter", action="store_true",
                         help="train the urgent-word spotter (which hears \"that hurts\" and "
                         "\"stop\" without waiting for the end of an utterance) from the same "
                         "clips instead of the verifier, and write it to --out")
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
    command += ["--no-kokoro"] if args.no_kokoro else []
    command += ["--noise", args.noise] if args.noise else []
    command += ["--routines", *args.routines] if args.routines else []
    command += ["--leads-for", args.leads_for] if args.leads_for else []
    command += ["--spotter"] if args.spotter else []
    command += ["--out", args.out] if args.out else []
    return command


def run(args: argparse.Namespace) -> int:
    from ..hearing.command_classifier import user_model_path
    from ..library import load_library
    from ..output_files import check_output_file
    from ..training.pipeline import TrainOptions, leads_for, train, training_cache
    from ..training.user_model import discard, staging_path

    if args.forget:
        return _forget(args)
    if args.workers < 1:
        print("voicecoach: --workers must be at least 1", file=sys.stderr)
        return 1
    if args.leads_for and not args.out:
        raise UsageError("--leads-for writes the model with its lead ceilings to --out: give "
                         "--out FILE.npz (it may be the same file)")
    if args.spotter and (not args.out or args.leads_for):
        raise UsageError("--spotter writes the spotter to --out and nothing else: give --out "
                         "FILE.npz (the coach uses voicecoach/trained/urgent-spotter.npz), "
                         "without --leads-for")
    existing = _existing_model(args.leads_for) if args.leads_for else None
    # The coach hears with the shipped spotter only: a spotter never replaces the user's model.
    out, replacing = (Path(args.out).expanduser(), False) if args.spotter else _destination(args)
    paths = [Path(p) for p in args.routines or []]
    library = load_library(paths or None, warn=lambda line: print(f"voicecoach: {line}",
                                                                 file=sys.stderr))
    # Checked before the training's minutes (or hours) of work, not after them.
    check_output_file(out, "--out", (".npz",), create_folder=True)
    cache = Path(args.cache).expanduser() if args.cache else training_cache()
    if cache.exists() and not cache.is_dir():
        raise UsageError(f"--cache {cache} is a file: give a folder, where the clips are kept "
                         "as they are made")
    noise = Path(args.noise) if args.noise else None
    if noise is not None and not noise.is_dir():
        print(f"voicecoach: no noise folder at {noise}: give a folder of WAV files",
              file=sys.stderr)
        return 1
    command = _rebuild_command(args)
    written = staging_path(out) if replacing else out
    task, stop = _progress()
    try:
        options = TrainOptions(written, library, args.quick, args.seed, args.workers, noise,
                               command, cache, kokoro=not args.no_kokoro)
        if args.spotter:
            return _spotter(options, task, out)
        if existing is not None:
            result = leads_for(existing, options, task)
        else:
            result = train(options, task)
    except BaseException:
        if replacing:  # a half-written model must not wait there to be taken for a new one
            discard(written)
        raise
    finally:
        stop()
    replaced = _install(written, user_model_path()) if replacing else None
    if args.leads_for:
        heard = result.card["held_out_heard"]
        print(f"{out}: lead ceilings chosen; the held-out voices heard as the coach hears them: "
              f"{heard['confirming_alone_understood']:.1f}% -> "
              f"{heard['with_leads_understood']:.1f}% of commands understood, "
              f"{heard['confirming_alone_acted_on']:.1f}% -> "
              f"{heard['with_leads_acted_on']:.1f}% of other speech acted on")
        return 0
    figures = result.card["held_out_figures"]["by_threshold"]["0.5"]
    print(f"{out}: {len(result.classifier.labels)} labels, {result.card['chosen']}, "
          f"{result.card['training_seconds']:.0f} s; held-out voices at p >= 0.5: "
          f"{figures['understood']:.1f}% of commands understood, {figures['acted_on']:.1f}% "
          "of other speech acted on")
    if args.quick:
        print(f"A quick run only tries the pipeline: its model hears only {_quick_words()}, "
              f"and was written to {out} alone. Your command verifier is unchanged.")
    elif replaced is not None:
        print(replaced)
    return 0


def _spotter(options: TrainOptions, task: Progress, out: Path) -> int:
    from ..training.spotter import train_spotter

    card = train_spotter(options, task).card
    chosen = card["thresholds_chosen"]
    heard = ", ".join(f"{label} at p >= {p:g} heard in {chosen[label][f'{p:g}']['heard']:.0f}%"
                      for label, p in card["spotter_thresholds"].items())
    print(f"{out}: urgent-word spotter, {card['training_seconds']:.0f} s; held-out voices' "
          f"clips: {heard}")
    return 0


def _existing_model(path: str) -> CommandClassifier:
    """The model --leads-for names, loaded before any work starts."""
    from ..hearing.command_classifier import ClassifierError, CommandClassifier

    try:
        return CommandClassifier.load(Path(path).expanduser())
    except ClassifierError as exc:
        raise UsageError(f"--leads-for: {exc}") from exc


def _quick_words() -> str:
    from ..training.dataset import QUICK

    return ", ".join(QUICK.labels or ())


def _destination(args: argparse.Namespace) -> tuple[Path, bool]:
    """Where the model goes, and whether it becomes the user's model (replacing the one in
    use)."""
    import tempfile

    from ..hearing.command_classifier import MODEL_FILE, user_model_path

    user = user_model_path()
    out = Path(args.out).expanduser() if args.out else None
    is_user = out is not None and out.resolve() == user.resolve()
    if args.quick:
        if is_user:
            raise UsageError(f"--out {args.out} is your command verifier, and a --quick model "
                             f"hears only {_quick_words()}, so every other command would go "
                             "unheard: give --out another file, or leave it out (a temporary "
                             "folder is used)")
        return out or Path(tempfile.mkdtemp(prefix="voicecoach-quick-")) / MODEL_FILE, False
    if out is None or is_user:
        return user, True
    return out, False


def _install(trained: Path, user: Path) -> str:
    """Puts the trained model in place of the user's; what it replaced and how to go back."""
    from ..training.user_model import install

    try:
        backup = install(trained, user)
    except OSError as exc:
        raise UsageError(f"the model trained is at {trained}, but it cannot take the place of "
                         f"{user} ({exc.strerror}): check that folder's permissions") from exc
    before = ("the shipped one" if backup is None
              else f"your previous model, kept as {backup}")
    return (f"This is your command verifier from now on, in place of {before}. To go back to "
            "the shipped model: voicecoach train --forget")


def _forget(args: argparse.Namespace) -> int:
    from ..hearing.command_classifier import user_model_path
    from ..training.user_model import set_aside

    given = [option for option, value in (("--out", args.out), ("--quick", args.quick),
                                          ("--routines", args.routines),
                                          ("--noise", args.noise), ("--cache", args.cache),
                                          ("--no-kokoro", args.no_kokoro),
                                          ("--leads-for", args.leads_for),
                                          ("--spotter", args.spotter))
             if value]
    if given:
        raise UsageError(f"--forget trains nothing, so it takes no {given[0]}: run "
                         "`voicecoach train --forget` alone")
    user = user_model_path()
    try:
        backup = set_aside(user)
    except OSError as exc:
        raise UsageError(f"cannot set {user} aside ({exc.strerror}): check that folder's "
                         "permissions, or remove the file yourself") from exc
    if backup is None:
        print("You have no trained command verifier: sessions already use the shipped one.")
        return 0
    print(f"Your command verifier is set aside as {backup}; sessions use the shipped model "
          f"again. To use yours again: mv {backup} {user}")
    return 0

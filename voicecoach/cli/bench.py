"""`voicecoach bench`: the figures file checked before the minutes of measuring, then the
benchmark run and its tables and JSON written."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from ..atomic_files import write_text_atomically
from ..output_files import OutputError, check_output_file
from .notes import UsageError
from .routines import library_from


def cmd_bench(args: argparse.Namespace, out: Console) -> int:
    from ..session.terminal import protected_stdout

    if args.enrollment_only and not args.speech:
        raise UsageError("--enrollment-only enrolls recorded speakers: give them with --speech "
                         "DIR (e.g. ../shared/audio/speech-commands)")
    # Checked before the benchmark's minutes of work, not after them.
    figures_file = check_output_file(Path(args.json).expanduser(), "--json") if args.json else None
    with protected_stdout() as terminal:  # pyttsx3 announces every file it writes
        console = Console(file=terminal)
        report = _word_ends(args, console) if args.word_ends_only else _bench(args, console)
    if figures_file is not None:
        text = json.dumps(report, indent=2) + "\n"
        try:
            write_text_atomically(figures_file, text)
        except OSError as exc:  # the disk changed during the run: the figures go to stdout
            print(text, end="")
            raise OutputError(f"--json {figures_file}: not written ({exc.strerror}); the "
                              "figures are printed above") from exc
        print(f"figures written to {figures_file}")
    return 0


def _bench(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    from ..bench.runner import Bench, table
    from ..hearing.backends import Backend

    bench = Bench(library_from(args), Path(args.model).expanduser() if args.model else None,
                  Path(args.speech) if args.speech else None,
                  Path(args.noise) if args.noise else None, args.quick, console,
                  idle_seconds=args.idle_seconds, only_idle=args.idle_only,
                  only_voices=args.voices_only, only_sessions=args.sessions_only,
                  only_enrollment=args.enrollment_only)
    report = bench.run(Backend(args.backend))
    console.print(table(report))
    return report


def _word_ends(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    from ..bench import word_ends_run
    from ..hearing.backends import Backend

    report = word_ends_run.run(library_from(args), Backend(args.backend),
                               Path(args.model).expanduser() if args.model else None,
                               Path(args.noise) if args.noise else None, args.quick, console)
    console.print(word_ends_run.table(report))
    return report

"""`voicecoach report`: a page of charts of progress from the history, for the user and their
physiotherapist (one HTML file; `--out -` for standard output, e.g. over ssh)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.console import Console

from ..atomic_files import write_text_atomically
from ..core.wording import counted
from ..history import default_history_path
from ..history.progress import ADVICE_LOOKBACK, Period, progress
from ..history.progress_page import report_page
from ..library import load_library
from ..output_files import OutputError, check_output_file
from .history import positive_days, read_history, since_from, utc_now
from .routines import warn

DEFAULT_OUT = "voicecoach-report.html"


def add_report_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    help_text = ("a page of charts of your progress (sessions, minutes, pain, changes) to "
                 "look at, print or give your physiotherapist")
    command = sub.add_parser("report", help=help_text, description=help_text)
    command.add_argument("--since", type=positive_days, metavar="DAYS",
                         help="only the last DAYS days (default: every session)")
    command.add_argument("--out", metavar="FILE.html", default=DEFAULT_OUT,
                         help=f"where to write it (default: {DEFAULT_OUT} here; - for "
                         "standard output)")
    command.add_argument("--history", metavar="PATH",
                         help="the history file (default: $VOICECOACH_HISTORY, else "
                         "history.sqlite3 in your user data folder)")
    command.set_defaults(run=run_report)


def run_report(args: argparse.Namespace, out: Console,
               now: Callable[[], datetime] = utc_now) -> int:
    """`now` is the end of the period (a fixed clock in tests)."""
    target = None if args.out == "-" else check_output_file(
        Path(args.out).expanduser(), "--out", (".html", ".htm"))
    moment = now()
    period = Period(since_from(args.since, moment), moment)
    path = Path(args.history).expanduser() if args.history else default_history_path()
    # The coach's advice about pain looks back two weeks, whatever the period.
    reach = period.start and min(period.start, moment - ADVICE_LOOKBACK)
    records, _ = read_history(path, reach)
    areas = {name: [str(area) for area in routine.areas]
             for name, routine in load_library(warn=warn).routines.items()}
    figures = progress(records, period, areas)
    page = report_page(figures, moment)
    if target is None:
        out.file.write(page)
        return 0
    try:
        write_text_atomically(target, page)
    except OSError as exc:
        raise OutputError(f"--out {target}: cannot write the report ({exc.strerror}); "
                          "choose a folder you can write to") from exc
    out.print(f"Report of {counted(len(figures.sessions), 'session')} written to {target}",
              markup=False, highlight=False)
    return 0

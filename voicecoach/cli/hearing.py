"""The hearing commands: `listen`, `devices` and `model`. Arguments in, adapters wired, output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table
from rich.text import Text

from ..audio.source import AudioError, AudioSource, device_from_text
from ..core.grammar import CommandGrammar
from ..core.vocabulary import VocabularyState, vocabulary_for
from ..hearing.backends import Backend, build_recognizer
from ..hearing.decisions import decisions_from
from ..hearing.listener import CommandListener, Decision
from ..hearing.pipeline import HearingOptions, build_listener
from ..hearing.vosk_backend import VoskGrammar
from ..hearing.vosk_models import (
    ENGLISH_MODEL,
    ENV_VARIABLE,
    ModelError,
    find_english_model,
    problems_with,
    search_dirs,
    user_models_dir,
)
from .origins import origin_of


def _say(message: str) -> None:
    print(f"voicecoach: {message}", file=sys.stderr)


def _print(decision: Decision, source: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"file": source, **decision.as_json()}), flush=True)
        return
    meaning = decision.command.intent.value if decision.command else "not a command"
    if decision.woke:
        meaning = "the wake word: listening for a command"
    elif decision.command is not None and decision.command.addressed:
        meaning += " (after the wake word)"
    heard = decision.text or "(not understood)"
    early = ", early" if decision.early else ""
    print(f"{decision.decided_s:7.2f}s  {heard:<24} -> {meaning}{early}", flush=True)


def _listen_to(
    source: AudioSource, name: str, listener: CommandListener, args: argparse.Namespace,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    accepted = False
    for decision in decisions_from(source, listener, max_seconds=args.seconds,
                                   should_stop=should_stop):
        accepted = accepted or decision.command is not None
        if decision.command is not None or decision.text or args.json:
            _print(decision, name, args.json)
    if not accepted and args.json:
        print(json.dumps({"file": name, "text": "", "intent": None, "slots": {},
                          "confidence": 0.0, "speech_end_s": None,
                          "decided_s": round(listener.clock.seconds, 3), "verified": None}),
              flush=True)


def hearing_options(args: argparse.Namespace) -> HearingOptions:
    """The hearing the command line asked for (`--backend`, `--model`, `--no-profile`,
    `--no-verify`)."""
    return HearingOptions(
        backend=Backend(args.backend),
        model=Path(args.model).expanduser() if args.model else None,
        verify=not args.no_verify,
        profile=not args.no_profile,
        model_origin=origin_of(args, "model"),
    )


def listen(args: argparse.Namespace, grammar: CommandGrammar) -> int:
    listener = build_listener(grammar, hearing_options(args), say=_say)
    listener.early = not args.no_early
    if args.state:
        listener.listen_for(vocabulary_for(VocabularyState(args.state),
                                           grammar.wake_word is not None))
    if args.input:
        from ..audio.wav_file import WavFileSource
        from ..session.stopping import StopRequest, exit_code, stop_on_signals

        # Ctrl-C or SIGTERM: what was heard so far is decided and printed, then the end.
        stop = StopRequest()
        failed: list[str] = []
        with stop_on_signals(stop):
            for index, path in enumerate(args.input):
                if stop.made:
                    break
                if index:
                    listener.restart()
                # A file that cannot be read (empty, damaged, missing) is named, and the others
                # are still heard: one bad file must not cost the rest of a batch.
                try:
                    with WavFileSource(Path(path), chunk_seconds=0.05, on_note=_say) as source:
                        _listen_to(source, path, listener, args, should_stop=lambda: stop.made)
                except AudioError as exc:
                    _say(str(exc))
                    failed.append(path)
        if stop.made:
            _say(f"stopped by {stop.by}")
            return exit_code(stop.by)
        if failed and len(args.input) > 1:
            _say(f"{len(failed)} of {len(args.input)} files could not be heard: "
                 f"{', '.join(failed)}")
        return 1 if failed else 0
    from ..audio.microphone import MicrophoneSource

    microphone = MicrophoneSource(device_from_text(args.device), rate=args.rate,
                                  channels=args.channels, on_problem=_say,
                                  origin=origin_of(args, "device"))
    microphone.start()
    _say(f"listening on {microphone.device_name!r} ({microphone.rate} Hz); Ctrl-C to stop")
    try:
        _listen_to(microphone, "microphone", listener, args)
    except KeyboardInterrupt:
        pass
    finally:
        microphone.close()
    return 0


# What to look at when PortAudio finds nothing, from the most to the least common cause.
_WHAT_TO_CHECK = (
    "check that the USB microphone or sound card is plugged in, that you are in the `audio` "
    "group (`groups`; if not: `sudo usermod -aG audio $USER`, then log in again), and that "
    "ALSA lists it (`arecord -l`; if not, the kernel has no driver for it)")
NO_AUDIO_DEVICE = f"no audio device found (PortAudio sees no sound card); {_WHAT_TO_CHECK}"
NO_MICROPHONE = f"none of these devices has an input, so there is no microphone; {_WHAT_TO_CHECK}"


def devices(args: argparse.Namespace, out: Console) -> int:
    from ..audio.microphone import list_devices

    rows = list_devices()
    if args.json:
        print(json.dumps(rows, indent=2))
    if not rows:  # an empty table explains nothing
        _say(NO_AUDIO_DEVICE)
        return 1
    if not any(row["inputs"] for row in rows):
        _say(NO_MICROPHONE)
    if args.json:
        return 0
    table = Table(title="Audio devices (use the index or name with --device)")
    for column in ("index", "name", "inputs", "outputs", "rate", "default"):
        table.add_column(column)
    for row in rows:
        default = " ".join(k for k in ("input", "output") if row[f"default_{k}"])
        table.add_row(str(row["index"]), row["name"], str(row["inputs"]), str(row["outputs"]),
                      f"{row['rate']:.0f}", default)
    out.print(table)
    return 0


# The words a user says most, named when a model knows none of them.
COMMON_COMMAND_WORDS = ("start", "stop", "next", "pause", "help")


def command_vocabulary(path: Path) -> VoskGrammar:
    """Which of the built-in library's command sentences the model at `path` can hear: a model
    of another language knows none of their words (its folder name may say nothing)."""
    from ..hearing.vosk_backend import load_model, restrict_grammar
    from ..library import load_library

    return restrict_grammar(load_model(path), load_library().grammar.sentences)


def _language_problem(path: Path) -> tuple[str | None, list[str]]:
    """Why the model cannot hear the commands (None: it can), and the words it lacks."""
    try:
        vocabulary = command_vocabulary(path)
    except ModelError as exc:
        return str(exc), []
    if not vocabulary.sentences:
        common = [word for word in COMMON_COMMAND_WORDS if word in vocabulary.unknown_words]
        some = ", ".join(common or vocabulary.unknown_words[:5])
        problem = (f"{path} is not an English model: it knows none of the command words "
                   f"({some}, ...); use an English model, e.g. `voicecoach model download`")
        return problem, vocabulary.unknown_words
    return None, vocabulary.unknown_words


def _status(args: argparse.Namespace) -> dict[str, Any]:
    explicit = Path(args.model).expanduser() if args.model else None
    unknown_words: list[str] = []
    try:
        found = find_english_model(explicit)
        problem = None
    except ModelError as exc:
        found, problem = None, str(exc)
    if found is not None:
        problem, unknown_words = _language_problem(found.path)
    # A model named (--model, the environment) that cannot be used stops every command that
    # hears, `--backend auto` included: it does not fall back to PocketSphinx.
    backend = None if problem else Backend.VOSK if found is not None else Backend.POCKETSPHINX
    return {
        "vosk_model": str(found.path) if found else None,
        "found_by": found.source if found else None,
        "problem": problem,
        "unknown_words": unknown_words,
        "searched": ["--model", f"${ENV_VARIABLE}", *map(str, search_dirs())],
        "auto_backend": backend.value if backend else None,
        "pocketsphinx": "built in (US English, no download needed)",
        "download": {"name": ENGLISH_MODEL.name, "url": ENGLISH_MODEL.url,
                     "bytes": ENGLISH_MODEL.size, "sha256": ENGLISH_MODEL.sha256},
    }


def model(args: argparse.Namespace, out: Console) -> int:
    target = Path(args.into).expanduser() if args.into else user_models_dir()
    if args.archive and args.action != "install":  # never silently ignored
        raise ModelError(
            f"`voicecoach model {args.action}` takes no file (got {args.archive}); to check a "
            "model folder: voicecoach model status --model FOLDER; to install a zip: "
            "voicecoach model install ZIP")
    if args.action == "status":
        status = _status(args)
        if args.json:
            print(json.dumps(status, indent=2))
        else:
            where = status["vosk_model"] or "none installed"
            english = "Vosk model" if status["problem"] else "English Vosk model"
            out.print(Text(f"{english}: {where}"))
            if status["problem"]:
                out.print(Text.assemble(("problem: ", "red"), status["problem"]))
            elif status["unknown_words"]:
                out.print(Text("commands with words this model does not know are left out: "
                               + ", ".join(status["unknown_words"])))
            out.print(f"searched: {', '.join(status['searched'])}")
            out.print(f"PocketSphinx: {status['pocketsphinx']}")
            auto = status["auto_backend"] or "nothing: it stops at the problem above"
            out.print(f"--backend auto would use: [bold]{auto}[/bold]")
            if not status["vosk_model"]:
                out.print(f"get the Vosk model: voicecoach model download  "
                          f"({ENGLISH_MODEL.size / 1e6:.0f} MB from {ENGLISH_MODEL.url})")
        return 0 if status["problem"] is None else 1
    from ..hearing.model_download import download, install

    if args.action == "install":
        if not args.archive:
            raise ModelError(f"say which zip to install: voicecoach model install "
                             f"{ENGLISH_MODEL.name}.zip")
        path = install(ENGLISH_MODEL, Path(args.archive).expanduser(), target)
    else:
        if not problems_with(target / ENGLISH_MODEL.name):
            out.print(f"already installed: {target / ENGLISH_MODEL.name}")
            return 0
        # auto_refresh=False: the bar redraws as bytes arrive, with no refresh thread to leak.
        with Progress(*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(),
                      TransferSpeedColumn(), console=out, auto_refresh=False) as progress:
            task = progress.add_task(ENGLISH_MODEL.name, total=ENGLISH_MODEL.size)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)
                progress.refresh()

            path = download(ENGLISH_MODEL, target, progress=advance)
    out.print(f"installed and verified: {path}")
    return 0


def accuracy(args: argparse.Namespace, grammar: CommandGrammar, out: Console) -> int:
    """Command accuracy, rejection and latency of one backend, on synthetic and recorded
    speech: the share of commands understood, of other speech taken for a command, and the
    median and 95th-percentile time from the end of speech to the decision."""
    from ..bench.evaluation import VOICES, Figures, evaluate, recorded_clips, synthetic_clips

    # The recordings first: a folder that cannot be used is refused before minutes of work.
    recorded = recorded_clips(Path(args.speech), grammar, on_note=_say) if args.speech else None
    model = Path(args.model).expanduser() if args.model else None
    recognizer = build_recognizer(Backend(args.backend), grammar, model, say=_say,
                                  plain=args.plain)
    listener = CommandListener(recognizer, grammar, early=not (args.no_early or args.plain))
    voices = VOICES[:1] if args.quick else VOICES
    suites = {"synthetic": synthetic_clips(grammar, voices=voices)}
    if recorded is not None:
        suites["recorded"] = recorded
    report: dict[str, Any] = {"backend": recognizer.name, "plain": args.plain}
    for name, clips in suites.items():
        with Progress(console=out, auto_refresh=False, transient=True) as progress:
            task = progress.add_task(f"{name} speech", total=len(clips))

            def tick(task: Any = task, progress: Progress = progress) -> None:
                progress.advance(task)
                progress.refresh()

            figures: Figures = evaluate(listener, clips, progress=tick)
        report[name] = {
            "commands": figures.commands,
            "accuracy": _rounded(figures.accuracy, 4),
            "others": figures.others,
            "false_accept_rate": _rounded(figures.false_accept_rate, 4),
            "latency_median_s": _rounded(figures.latency(0.5), 3),
            "latency_p95_s": _rounded(figures.latency(0.95), 3),
            "mistakes": figures.mistakes if args.verbose else len(figures.mistakes),
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    out.print(accuracy_table(report))
    for name in suites if args.verbose else []:
        for mistake in report[name]["mistakes"]:
            out.print(f"{name}: {escape(mistake)}")
    return 0


def _rounded(value: float | None, digits: int) -> float | None:
    """Figures as measured, without float noise (0.39, not 0.3900000000000001)."""
    return None if value is None else round(value, digits)


def accuracy_table(report: dict[str, Any]) -> Table:
    """The report of `accuracy` as bench prints its own: a row per figure, a column per kind
    of speech."""
    suites = [name for name in ("synthetic", "recorded") if name in report]
    plain = ", plain (no rejection, final results only)" if report["plain"] else ""
    result = Table(title=f"voicecoach accuracy, {report['backend']}{plain}")
    result.add_column("figure")
    for name in suites:
        result.add_column(f"{name} speech", justify="right")
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("commands understood", lambda f: f"{_share(f['accuracy'])} of {f['commands']}"),
        ("other speech acted on",
         lambda f: f"{_share(f['false_accept_rate'])} of {f['others']}"),
        ("latency median (s)", lambda f: _seconds(f["latency_median_s"])),
        ("latency p95 (s)", lambda f: _seconds(f["latency_p95_s"])),
        ("mistakes", lambda f: str(f["mistakes"] if isinstance(f["mistakes"], int)
                                   else len(f["mistakes"]))),
    ]
    for label, cell in rows:
        result.add_row(label, *[cell(report[name]) for name in suites])
    return result


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"

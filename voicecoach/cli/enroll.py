"""`voicecoach enroll`: the coach learns the user's voice, their commands and their ordinary
talk. Arguments in, output out; the work is in `adapting/enrollment.py` (recording),
`hearing/ordinary_speech.py` (the sentences), `adapting/mllr.py` (adaptation) and
`adapting/profile_builder.py` (the profile on disk)."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..adapting.enrollment import PHRASES, REPEATS, Take, enroll_from
from ..adapting.mllr import AdaptationError, transcript_words
from ..adapting.profile_builder import build_profile, command_verifier_adapter, forget_profile
from ..audio.clip_folders import (
    LABELS,
    ClipFolderError,
    clip_problem,
    load_clip,
    read_labels,
)
from ..audio.source import AudioError, Samples, device_from_text
from ..core.wording import counted
from ..hearing.ordinary_speech import SENTENCES
from ..hearing.voice_profile import (
    ADD_SENTENCES,
    ProfileError,
    VoiceProfile,
    profile_folder,
    read_profile,
)
from ..limits import ENROLL_REPEATS, MICROPHONE_CHANNELS, MICROPHONE_RATE
from .bounds import option_type

MIN_EXAMPLES = 3  # fewer than this and the transform learns the clips, not the voice


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    about = ("learn your voice: say each command a few times, then read three ordinary "
             "sentences (about a minute and a half), or give recorded clips with --input")
    enroll = sub.add_parser("enroll", help=about, description=about)
    action = enroll.add_mutually_exclusive_group()
    action.add_argument("--input", metavar="DIR",
                        help="recorded clips instead of the microphone: a folder with "
                        "labels.csv (path,transcript) and the WAV files it lists; put a few "
                        "sentences of your ordinary talk among them too")
    action.add_argument("--add-sentences", action="store_true",
                        help="read only the sentences and add them to your voice profile, "
                        "keeping its clips (for a profile made before enroll asked for them)")
    action.add_argument("--status", action="store_true", help="show the voice profile")
    action.add_argument("--forget", action="store_true", help="delete the voice profile")
    enroll.add_argument("--profile", metavar="DIR",
                        help="the profile folder (default: $VOICECOACH_PROFILE or your user "
                        "data folder)")
    enroll.add_argument("--repeats", type=option_type(ENROLL_REPEATS), default=REPEATS, metavar="N",
                        help=f"takes of each phrase from the microphone (default {REPEATS})")
    # `enroll_device`, not `device`: the main command fills `device` only for its own list of
    # commands; enroll reads the setting itself.
    enroll.add_argument("--device", dest="enroll_device", metavar="NAME-OR-INDEX",
                        help="input device (see `voicecoach devices`; default: the "
                        "`input_device` setting)")
    enroll.add_argument("--rate", type=option_type(MICROPHONE_RATE), metavar="HZ",
                        help="open the microphone at this rate (default: the device's own)")
    enroll.add_argument("--channels", type=option_type(MICROPHONE_CHANNELS), metavar="N",
                        help="open the microphone with this many channels")
    enroll.add_argument("--routines", nargs="+", metavar="PATH",
                        help="routine files or folders whose commands the verifier knows")
    enroll.set_defaults(run=lambda args, out: run(args))


def _say(message: str) -> None:
    print(f"voicecoach: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.profile).expanduser() if args.profile else profile_folder()
    try:
        if args.status:
            return _status(folder)
        if args.forget:
            print("voice profile forgotten" if forget_profile(folder)
                  else f"no voice profile in {folder}")
            return 0
        if args.add_sentences:
            return _add_sentences(folder, args)
        examples = _from_folder(Path(args.input)) if args.input else _from_microphone(args)
        return _build(examples, folder, args)
    except (ClipFolderError, AdaptationError, ProfileError, AudioError, OSError) as exc:
        _say(str(exc))
        return 1


def _status(folder: Path) -> int:
    profile = read_profile(folder)
    if profile is None:
        print(f"no voice profile in {folder}: `voicecoach enroll` makes one")
        return 0
    print(_describe(profile))
    if not profile.sentences:
        print(f"Your voice profile {ADD_SENTENCES}.")
    return 0


def _describe(profile: VoiceProfile) -> str:
    commands = len(profile.clips) - len(profile.sentences)
    parts = [f"voice profile in {profile.folder}", f"{counted(commands, 'clip')} "
             f"of {counted(len(profile.words) - len(profile.sentences), 'phrase')}",
             f"{counted(len(profile.sentences), 'sentence')} of ordinary talk"]
    if profile.mllr_path is not None:
        parts.append(f"speaker adaptation {profile.mllr_path.stat().st_size / 1024:.1f} KB")
    parts.append("command verifier adapted" if profile.verifier_path is not None
                 else "no adapted verifier")
    if profile.created:
        parts.append(f"made {profile.created}")
    return "; ".join(parts)


def _from_folder(folder: Path) -> list[tuple[str, Samples]]:
    clips = read_labels(folder)
    for clip in clips:
        bad = [w for w in transcript_words(clip.transcript) if not w.replace("'", "").isalpha()]
        if bad:
            raise ClipFolderError(f"{clip.path}: the transcript word {bad[0]!r} is not a word; "
                                  "spell numbers out and leave punctuation out in labels.csv")
    # A file listed on several lines is read, judged and named once.
    listed = Counter(clip.path.resolve() for clip in clips)
    judged: dict[Path, Samples | None] = {}
    examples = []
    for clip in clips:
        file = clip.path.resolve()
        if file not in judged:
            audio = load_clip(clip, on_note=_say)
            problem = clip_problem(audio)
            judged[file] = audio if problem is None else None
            if problem is not None:
                lines = f" (on {listed[file]} lines of {LABELS})" if listed[file] > 1 else ""
                _say(f"{clip.path.name}: {problem}, left out{lines}")
        if (usable := judged[file]) is not None:
            examples.append((clip.transcript, usable))
    return examples


def _from_microphone(args: argparse.Namespace, phrases: Sequence[str] = PHRASES
                     ) -> list[tuple[str, Samples]]:
    from ..audio.microphone import MicrophoneSource
    from ..settings import load_settings

    device = args.enroll_device
    if device is None:
        device = load_settings().input_device
    microphone = MicrophoneSource(device_from_text(device), rate=args.rate,
                                  channels=args.channels, on_problem=_say)
    microphone.start()
    if phrases:
        print(f"Listening on {microphone.device_name!r}. Say each phrase when asked, as you "
              "would to the coach, then wait a moment. Then read three ordinary sentences "
              "aloud. Ctrl-C stops.")
    else:
        print(f"Listening on {microphone.device_name!r}.")
    readings_begun = False

    def ask(take: Take) -> None:
        nonlocal readings_begun
        if take.reading and not readings_begun:
            readings_begun = True
            print(WHY_SENTENCES, flush=True)
        if take.reading:
            print(f"  read: \u201c{take.phrase}\u201d", flush=True)
        else:
            print(f"  say: \u201c{take.phrase}\u201d  ({take.number} of {take.of})", flush=True)

    try:
        return enroll_from(microphone, ask, lambda message: print(f"    {message}", flush=True),
                           phrases, args.repeats, sentences=SENTENCES)
    finally:
        microphone.close()


# Said before the first sentence: what is asked, and why.
WHY_SENTENCES = ("Now read each sentence aloud, as you would talk to someone in the room, then "
                 "wait a moment. None of them is a command: the coach learns what your ordinary "
                 "talk sounds like, so that knowing your voice does not make it take your other "
                 "words for commands.")


def _add_sentences(folder: Path, args: argparse.Namespace) -> int:
    """The profile's clips kept, its sentences (if any) read again: the profile is rebuilt
    from both, and replaced only once the new one is complete."""
    profile = read_profile(folder)
    if profile is None:
        raise ProfileError(f"no voice profile in {folder} to add sentences to: "
                           "`voicecoach enroll` makes one, sentences and all")
    read = _from_microphone(args, phrases=())
    if not read:
        raise ProfileError("no sentence was heard, so your voice profile is left as it was; "
                           "try again a little closer to the microphone")
    kept = [(clip.transcript, load_clip(clip)) for clip in profile.clips
            if clip not in profile.sentences]
    return _build([*kept, *read], folder, args)


def _build(examples: Sequence[tuple[str, Samples]], folder: Path,
           args: argparse.Namespace) -> int:
    if len(examples) < MIN_EXAMPLES:
        raise ClipFolderError(f"only {counted(len(examples), 'usable clip')}: at least "
                              f"{MIN_EXAMPLES} are needed to learn a voice; record more")
    from ..library import load_library

    paths = [Path(p) for p in args.routines] if args.routines else None
    grammar = load_library(paths, warn=lambda line: print(f"voicecoach: {line}",
                                                          file=sys.stderr)).grammar
    started = time.monotonic()
    profile = build_profile(examples, folder, command_verifier_adapter(grammar, _say))
    print(f"{_describe(profile)}; learnt in {time.monotonic() - started:.1f} s")
    if not profile.sentences and args.input:
        _say(f"the clips in {args.input} hold no sentence of ordinary talk, so the coach may "
             "take more of your other words for commands: add two or three sentences you "
             "would say in the room, with no command in them, to its labels.csv and enroll "
             "again, or run `voicecoach enroll --add-sentences`")
    elif not profile.sentences:
        _say(f"no sentence was heard: your voice profile {ADD_SENTENCES}")
    return 0


__all__ = ["add_parser", "run"]

"""The user's voice profile: what `voicecoach enroll` learnt, in the user data folder.

    voice-profile/            ($VOICECOACH_PROFILE, or platformdirs' user data folder)
      profile.json            what is here, and when it was made
      labels.csv              path,transcript: the enrollment clips (commands, and the
                              ordinary sentences the user read, without punctuation)
      clips/*.wav             16 kHz mono: kept so a later voicecoach can learn from them again
      mllr_matrix             PocketSphinx's speaker adaptation (MLLR), ~5 KB
      command-verifier.npz    the command classifier fine-tuned on the clips (when there is one)

A profile is built whole in a folder beside the target and renamed into place: the old profile
stays until the new one is complete, and a crash leaves either the old one or the new one. A
profile that is damaged anyway (edited, half-copied) is reported in one line and left out; the
coach carries on with the base models.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from platformdirs import user_data_path

from ..audio.source import Samples
from ..audio.synthetic import write_wav
from ..core.errors import VoicecoachError
from ..core.grammar import CommandGrammar
from .enrollment_clips import ClipFolderError, LabelledClip, read_labels
from .mllr import estimate_mllr, read_mllr
from .ordinary_speech import is_ordinary_sentence, pieces

PROFILE_ENV = "VOICECOACH_PROFILE"
FOLDER_NAME = "voice-profile"
MANIFEST = "profile.json"
MLLR_FILE = "mllr_matrix"
VERIFIER_FILE = "command-verifier.npz"
CLIPS = "clips"
FORMAT_VERSION = 1
_BUILDING = ".building-"  # a profile being built: `.voice-profile.building-xxxx`
_REPLACED = ".replaced-"  # the previous profile, between the two renames of a swap
# What a profile made before enrollment asked for sentences lacks, and how to add it.
ADD_SENTENCES = ("it holds none of your ordinary talk, so the coach may take more of your "
                 "other words for commands: `voicecoach enroll --add-sentences` adds three "
                 "sentences read aloud (about 20 s) and keeps your clips")


class ProfileError(VoicecoachError):
    """A profile that cannot be read; the message names the file, the cause and the fix."""


@dataclass(frozen=True)
class VoiceProfile:
    folder: Path
    clips: list[LabelledClip]
    mllr_path: Path | None
    verifier_path: Path | None
    created: str = ""  # ISO 8601, local time
    build_seconds: float = 0.0

    @property
    def words(self) -> list[str]:
        return sorted({clip.transcript for clip in self.clips})

    @property
    def sentences(self) -> list[LabelledClip]:
        """The user's ordinary talk the verifier learnt as such (none in a profile made before
        enrollment asked for it)."""
        return [clip for clip in self.clips if is_ordinary_sentence(clip.transcript)]


class VerifierAdapter(Protocol):
    def __call__(self, examples: Sequence[tuple[str, Samples]], out: Path) -> Path | None:
        """Writes a verifier adapted to `examples` at `out` and returns it; None when there is
        no verifier to adapt (and says why through its own channel)."""


def profile_folder() -> Path:
    configured = os.environ.get(PROFILE_ENV)
    if configured:
        return Path(configured).expanduser()
    return user_data_path("voicecoach", appauthor=False) / FOLDER_NAME


def read_profile(folder: Path | None = None) -> VoiceProfile | None:
    """The profile in `folder` (default: `profile_folder()`), None if there is none; a damaged
    one is a ProfileError."""
    folder = folder or profile_folder()
    _recover_interrupted_swap(folder)
    manifest_path = folder / MANIFEST
    if not folder.exists():
        return None
    fix = "run `voicecoach enroll` again (or `voicecoach enroll --forget`)"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"{manifest_path}: missing, so the voice profile is incomplete; "
                           f"{fix}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"{manifest_path}: unreadable ({exc}); {fix}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise ProfileError(f"{manifest_path}: not a voice profile this voicecoach reads; {fix}")
    try:
        clips = read_labels(folder)
    except ClipFolderError as exc:
        raise ProfileError(f"{exc}; {fix}") from exc
    mllr_path = _listed_file(folder, manifest, "mllr", fix)
    if mllr_path is not None:
        try:
            read_mllr(mllr_path)
        except ValueError as exc:
            raise ProfileError(f"{mllr_path}: not a speaker adaptation ({exc}); {fix}") from exc
    return VoiceProfile(folder, clips, mllr_path, _listed_file(folder, manifest, "verifier", fix),
                        str(manifest.get("created", "")),
                        float(manifest.get("build_seconds", 0.0)))


def load_profile(
    folder: Path | None = None, on_problem: Callable[[str], None] | None = None
) -> VoiceProfile | None:
    """The profile if there is a usable one. A damaged profile is reported to `on_problem` in
    one line and treated as absent: the coach hears with its base models."""
    try:
        return read_profile(folder)
    except ProfileError as exc:
        if on_problem is not None:
            on_problem(f"voice profile left out: {exc}")
        return None


def _listed_file(folder: Path, manifest: dict[str, object], key: str, fix: str) -> Path | None:
    name = manifest.get(key)
    if name is None:
        return None
    path = folder / str(name)
    if not path.is_file():
        raise ProfileError(f"{path}: missing from the voice profile; {fix}")
    return path


def build_profile(
    examples: Sequence[tuple[str, Samples]],
    folder: Path | None = None,
    adapt_verifier: VerifierAdapter | None = None,
    model_cache: Path | None = None,
) -> VoiceProfile:
    """Learns the user's voice from `examples` (transcript, 16 kHz audio) and makes it the
    profile in `folder`, replacing any previous one only once the new one is complete."""
    folder = folder or profile_folder()
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(folder)
    started = time.monotonic()
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}{_BUILDING}", dir=folder.parent))
    try:
        _write_clips(examples, staging)
        estimate_mllr(examples, staging / MLLR_FILE, model_cache)
        verifier = adapt_verifier(examples, staging / VERIFIER_FILE) if adapt_verifier else None
        manifest = {
            "format": FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "clips": len(examples),
            "mllr": MLLR_FILE,
            "verifier": verifier.name if verifier is not None else None,
            "build_seconds": round(time.monotonic() - started, 3),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _fsync_tree(staging)
        _swap_into_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already unless something failed
    profile = read_profile(folder)
    assert profile is not None  # just written
    return profile


def forget_profile(folder: Path | None = None) -> bool:
    """Removes the profile; True if there was one. It is renamed away first, so a removal cut
    short never leaves something that looks like a profile."""
    folder = folder or profile_folder()
    _recover_interrupted_swap(folder)
    _remove_leftovers(folder)
    if not folder.exists():
        return False
    doomed = folder.with_name(f".{folder.name}.forgotten")
    if doomed.exists():
        shutil.rmtree(doomed)
    folder.rename(doomed)
    shutil.rmtree(doomed)
    return True


def _write_clips(examples: Sequence[tuple[str, Samples]], folder: Path) -> None:
    clips = folder / CLIPS
    clips.mkdir()
    rows = []
    for number, (transcript, audio) in enumerate(examples, start=1):
        name = f"{number:03d}-{'-'.join(transcript.lower().split())[:40]}.wav"
        write_wav(clips / name, audio)
        rows.append((f"{CLIPS}/{name}", transcript))
    with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as labels:
        writer = csv.writer(labels)
        writer.writerow(["path", "transcript"])
        writer.writerows(rows)


def _fsync_tree(folder: Path) -> None:
    """On disk before the rename that publishes it: after a power cut the new profile is
    either whole or absent, never renamed into place with empty files."""
    for path in [*folder.rglob("*"), folder]:
        if path.is_file():
            with path.open("rb") as stream:
                os.fsync(stream.fileno())
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _swap_into_place(staging: Path, folder: Path) -> None:
    """Two renames: the old profile aside, the new one in. A crash between them leaves the old
    one beside its place, where the next read puts it back."""
    if not folder.exists():
        staging.rename(folder)
        return
    replaced = folder.with_name(f".{folder.name}{_REPLACED}{os.getpid()}")
    if replaced.exists():
        shutil.rmtree(replaced)
    folder.rename(replaced)
    staging.rename(folder)
    shutil.rmtree(replaced, ignore_errors=True)


def _recover_interrupted_swap(folder: Path) -> None:
    if folder.exists() or not folder.parent.is_dir():
        return
    previous = sorted(folder.parent.glob(f".{folder.name}{_REPLACED}*"))
    if previous:
        previous[-1].rename(folder)


def _remove_leftovers(folder: Path) -> None:
    """Half-built profiles of a build that crashed (never read, only cleared away)."""
    if not folder.parent.is_dir():
        return
    for leftover in folder.parent.glob(f".{folder.name}{_BUILDING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if folder.exists():
        for leftover in folder.parent.glob(f".{folder.name}{_REPLACED}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def command_verifier_adapter(
    grammar: CommandGrammar, say: Callable[[str], None]
) -> VerifierAdapter:
    """The real seam: the command classifier (`command_classifier.py`) fine-tuned on the
    clips. Clips of commands teach their label; any other words teach "other" (the user's own
    voice saying what is not a command), and a sentence with no command in it teaches "other"
    whole and cut into pieces (`ordinary_speech.py`). Without a classifier, the profile has no
    verifier."""

    def adapt(examples: Sequence[tuple[str, Samples]], out: Path) -> Path | None:
        try:
            classifiers = importlib.import_module(f"{__package__}.command_classifier")
        except ImportError:
            say("no command verifier in this voicecoach: only the recogniser learns your voice")
            return None
        try:
            base = classifiers.CommandClassifier.load()
            labelled = []
            for number, (transcript, audio) in enumerate(examples):
                command = grammar.parse(transcript)
                label = classifiers.OTHER if command is None else classifiers.label_for(command)
                if label in base.labels:
                    labelled.append((label, audio))
                if command is None and is_ordinary_sentence(transcript):
                    rng = np.random.default_rng(number)  # the same clips, the same pieces
                    labelled += [(classifiers.OTHER, piece) for piece in pieces(audio, rng)]
            if not labelled:
                say("none of the clips is a command the verifier knows: it is left as it is")
                return None
            base.adapted(labelled).save(out)
        except classifiers.ClassifierError as exc:
            say(f"the command verifier is left as it is: {exc}")
            return None
        return out

    return adapt

"""Building, swapping and forgetting the voice profile (`hearing/voice_profile.py` reads it): the
enrollment clips written down, PocketSphinx adapted (MLLR) and the command verifier fine-tuned on
them, all in a folder beside the profile, on disk, then renamed into place."""

from __future__ import annotations

import csv
import importlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..audio.source import Samples
from ..audio.synthetic import write_wav
from ..core.grammar import CommandGrammar
from ..hearing.ordinary_speech import is_ordinary_sentence, pieces
from ..hearing.voice_profile import (
    BUILDING,
    CLIPS,
    FORMAT_VERSION,
    MANIFEST,
    MLLR_FILE,
    REPLACED,
    VERIFIER_FILE,
    VoiceProfile,
    profile_folder,
    read_profile,
    recover_interrupted_swap,
)
from .classifier_adaptation import adapted
from .mllr import estimate_mllr


class VerifierAdapter(Protocol):
    def __call__(self, examples: Sequence[tuple[str, Samples]], out: Path) -> Path | None:
        """Writes a verifier adapted to `examples` at `out` and returns it; None when there is
        no verifier to adapt (and says why through its own channel)."""


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
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}{BUILDING}", dir=folder.parent))
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
    recover_interrupted_swap(folder)
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
    replaced = folder.with_name(f".{folder.name}{REPLACED}{os.getpid()}")
    if replaced.exists():
        shutil.rmtree(replaced)
    folder.rename(replaced)
    staging.rename(folder)
    shutil.rmtree(replaced, ignore_errors=True)


def _remove_leftovers(folder: Path) -> None:
    """Half-built profiles of a build that crashed (never read, only cleared away)."""
    if not folder.parent.is_dir():
        return
    for leftover in folder.parent.glob(f".{folder.name}{BUILDING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if folder.exists():
        for leftover in folder.parent.glob(f".{folder.name}{REPLACED}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def command_verifier_adapter(
    grammar: CommandGrammar, say: Callable[[str], None],
    learn: Callable[[Any, Sequence[tuple[str, Samples]]], Any] = adapted,
) -> VerifierAdapter:
    """The real seam: the command classifier (`command_classifier.py`) fine-tuned on the
    clips. Clips of commands teach their label; any other words teach "other" (the user's own
    voice saying what is not a command), and a sentence with no command in it teaches "other"
    whole and cut into pieces (`ordinary_speech.py`). Without a classifier, the profile has no
    verifier. `learn` fine-tunes the model on the labelled clips (`classifier_adaptation`)."""

    def adapt(examples: Sequence[tuple[str, Samples]], out: Path) -> Path | None:
        try:
            classifiers = importlib.import_module("..hearing.command_classifier", __package__)
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
            learn(base, labelled).save(out)
        except classifiers.ClassifierError as exc:
            say(f"the command verifier is left as it is: {exc}")
            return None
        return out

    return adapt

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

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from ..audio.clip_folders import ClipFolderError, LabelledClip, read_labels
from ..core.errors import VoicecoachError
from .mllr_file import read_mllr
from .ordinary_speech import is_ordinary_sentence

PROFILE_ENV = "VOICECOACH_PROFILE"
FOLDER_NAME = "voice-profile"
MANIFEST = "profile.json"
MLLR_FILE = "mllr_matrix"
VERIFIER_FILE = "command-verifier.npz"
CLIPS = "clips"
FORMAT_VERSION = 1
BUILDING = ".building-"  # a profile being built: `.voice-profile.building-xxxx`
REPLACED = ".replaced-"  # the previous profile, between the two renames of a swap
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


def profile_folder() -> Path:
    configured = os.environ.get(PROFILE_ENV)
    if configured:
        return Path(configured).expanduser()
    return user_data_path("voicecoach", appauthor=False) / FOLDER_NAME


def read_profile(folder: Path | None = None) -> VoiceProfile | None:
    """The profile in `folder` (default: `profile_folder()`), None if there is none; a damaged
    one is a ProfileError."""
    folder = folder or profile_folder()
    recover_interrupted_swap(folder)
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


def recover_interrupted_swap(folder: Path) -> None:
    if folder.exists() or not folder.parent.is_dir():
        return
    previous = sorted(folder.parent.glob(f".{folder.name}{REPLACED}*"))
    if previous:
        previous[-1].rename(folder)

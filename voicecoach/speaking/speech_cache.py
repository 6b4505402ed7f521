"""The folder of synthesised lines: ours to fill, ours to repair.

The cache only ever makes the coach faster, so nothing about it may stop a session: a cache
folder that cannot be created falls back to a temporary folder for this run (said once, with
the fix), and a damaged entry is thrown away and made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_cache_path

from ..audio.source import AudioError, Samples
from ..audio.wav_file import read_all


class CacheUnavailable(AudioError):
    """Not even a temporary folder can be written: a file-based speech engine cannot work."""


def default_cache_dir() -> Path:
    return user_cache_path("voicecoach", appauthor=False) / "speech"


def line_key(*parts: object) -> str:
    """A file name for one line spoken one way (engine, voice, rate, volume, text)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


class SpeechCache:
    def __init__(self, folder: Path | None = None,
                 note: Callable[[str], None] = lambda message: None) -> None:
        self._note = note
        self._temporary: Path | None = None
        self.discarded = 0  # damaged entries thrown away and made again
        wanted = folder or default_cache_dir()
        try:
            wanted.mkdir(parents=True, exist_ok=True)
            self._probe(wanted)
            self.folder = wanted
        except OSError as exc:
            self.folder = self._temporary = self._temporary_folder(wanted, exc)

    @staticmethod
    def _probe(folder: Path) -> None:
        # mkdir(exist_ok) succeeds on a folder we cannot write into: find out now, not mid-line.
        with tempfile.TemporaryFile(dir=folder):
            pass

    def _temporary_folder(self, wanted: Path, cause: OSError) -> Path:
        try:
            folder = Path(tempfile.mkdtemp(prefix="voicecoach-speech-"))
        except OSError as exc:
            raise CacheUnavailable(
                f"no folder to write speech into: {wanted} ({cause.strerror or cause}) and the "
                f"temporary folder ({exc.strerror or exc}); fix: make {wanted.parent} writable "
                f"or set XDG_CACHE_HOME to a writable folder"
            ) from exc
        self._note(
            f"the speech cache {wanted} cannot be used ({cause.strerror or cause}); lines are "
            f"kept in a temporary folder for this run only, so each one may come a little slower "
            f"the first time. Fix: make {wanted.parent} writable or set XDG_CACHE_HOME"
        )
        return folder

    @property
    def temporary(self) -> bool:
        return self._temporary is not None

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.wav"

    def has(self, key: str) -> bool:
        return self.path(key).exists()

    def load(self, key: str) -> Samples | None:
        """The line's audio, or None when it is not there or was damaged (then it is gone)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            audio = read_all(path)
        except AudioError:
            audio = None
        if audio is None or len(audio) == 0:
            self.discard(key)
            return None
        return audio

    def discard(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()
        if self.discarded == 0:
            self._note(f"a damaged line in the speech cache {self.folder} was thrown away and "
                       f"is being made again")
        self.discarded += 1

    def scratch(self) -> tempfile.TemporaryDirectory[str]:
        """A folder beside the entries, so a finished line moves into place in one rename."""
        return tempfile.TemporaryDirectory(dir=self.folder)

    def keep(self, made: Path, key: str) -> Path:
        path = self.path(key)
        shutil.move(str(made), path)  # whole files only: the cache is never half-written
        return path

    def close(self) -> None:
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

"""Replacing a file in place so that it is always either the old file or the whole new one, after
a crash or a power cut too: one way and one guarantee for every file voicecoach writes over (the
settings, the service unit, `--json` figures, a recording, an installed voice).

The new content goes into a hidden file beside the target (the same file system, so the rename
is atomic), reaches the disk before the rename, and the folder is flushed after it, so the
rename itself survives a power cut. A symlink is written through, not replaced (dotfile managers
link settings files). The file keeps the permissions it had, or gets the ones a new file gets
(the umask, never `mkstemp`'s private 0600: a service running as another user must read a
voice).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _new_file_mode() -> int:
    umask = os.umask(0o022)  # the only way to read it is to set it: put it straight back
    os.umask(umask)
    return 0o666 & ~umask


NEW_FILE_MODE = _new_file_mode()


def temporary_beside(path: Path) -> tuple[int, str]:
    """A new hidden file in `path`'s folder, open for writing (its descriptor, its name)."""
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")


def move_into_place(temporary: str | Path, path: Path) -> None:
    """The finished `temporary` replaces `path` whole: on disk first, then renamed over it."""
    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode & 0o777 if target.exists() else NEW_FILE_MODE
    descriptor = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.chmod(temporary, mode)
    os.replace(temporary, target)
    _flush_folder(target.parent)


def _flush_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot flush a folder: the rename
        descriptor = os.open(folder, os.O_RDONLY)  # is still atomic there
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _replace_with(path: Path, fill: Callable[[BinaryIO], object]) -> None:
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = temporary_beside(target)
    try:
        with os.fdopen(handle, "wb") as file:
            fill(file)
        move_into_place(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text_atomically(path: Path, text: str) -> None:
    """`path` (and any folder it needs) holds `text`, UTF-8, whole."""
    _replace_with(path, lambda file: file.write(text.encode("utf-8")))


def copy_atomically(source: Path, path: Path) -> None:
    """`path` holds a copy of `source`, whole."""
    with source.open("rb") as original:
        _replace_with(path, lambda file: shutil.copyfileobj(original, file))

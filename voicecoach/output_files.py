"""Files the user asks voicecoach to write (`--save`, `bench --json`, `train --out`).

Each is checked before the work starts, so an hour of work never ends in a traceback because of
a typo in a folder name; and each is written into a hidden file beside the target and moved into
place (`atomic_files.py`), so the target is either the old file or the whole new one.
"""

from __future__ import annotations

import os
from pathlib import Path

from .atomic_files import temporary_beside
from .core.errors import VoicecoachError


class OutputError(VoicecoachError):
    """An output file that cannot be written; the message names the option and the fix."""


def check_output_file(path: Path, option: str, suffixes: tuple[str, ...] = (),
                      *, create_folder: bool = False) -> Path:
    """`path` if it can be written, else an `OutputError` saying why and what to do.

    `suffixes`: the only endings accepted (lower case, with the dot), the first being the one
    suggested; empty: any. `create_folder`: make a missing folder rather than refuse it.
    """
    if path.is_dir():
        raise OutputError(f"{option} {path}: that is a folder; give a file name in it, e.g. "
                          f"{path / ('output' + (suffixes[0] if suffixes else ''))}")
    if suffixes and path.suffix.lower() not in suffixes:
        accepted = " or ".join(suffixes)
        raise OutputError(f"{option} {path}: only {accepted} files can be written; name it "
                          f"{path.with_suffix(suffixes[0]).name}")
    folder = path.parent
    if create_folder:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{option} {path}: cannot create the folder {folder} "
                              f"({exc.strerror}); choose a folder you can write to") from exc
    if not folder.exists():
        raise OutputError(f"{option} {path}: the folder {folder} does not exist; create it or "
                          "choose another path")
    if not folder.is_dir():
        raise OutputError(f"{option} {path}: {folder} is not a folder; choose another path")
    # Permissions, read-only mounts and full quotas all show only when a file is made: so make
    # one, exactly as the real write will.
    try:
        handle, probe = temporary_beside(path)
    except OSError as exc:
        raise OutputError(f"{option} {path}: cannot write in {folder} ({exc.strerror}); choose "
                          "a folder you can write to") from exc
    os.close(handle)
    Path(probe).unlink(missing_ok=True)
    return path



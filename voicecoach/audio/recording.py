"""A session's recording (`--save FILE.wav`), written as it is made.

Block by block into a hidden file beside the target, moved into place when the session ends
(at the end of the input, on Ctrl-C or on SIGTERM): memory does not grow with the length of the
session, an interrupted session still leaves what it recorded, and the target is never half a
file. A disk that fails mid-session stops the recording, not the session.
"""

from __future__ import annotations

import contextlib
import os
import wave
from pathlib import Path

from ..atomic_files import move_into_place, temporary_beside
from ..output_files import OutputError, check_output_file
from .source import SAMPLE_RATE, Samples

SUFFIXES = (".wav",)  # what `wave` writes; anything else would be WAV data under a false name


def check_recording_path(path: Path, option: str = "--save") -> Path:
    """Before the session: can the recording be written at `path`?"""
    return check_output_file(path, option, SUFFIXES)


class WavRecording:
    def __init__(self, path: Path, rate: int = SAMPLE_RATE, option: str = "--save") -> None:
        self.path = check_recording_path(path, option)
        self.rate = rate
        self.frames = 0
        self.problem: str | None = None  # why the recording stopped early, if it did
        handle, self._temporary = temporary_beside(path)
        self._file = os.fdopen(handle, "wb")
        self._wav: wave.Wave_write | None = wave.open(self._file, "wb")  # noqa: SIM115 - close()
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(rate)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def write(self, samples: Samples) -> None:
        if self._wav is None or self.problem is not None:
            return
        try:
            # Raw: the header's lengths are patched once, on close, not on every 50 ms block.
            self._wav.writeframesraw(samples.astype("<i2").tobytes())
        except OSError as exc:
            self.problem = f"{self.path}: the recording stopped at {self.seconds:.0f} s " \
                           f"({exc.strerror})"
            return
        self.frames += len(samples)

    def close(self) -> Path:
        """Finish the file and move it into place (again: nothing more happens)."""
        if self._wav is None:
            return self.path
        wav, self._wav = self._wav, None
        try:
            wav.close()  # patches the header with the length written
            self._file.close()
            move_into_place(self._temporary, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                self._file.close()
            # What was recorded stays where it is, and the user is told where that is.
            raise OutputError(f"{self.path}: the recording could not be finished "
                              f"({exc.strerror}); what was recorded is in "
                              f"{self._temporary}") from exc
        return self.path

    def __enter__(self) -> WavRecording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

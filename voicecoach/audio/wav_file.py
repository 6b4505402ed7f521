"""An audio file as an audio source: streamed in chunks exactly as the microphone delivers them.

libsndfile (through python-soundfile) reads it: WAV in any encoding it knows (8/16/24/32-bit,
float, A-law, mu-law, WAVE_FORMAT_EXTENSIBLE, any channel count), FLAC, OGG, MP3, AIFF and the
rest. The module keeps its old name because a WAV is still what most people give it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile

from ..core.wording import counted
from .file_problems import plain, why_unreadable
from .resampling import MonoResampler
from .source import SAMPLE_RATE, AudioError, Samples

CHUNK_S = 0.1
# Below this the recording holds no sound above 5.5 kHz: the models are trained on 16 kHz
# wideband speech, and the consonants that tell "stop" from "help" are gone.
WIDEBAND_RATE = SAMPLE_RATE
# libsndfile's log of a WAV whose data chunk is longer in its header than in the file.
_CUT_DATA = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
# Sizes recorders write while still recording (a stream): not a promise of length.
_STREAMING_SIZES = {0, 0x7FFFFFFF, 0xFFFFFFFF, 0x7FFFF000}

Note = Callable[[str], None]


class WavFileSource:
    def __init__(self, path: Path, chunk_seconds: float = CHUNK_S,
                 on_note: Note | None = None) -> None:
        """`on_note` hears, once, what will make the file poorly understood (a narrow band,
        a file cut short) though it can still be read."""
        self.path = path
        self._file = _open(path)
        self.channels = self._file.channels
        self.rate = self._file.samplerate
        self._frames_per_chunk = max(1, round(self.rate * chunk_seconds))
        self._resampler = MonoResampler(self.rate)
        self._ended = False
        self.seconds = self._file.frames / self.rate if self.rate else 0.0
        for note in _notes(path, self._file):
            (on_note or _ignore)(note)

    def read(self, timeout: float | None = None) -> Samples | None:
        if self._ended:
            return None
        try:
            block = self._file.read(self._frames_per_chunk, dtype="float32", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
            said = exc.error_string if isinstance(exc, soundfile.LibsndfileError) else str(exc)
            raise AudioError(f"{self.path}: cannot be read past {self._file.tell() / self.rate:.1f}"
                             f" s ({plain(said)}); copy or export it again") from exc
        if not len(block):
            self._ended = True
            tail = self._resampler.flush()
            return tail if len(tail) else None
        return self._resampler.convert(block)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> WavFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_all(path: Path, on_note: Note | None = None) -> Samples:
    """A whole file as one 16 kHz mono array (for tests, benchmarks, clips)."""
    with WavFileSource(path, on_note=on_note) as source:
        chunks = []
        while (chunk := source.read()) is not None:
            chunks.append(chunk)
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


def _open(path: Path) -> soundfile.SoundFile:
    try:
        opened = soundfile.SoundFile(str(path))
    except soundfile.LibsndfileError as exc:
        raise AudioError(why_unreadable(path, exc.error_string)) from exc
    except (OSError, RuntimeError) as exc:
        raise AudioError(why_unreadable(path, str(exc))) from exc
    if opened.samplerate <= 0 or opened.channels <= 0:
        opened.close()
        raise AudioError(f"{path}: its header gives {opened.samplerate} Hz and "
                         f"{counted(opened.channels, 'channel')}; copy or export it again")
    return opened


def _notes(path: Path, opened: soundfile.SoundFile) -> list[str]:
    notes = []
    if opened.samplerate < WIDEBAND_RATE:
        notes.append(
            f"{path}: recorded at {opened.samplerate} Hz, narrow band like a telephone: commands "
            f"in it will be misheard, because the speech models expect "
            f"{WIDEBAND_RATE // 1000} kHz wideband speech and it has no sound above "
            f"{round(opened.samplerate / 2000, 1):g} kHz; record again at "
            f"{WIDEBAND_RATE // 1000} kHz or more")
    cut = _CUT_DATA.search(opened.extra_info)
    if cut and int(cut[1]) not in _STREAMING_SIZES and int(cut[2]) < int(cut[1]):
        held_s = opened.frames / opened.samplerate
        bytes_per_second = int(cut[2]) / held_s if held_s else opened.samplerate * 2.0
        notes.append(f"{path}: ends early: it holds {held_s:.1f} s of the "
                     f"{int(cut[1]) / bytes_per_second:.1f} s its header promises (the rest was "
                     "cut off); using what is there")
    return notes


def _ignore(message: str) -> None:
    pass


__all__ = ["SAMPLE_RATE", "WavFileSource", "read_all"]

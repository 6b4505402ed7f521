"""Why an audio file cannot be read, in the user's words, with the fix.

libsndfile's own reasons are often wrong about the cause: an empty file is "Format not
recognised", a WAV cut off inside its header has a "Malformed 'fmt ' chunk", a truncated FLAC
"contains data in an unimplemented format". So when it refuses a file, the file itself is
looked at to say what is really the matter.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from ..core.wording import counted

# Sound formats libsndfile does not read, by the extensions people's apps give them.
_NEEDS_CONVERSION = {".m4a", ".aac", ".mp4", ".wma", ".amr", ".3gp", ".webm", ".opus", ".caf"}
_MAGIC = {b"RIFF": "WAV", b"RIFX": "WAV", b"RF64": "WAV", b"fLaC": "FLAC", b"OggS": "OGG",
          b"FORM": "AIFF", b"ID3": "MP3"}
# WAV format tags libsndfile decodes (PCM, float, A-law, mu-law, the ADPCMs, GSM 6.10, G.721,
# MPEG audio, and WAVE_FORMAT_EXTENSIBLE, whose real tag is in its sub-format).
_WAV_TAGS = {0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0x0031, 0x0040, 0x0050, 0x0055,
             0xFFFE}
WAV_HEADER_BYTES = 44  # the smallest complete header: RIFF, fmt and data chunk headers
HEAD_BYTES = 65_536  # enough of a file to find its header in


def why_unreadable(path: Path, libsndfile_says: str) -> str:
    """The one line to show for a file libsndfile would not open: cause, then fix."""
    if not path.exists():
        return f"{path}: no such file"
    if path.is_dir():
        return f"{path}: is a folder; give the path of one recording inside it"
    try:
        with path.open("rb") as file:
            start = file.read(HEAD_BYTES)
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror}); check its permissions"
    if not start:
        return f"{path}: the file is empty (0 bytes); record or copy it again"
    kind = next((name for magic, name in _MAGIC.items() if start.startswith(magic)), None)
    if kind == "WAV":
        return _why_wav(path, start, libsndfile_says)
    if kind is not None:
        return (f"{path}: cannot be decoded as {kind} ({plain(libsndfile_says)}); it is "
                "probably cut short or damaged: copy or export it again")
    if path.suffix.lower() in _NEEDS_CONVERSION:
        return (f"{path}: {path.suffix} files cannot be read; convert it to WAV first, e.g. "
                f"`ffmpeg -i '{path}' -ar 16000 -ac 1 '{path.with_suffix('.wav')}'`")
    if _looks_like_text(start):
        return f"{path}: is text, not a recording; give a WAV, FLAC or OGG file"
    return (f"{path}: not a sound file voicecoach can read ({plain(libsndfile_says)}); "
            "give a WAV, FLAC, OGG, MP3 or AIFF file")


def _why_wav(path: Path, head: bytes, libsndfile_says: str) -> str:
    size = path.stat().st_size
    tag = _wav_format_tag(head)
    if tag is _ENDED or (isinstance(tag, int) and tag in _WAV_TAGS and size < WAV_HEADER_BYTES):
        return (f"{path}: ends in the middle of its header ({counted(size, 'byte')}; a WAV "
                f"header alone is {WAV_HEADER_BYTES}): the recording was cut short; record or "
                "copy it again")
    if isinstance(tag, int) and tag not in _WAV_TAGS:
        return (f"{path}: a WAV whose encoding (format tag 0x{tag:04X}) cannot be decoded; "
                "export it again as PCM WAV or FLAC")
    return f"{path}: a damaged WAV file ({plain(libsndfile_says)}); copy or export it again"


_ENDED = "ended"  # the file ends before its 'fmt ' chunk does


def _wav_format_tag(head: bytes) -> int | str | None:
    """The format tag of the 'fmt ' chunk; _ENDED if `head` (the whole file, when it is short)
    ends first; None if there is no sensible 'fmt ' chunk."""
    offset = 12
    while True:
        if offset + 8 > len(head):
            return _ENDED if len(head) < HEAD_BYTES else None
        chunk, length = head[offset:offset + 4], struct.unpack_from("<I", head, offset + 4)[0]
        if chunk == b"fmt ":
            if length < 16:
                return None
            if offset + 8 + 16 > len(head):
                return _ENDED if len(head) < HEAD_BYTES else None
            return int(struct.unpack_from("<H", head, offset + 8)[0])
        offset += 8 + length + (length & 1)


def _looks_like_text(start: bytes) -> bool:
    try:
        text = start.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(char.isprintable() or char.isspace() for char in text)


def plain(libsndfile_says: str) -> str:
    """libsndfile's reason without its 'Error in ... file.' preamble."""
    said = re.sub(r"^Error( in [^.]*\.)?\s*:?\s*", "", libsndfile_says.strip()).rstrip(".")
    return said[:1].lower() + said[1:] if said else "libsndfile gave no reason"

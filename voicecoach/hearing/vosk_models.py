"""Where Vosk models live, and which one to use.

Search order for the English model: `--model PATH`, `$VOICECOACH_VOSK_MODEL`, the project's
`models/` folder (a source checkout), then the user's data directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from ..core.errors import VoicecoachError
from ..origins import Origin

ENV_VARIABLE = "VOICECOACH_VOSK_MODEL"


@dataclass(frozen=True)
class ModelSpec:
    """A model archive we know how to fetch and check."""

    name: str  # the folder the archive unpacks to
    url: str
    size: int  # bytes
    sha256: str
    licence: str


ENGLISH_MODEL = ModelSpec(
    name="vosk-model-small-en-us-0.15",
    url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
    size=41_205_931,
    sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
    licence="Apache-2.0",
)

# The files Vosk cannot load a model without (the graph may be HCLG.fst or HCLr.fst + Gr.fst).
_REQUIRED = ("am/final.mdl", "conf/model.conf")


class ModelError(VoicecoachError):
    """A model that is missing or unusable, with what to do about it."""


def is_vosk_model(path: Path) -> bool:
    return path.is_dir() and all((path / part).is_file() for part in _REQUIRED)


def problems_with(path: Path) -> list[str]:
    """Why `path` is not a loadable Vosk model (empty when it looks complete)."""
    if not path.exists():
        return [f"{path} does not exist"]
    if not path.is_dir():
        return [f"{path} is not a folder (unpack the model's zip first)"]
    missing = [part for part in _REQUIRED if not (path / part).is_file()]
    graph = path / "graph"
    if not (graph / "HCLG.fst").is_file() and not (graph / "HCLr.fst").is_file():
        missing.append("graph/HCLG.fst or graph/HCLr.fst")
    return [f"{path} has no {part}" for part in missing]


def project_models_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "models"


def user_models_dir() -> Path:
    return user_data_path("voicecoach", appauthor=False) / "models"


def search_dirs() -> list[Path]:
    return [project_models_dir(), user_models_dir()]


@dataclass(frozen=True)
class FoundModel:
    path: Path
    source: str  # how it was found: "--model", the environment variable, or a folder


def _english_models_in(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for candidate in sorted(folder.iterdir(), reverse=True):  # newest version first
        english = candidate.name.startswith("vosk-model") and "-en-" in candidate.name
        if english and is_vosk_model(candidate):
            yield candidate


def find_english_model(explicit: Path | None = None,
                       origin: Origin | None = None) -> FoundModel | None:
    """The model to use, or None when no English Vosk model is installed.

    A path given explicitly (option or environment) must be usable: it raises ModelError
    rather than falling back silently to something the user did not ask for. `origin`: where
    `explicit` came from (default: `--model`), named with the fix when it is the settings.
    """
    named = str(origin) if origin is not None else "--model"
    for given, source in ((explicit, named), (_from_environment(), f"${ENV_VARIABLE}")):
        if given is not None:
            issues = problems_with(given)
            if issues:
                fix = f"; {origin.fix}" if origin is not None and given is explicit else ""
                raise ModelError(f"{source}: " + "; ".join(issues) + fix)
            return FoundModel(given, source)
    for folder in search_dirs():
        for model in _english_models_in(folder):
            return FoundModel(model, str(folder))
    return None


def _from_environment() -> Path | None:
    value = os.environ.get(ENV_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None

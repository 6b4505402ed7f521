"""The user's own command verifier: putting a newly trained one in place, and going back to the
shipped one. Neither loses a model: the one set aside is kept beside it as the backup (one
backup, the latest), with its card, until it is set aside again.
"""

from __future__ import annotations

import os
from pathlib import Path

BACKUP_TAG = ".previous"  # command-verifier.npz -> command-verifier.previous.npz


def backup_path(model: Path) -> Path:
    return model.with_name(f"{model.stem}{BACKUP_TAG}{model.suffix}")


def staging_path(model: Path) -> Path:
    """Where a training run writes before its model takes the user's model's place: a run that
    fails or is interrupted leaves the model in use as it was."""
    return model.with_name(f"{model.stem}.training{model.suffix}")


def card_path(model: Path) -> Path:
    """The model's card (how it was made, its figures), written beside it."""
    return model.with_suffix(".json")


def install(trained: Path, model: Path) -> Path | None:
    """Puts `trained` (and its card) in place of the user's `model`; the model it replaces is
    kept as the backup. Returns the backup's path, or None when there was no model (the shipped
    one served)."""
    backup = set_aside(model)
    _move(trained, model)
    return backup


def set_aside(model: Path) -> Path | None:
    """Moves the user's `model` (and its card) to the backup, so that the shipped model serves
    again. Returns the backup's path, or None when there was no model."""
    if not model.exists():
        return None
    backup = backup_path(model)
    _move(model, backup)
    return backup


def discard(model: Path) -> None:
    """Removes `model` and its card, if they are there."""
    model.unlink(missing_ok=True)
    card_path(model).unlink(missing_ok=True)


def _move(source: Path, target: Path) -> None:
    """`source` and its card become `target` and its card; no card is left that belongs to
    another model."""
    os.replace(source, target)
    if card_path(source).exists():
        os.replace(card_path(source), card_path(target))
    else:
        card_path(target).unlink(missing_ok=True)

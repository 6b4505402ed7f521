"""PocketSphinx's speaker adaptation (MLLR) as a file: read and checked before the recogniser is
given it. The file is made by `adapting/mllr.py` (sphinxtrain's `bw` and `mllr_solve`); what
listens only reads it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class MllrTransform:
    """A transform as read back from its file: one matrix A and shift b per feature stream."""

    classes: int
    streams: list[tuple[np.ndarray, np.ndarray]]  # (A: dim x dim, b: dim)


def read_mllr(path: Path) -> MllrTransform:
    """Reads and checks a transform file (raises ValueError naming what is wrong)."""
    try:
        tokens = path.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"unreadable ({exc})") from exc
    numbers = iter(tokens)

    def number() -> float:
        try:
            value = float(next(numbers))
        except StopIteration as exc:
            raise ValueError("cut short") from exc
        except ValueError as exc:
            raise ValueError("not a list of numbers") from exc
        if not math.isfinite(value):
            raise ValueError("holds NaN or infinite values")
        return value

    classes, stream_count = int(number()), int(number())
    if classes < 1 or stream_count < 1:
        raise ValueError("no classes or no streams")
    streams = []
    for _ in range(classes * stream_count):
        dim = int(number())
        if not 0 < dim <= 256:
            raise ValueError(f"implausible dimension {dim}")
        matrix = np.array([number() for _ in range(dim * dim)]).reshape(dim, dim)
        shift = np.array([number() for _ in range(dim)])
        for _ in range(dim):  # variance scaling (1.0 unless variances were adapted too)
            number()
        streams.append((matrix, shift))
    if next(numbers, None) is not None:
        raise ValueError("more numbers than its header announces")
    return MllrTransform(classes, streams)

"""The held-out voices' clips as audio, for choosing the ceilings with the recogniser in the
loop (ceilings.py). The features the classifier is fitted on are kept without their audio; this
renders the held-out clips' audio again (each clip is fixed by its seed, so it is the same
sound) and keeps it in the cache folder, in chunks, beside the features.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Generator, Sequence
from pathlib import Path

import numpy as np

from ..audio.source import Samples
from .dataset import ClipSpec
from .render import Renderer

_renderer: Renderer | None = None


def _start_worker(noise_folder: Path | None, coach_texts: Sequence[str]) -> None:
    global _renderer
    _renderer = Renderer(1, noise_folder, coach_texts)


def _audio_in_worker(spec: ClipSpec) -> Samples:
    assert _renderer is not None
    return _renderer.audio(spec)[0]


def _rendered(specs: Sequence[ClipSpec], noise_folder: Path | None,
              coach_texts: Sequence[str], workers: int) -> Generator[Samples, None, None]:
    if workers <= 1:
        renderer = Renderer(1, noise_folder, coach_texts)
        yield from (renderer.audio(spec)[0] for spec in specs)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, _start_worker, (noise_folder, list(coach_texts))) as pool:
        yield from pool.imap(_audio_in_worker, specs, chunksize=4)


def _save(path: Path, clips: Sequence[Samples]) -> None:
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        np.savez(out, audio=np.concatenate(clips).astype(np.int16),
                 lengths=np.array([len(clip) for clip in clips], dtype=np.int64))
    partial.replace(path)  # there whole or not at all


def _load(path: Path) -> list[Samples] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            audio, lengths = data["audio"], data["lengths"]
    except (OSError, ValueError, KeyError):
        return None  # unreadable: rendered again
    ends = np.cumsum(lengths)
    return [audio[end - length : end] for end, length in zip(ends, lengths, strict=True)]


def held_out_audio(
    specs: Sequence[ClipSpec],
    chunk_names: Sequence[str],
    chunk_clips: int,
    cache: Path | None,
    noise_folder: Path | None,
    coach_texts: Sequence[str],
    workers: int,
    advance: Callable[[int], None] = lambda n: None,
) -> list[Samples]:
    """Every spec's audio in order, `chunk_clips` at a time, each chunk kept in `cache` under
    its name in `chunk_names` as soon as it is done."""
    chunks = [specs[i : i + chunk_clips] for i in range(0, len(specs), chunk_clips)]
    paths = [None if cache is None else cache / f"audio-{name}" for name in chunk_names]
    results: list[list[Samples] | None] = []
    for path in paths:
        loaded = _load(path) if path is not None and path.is_file() else None
        results.append(loaded)
        if loaded is not None:
            advance(len(loaded))
    missing = [i for i, done in enumerate(results) if done is None]
    if cache is not None and missing:
        cache.mkdir(parents=True, exist_ok=True)
    clips = _rendered([spec for i in missing for spec in chunks[i]], noise_folder, coach_texts,
                      workers)
    for i in missing:
        chunk = []
        for _ in chunks[i]:
            chunk.append(next(clips))
            advance(1)
        path = paths[i]
        if path is not None:
            _save(path, chunk)
        results[i] = chunk
    clips.close()  # the worker processes end here
    return [clip for chunk in results if chunk is not None for clip in chunk]

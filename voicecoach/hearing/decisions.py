"""Run audio through a listener: a whole file as fast as the CPU allows, or the microphone
until told to stop. Stream time, not the wall clock, times every decision."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..audio.source import SAMPLE_RATE, AudioSource, Samples
from .listener import CommandListener, Decision

READ_TIMEOUT_S = 0.5


def decisions_from(
    source: AudioSource,
    listener: CommandListener,
    max_seconds: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Decision]:
    """Every decision the listener takes on `source`, until it ends, `max_seconds` of audio
    have passed, or `should_stop()` says so."""
    limit = None if max_seconds is None else round(max_seconds * SAMPLE_RATE)
    fed = 0
    while not should_stop():
        chunk = source.read(timeout=READ_TIMEOUT_S)
        if chunk is None:
            break
        if limit is not None and fed + len(chunk) >= limit:
            yield from listener.feed(chunk[: limit - fed])
            break
        fed += len(chunk)
        yield from listener.feed(chunk)
    yield from listener.finish()


def hear(listener: CommandListener, audio: Samples, chunk: int = 800) -> list[Decision]:
    """The commands `listener` acts on in one clip, heard from the start of a new stream."""
    listener.restart()
    decisions: list[Decision] = []
    for start in range(0, len(audio), chunk):
        decisions += listener.feed(audio[start : start + chunk])
    decisions += listener.finish()
    return [decision for decision in decisions if decision.command is not None]

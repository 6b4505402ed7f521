"""How long the coach takes to say a line: the one estimate that every part uses (a rehearsal's
virtual speaker, a printed line's silence, a routine's minutes, and the engine's fallback when a
speaker never says it has finished), so that the minutes a routine is listed at are the minutes
its session takes."""

from __future__ import annotations

# The `speech_rate` setting's default: calm and clear for someone lying on the floor.
USUAL_WORDS_PER_MINUTE = 150


def seconds_to_say(text: str, words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> float:
    """`text`'s words at `words_per_minute`: the rate the voice is asked for (Piper keeps to it
    within a fifth; test_speaking measures that)."""
    return len(text.split()) * 60.0 / words_per_minute

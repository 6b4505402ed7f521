"""How long the coach takes to say a line: the one estimate that every part uses (a rehearsal's
virtual speaker, a printed line's silence, a routine's minutes, the coach's own "about N minutes
to go", and the engine's fallback when a speaker never says it has finished), so that the
minutes a routine is listed at are the minutes its session takes and the minutes it says."""

from __future__ import annotations

from .messages import Action, Say, StopSpeaking

# The `speech_rate` setting's default: calm and clear for someone lying on the floor.
USUAL_WORDS_PER_MINUTE = 150


def seconds_to_say(text: str, words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> float:
    """`text`'s words at `words_per_minute`: the rate the voice is asked for (Piper keeps to it
    within a fifth; test_speaking measures that)."""
    return len(text.split()) * 60.0 / words_per_minute


def speaking_seconds(text: str, words_per_minute: float = USUAL_WORDS_PER_MINUTE) -> float:
    """When to move on if the speaker never says it has finished: half as long again as saying
    `text` at the user's rate takes, and two seconds more (a deadline must not cut a slow voice
    short)."""
    return seconds_to_say(text, words_per_minute) * 1.5 + 2.0


class VirtualSpeaker:
    """When the coach would fall silent on a virtual clock, saying each line at
    `words_per_minute` (None: at once). A line waits for the one before it unless it cuts in."""

    def __init__(self, words_per_minute: float | None, silent_at: float | None = None) -> None:
        self.words_per_minute = words_per_minute
        self.silent_at = silent_at  # None: silent already

    def say(self, text: str, now: float, *, interrupt: bool = False) -> None:
        seconds = seconds_to_say(text, self.words_per_minute) if self.words_per_minute else 0.0
        start = now if interrupt or self.silent_at is None else max(now, self.silent_at)
        self.silent_at = start + seconds

    def stop(self, now: float) -> None:
        self.silent_at = now

    def hear(self, action: Action, now: float) -> None:
        """Follow the engine: its lines, and its "stop speaking"."""
        if isinstance(action, Say):
            self.say(action.text, now, interrupt=action.interrupt)
        elif isinstance(action, StopSpeaking):
            self.stop(now)

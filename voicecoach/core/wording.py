"""How times and lists are said aloud. Text-to-speech reads digits well; units must be words."""

from __future__ import annotations

from collections.abc import Sequence


def counted(count: float, unit: str) -> str:
    """'1 routine', '2 routines', '0 routines', '1.5 days': a count with its noun, said or
    printed."""
    number = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{number} {unit}" if count == 1 else f"{number} {unit}s"


def duration(seconds: float) -> str:
    """'45 seconds', '1 minute', '2 minutes 30 seconds' — exact enough to act on."""
    total = max(0, round(seconds))
    if total < 60:
        return counted(total, "second")
    minutes, rest = divmod(total, 60)
    if rest == 0:
        return counted(minutes, "minute")
    return f"{counted(minutes, 'minute')} {counted(rest, 'second')}"


def about_minutes(seconds: float) -> str:
    """'about 9 minutes' for long spans, where the seconds are noise to a listener."""
    if seconds < 90:
        return duration(seconds)
    return f"about {counted(round(seconds / 60), 'minute')}"


def spoken_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def sentence(text: str) -> str:
    """Ends with a full stop unless it already ends a sentence, so joined lines read well."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."

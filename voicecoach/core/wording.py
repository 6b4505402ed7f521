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


_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_ORDINALS = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
             "eighth", "ninth", "tenth")


def number(count: int) -> str:
    """'three', said as a word up to ten; '12' beyond."""
    return _NUMBERS[count] if 0 <= count < len(_NUMBERS) else str(count)


def ordinal(count: int) -> str:
    """'fourth' up to ten; '11th', '21st', '22nd' beyond."""
    if 0 <= count < len(_ORDINALS):
        return _ORDINALS[count]
    suffix = "th" if count % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(
        count % 10, "th")
    return f"{count}{suffix}"

"""What happened in a session, line by line, with stream or wall-clock timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.intents import Command
from ..core.vocabulary import Vocabulary


@dataclass(frozen=True)
class Entry:
    t: float  # seconds since the session began
    who: str  # "coach", "you", "state" or "note"
    text: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"t": round(self.t, 3), "who": self.who, "text": self.text, **self.detail}

    @property
    def meaning(self) -> str:
        """What became of something heard: its intent, why it was ignored, or not a command
        (with what to say instead, when there is a hint)."""
        if "hint" in self.detail:
            return str(self.detail["hint"])
        if "ignored" in self.detail:
            return f"ignored: {self.detail['ignored']}"
        if self.detail.get("woke"):
            return "the wake word: listening for a command"
        return str(self.detail.get("intent") or "not a command")

    def as_line(self) -> str:
        minutes, hundredths = divmod(round(self.t * 100), 6000)
        stamp = f"{minutes:02d}:{hundredths / 100:05.2f}"
        if self.who == "you":
            return f"{stamp}  you:   {self.text}  [{self.meaning}]"
        if self.who == "coach":
            return f"{stamp}  coach: {self.text}"
        return f"{stamp}  -- {self.text}"


def left_alone(command: Command | None, listening: Vocabulary | None,
               wake_word: str | None) -> str | None:
    """Why the engine will leave a heard command alone, for the log and --json: between
    sessions with a wake word, a command said without it (a television's "start glutes"); an
    answer said while the coach was still asking its question."""
    if command is None or listening is None or not listening.ignores(command):
        return None
    if listening.ignores_unaddressed(command):
        return f'{command.intent} without the wake word "{wake_word}"'
    return f"{command.intent} before the question had been said to its end"

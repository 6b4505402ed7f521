"""What happened in a session, line by line, with stream or wall-clock timestamps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.intents import Command
from ..core.messages import Action, StateChanged
from ..core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from ..hearing.listener import Decision

# Why a command the echo guard did not take for the user's is left alone.
NOT_THE_USER = "heard while the coach was speaking, and not the user"


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


@dataclass(frozen=True)
class HeardLine:
    entry: Entry  # the transcript's "you:" line
    command: Command | None  # what the engine is handed; None: nothing


def heard_line(decision: Decision, at: float, listening: Vocabulary | None,
               wake_word: str | None, *, accepted: bool = True,
               with_confidence: bool = False, refusal_named: bool = False) -> HeardLine:
    """What became of something the listener heard at `at`: its transcript line, and the
    command to hand the engine (none when the echo guard did not `accept` it as the user's).

    A command the engine will leave alone is still handed over (the engine is the judge), and
    its line says why. The stream runner's transcript (demo, `run --input`, the bench) also
    carries the recogniser's confidence (`with_confidence`) and says why the echo guard's
    refusals were left alone (`refusal_named`); the live transcript has never had either."""
    command = decision.command if accepted else None
    detail: dict[str, Any] = {"intent": command.intent.value if command else None}
    if with_confidence:
        detail["confidence"] = round(decision.confidence, 3)
    if decision.command is not None and not accepted:
        if refusal_named:
            detail["ignored"] = NOT_THE_USER
    elif (why := left_alone(command, listening, wake_word)) is not None:
        detail["intent"], detail["ignored"] = None, why
    if decision.woke:
        detail["woke"] = True
    return HeardLine(Entry(at, "you", decision.text or "(not understood)", detail), command)


def state_lines(note: Callable[[Entry], None]) -> Callable[[Action, float], None]:
    """A session loop's sink: each state the engine enters, as a "-- paused" line."""

    def act(action: Action, at: float) -> None:
        if isinstance(action, StateChanged):
            note(Entry(at, "state", action.state.value))

    return act

"""Rehearse a session on a virtual clock: the real engine, scripted utterances, no waiting.

The clock jumps from one moment that matters to the next (a scripted utterance, the end of
the coach's speech, the engine's next deadline), so a twenty-minute routine takes milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.engine import SessionEngine
from ..core.errors import VoicecoachError
from ..core.intents import Command, Intent
from ..core.messages import (
    Action,
    Event,
    Heard,
    Say,
    SessionState,
    SpeechFinished,
    StateChanged,
    Tick,
)
from ..core.routine import Routine
from ..core.speaking_time import USUAL_WORDS_PER_MINUTE, VirtualSpeaker
from ..library import Library
from .loop import SessionLoop

MAX_EVENTS = 1_000_000  # a session that needs more is a bug, not a long routine
_SCRIPT_LINE = re.compile(r"^(?:(\d+):)?(\d+):(\d{2})(?:\.(\d+))?\s+(\S.*)$")


class ScriptError(VoicecoachError, ValueError):
    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")


@dataclass(frozen=True)
class Utterance:
    at: float  # seconds from the start of the session
    text: str


def parse_script(text: str, path: Path | str = "<commands>") -> list[Utterance]:
    """Lines of `MM:SS utterance` (or H:MM:SS); blank lines and `#` comments are skipped."""
    utterances: list[Utterance] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _SCRIPT_LINE.match(line)
        if not match:
            raise ScriptError(path, number, f"expected 'MM:SS utterance', got {line!r}")
        hours, minutes, seconds, fraction, said = match.groups()
        if int(seconds) >= 60:
            raise ScriptError(path, number, f"seconds must be below 60 in {line!r}")
        at = float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
        at += float(f"0.{fraction}") if fraction else 0.0
        utterances.append(Utterance(at, said.strip()))
    return sorted(utterances, key=lambda utterance: utterance.at)


@dataclass
class Rehearsal:
    records: list[dict[str, Any]]
    finished: bool
    end_state: SessionState


def rehearse(
    library: Library,
    routine_name: str,
    script: Iterable[Utterance] = (),
    words_per_minute: float | None = None,
) -> Rehearsal:
    return _rehearse(library.routines, routine_name, script, library.grammar.parse,
                     words_per_minute, pace=1.0)


def routine_seconds(routine: Routine, words_per_minute: float, pace: float = 1.0) -> float:
    """How long `routine` takes when nobody says a word: its holds (at `pace`) and rests, and
    the coach speaking at `words_per_minute`. The real engine runs it, so the figure cannot
    leave out a line the coach says; and it is the engine's own "how long", asked at the
    start, so the coach says the minutes a list shows."""
    engine = SessionEngine({routine.name: routine}, pace=pace, words_per_minute=words_per_minute)
    engine.handle(Heard(Command(Intent.START, {"routine": routine.name})), 0.0)
    return engine.seconds_to_go(0.0)


def routine_minutes(routine: Routine, words_per_minute: float, pace: float = 1.0) -> int:
    """`routine_seconds` in whole minutes, as lists show them (at least 1)."""
    return max(1, round(routine_seconds(routine, words_per_minute, pace) / 60))


def _rehearse(
    routines: Mapping[str, Routine],
    routine_name: str,
    script: Iterable[Utterance],
    parse: Callable[[str], Command | None],
    words_per_minute: float | None,
    pace: float,
) -> Rehearsal:
    # An instant speaker (no rate) still has the coach count its minutes at the usual rate.
    engine = SessionEngine(routines, pace=pace,
                           words_per_minute=words_per_minute or USUAL_WORDS_PER_MINUTE)
    sitting = _VirtualSitting(engine, VirtualSpeaker(words_per_minute),
                              sorted(script, key=lambda utterance: utterance.at), parse)
    loop = SessionLoop(engine, lambda: sitting.now, [sitting.speaker.hear, sitting.write_down])
    loop.dispatch(Heard(Command(Intent.START, {"routine": routine_name})))
    loop.run(sitting.events())
    state = engine.state
    return Rehearsal(sitting.records, finished=state is SessionState.FINISHED, end_state=state)


class _VirtualSitting:
    """The rehearsal's side of the session loop: where its events come from (the script, the
    coach falling silent, the engine's deadlines) and the records it keeps."""

    def __init__(self, engine: SessionEngine, speaker: VirtualSpeaker,
                 pending: list[Utterance], parse: Callable[[str], Command | None]) -> None:
        self.engine, self.speaker, self.pending, self.parse = engine, speaker, pending, parse
        self.now = 0.0  # the virtual clock, moved to each event's moment before it is handed over
        self.records: list[dict[str, Any]] = []

    def events(self) -> Iterator[Event]:
        """The clock jumps to the next moment that matters, and the event it brings follows."""
        engine, speaker, pending = self.engine, self.speaker, self.pending
        for _ in range(MAX_EVENTS):
            if engine.state is SessionState.FINISHED:
                break
            moments = [m for m in (speaker.silent_at, engine.next_deadline()) if m is not None]
            if pending:
                moments.append(pending[0].at)
            if not moments:
                break  # waiting for a command that the script never gives (e.g. still paused)
            now = self.now = min(moments)
            if speaker.silent_at is not None and speaker.silent_at <= now:
                speaker.silent_at = None
                yield SpeechFinished()
            elif pending and pending[0].at <= now:
                utterance = pending.pop(0)
                command = self.parse(utterance.text)
                self.records.append(_heard(now, utterance.text, command))
                if command is not None:
                    yield Heard(command)
            else:
                yield Tick()

    def write_down(self, action: Action, at: float) -> None:
        """A session loop's sink: what the coach says, and each state it enters."""
        t = round(at, 3)
        match action:
            case Say():
                self.records.append({"t": t, "say": action.text})
            case StateChanged(state):
                self.records.append({"t": t, "state": state.value})


def _heard(now: float, text: str, command: Command | None) -> dict[str, Any]:
    return {
        "t": round(now, 3),
        "heard": text,
        "intent": command.intent.value if command else None,
        "slots": dict(command.slots) if command else {},
    }


def clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes:02d}:{rest:02d}"


def format_record(record: dict[str, Any]) -> str:
    """One line of a human-readable rehearsal transcript."""
    stamp = clock(record["t"])
    if "say" in record:
        return f"{stamp}  coach: {record['say']}"
    if "heard" in record:
        meaning = record["intent"] or "not a command, ignored"
        return f"{stamp}  you:   {record['heard']}  [{meaning}]"
    return f"{stamp}  -- {record['state']}"

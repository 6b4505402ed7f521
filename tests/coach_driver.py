"""A test driver for the engine: a fake clock, an instant speaker, and a record of every action.

It does what the live runner does (tick at each deadline, report when speech has finished),
minus threads and waiting, so a twenty-minute routine runs in milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping

from voicecoach.core import (
    Action,
    Command,
    CommandGrammar,
    Event,
    Heard,
    Intent,
    Routine,
    Say,
    SessionEngine,
    SessionState,
    SpeechFinished,
    StateChanged,
    Tick,
)


class CoachDriver:
    def __init__(self, routines: Mapping[str, Routine]) -> None:
        self.engine = SessionEngine(routines)
        self.grammar = CommandGrammar.for_routines({n: r.aliases for n, r in routines.items()})
        self.now = 0.0
        self.log: list[tuple[float, Action]] = []

    # --- inputs --------------------------------------------------------------------------------

    def send(self, event: Event) -> list[Action]:
        actions = self.engine.handle(event, self.now)
        self.log.extend((self.now, action) for action in actions)
        if any(isinstance(action, Say) for action in actions):
            self.send(SpeechFinished())  # the instant speaker: whatever was said has been said
        return actions

    def hear(self, text: str) -> list[Action]:
        command = self.grammar.parse(text)
        assert command is not None, f"{text!r} is not in the grammar"
        return self.send(Heard(command))

    def command(self, intent: Intent, **slots: str) -> list[Action]:
        return self.send(Heard(Command(intent, dict(slots))))

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass, ticking at every deadline on the way."""
        target = self.now + seconds
        while (due := self.engine.next_deadline()) is not None and due <= target:
            self.now = max(self.now, due)
            self.send(Tick())
        self.now = target
        self.send(Tick())

    def run_to_end(self, limit: float = 24 * 3600) -> None:
        while self.engine.state is not SessionState.FINISHED:
            due = self.engine.next_deadline()
            assert due is not None, f"stuck in {self.engine.state}"
            assert due <= limit, "the session never ends"
            self.now = max(self.now, due)
            self.send(Tick())

    # --- what came out ---------------------------------------------------------------------------

    def said(self, since: float | None = None) -> list[str]:
        return [a.text for t, a in self.log if isinstance(a, Say) and (since is None or t >= since)]

    def said_text(self, since: float | None = None) -> str:
        return " | ".join(self.said(since))

    def states(self) -> list[SessionState]:
        return [a.state for _, a in self.log if isinstance(a, StateChanged)]

    def when(self, fragment: str) -> float:
        """The time the coach first said something containing `fragment`."""
        for t, action in self.log:
            if isinstance(action, Say) and fragment in action.text:
                return t
        raise AssertionError(f"never said {fragment!r}; said: {self.said()}")

    def of_type(self, kind: type) -> list[object]:
        return [a for _, a in self.log if isinstance(a, kind)]

    @property
    def state(self) -> SessionState:
        return self.engine.state

    def snapshot(self):  # type: ignore[no-untyped-def]
        return self.engine.snapshot(self.now)

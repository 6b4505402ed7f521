"""What every session runner does with an event: the engine handles it, the runner's sinks act
on the actions it returns, and the history records them.

The live session (threads, the real clock), the stream runner (stream time) and the rehearsal
(a virtual clock) differ only in where their events come from and what time it is, so both are
given to the loop: a clock to read, and the events in the order they happen.

    events ──► dispatch(event) ──► engine.handle(event, clock()) ──► actions
                   ▲                                                   │
                   │                     each action: every sink, then the history
                   └── the precautions again, when the history says they may have changed
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..core.engine import SessionEngine
from ..core.messages import Action, Event
from ..core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from .recorder import Recorder

# Something outside the engine that acts on its actions (the voice, the transcript, the view):
# told each action and the moment it was returned at; it ignores the kinds that are not its own.
ActionSink = Callable[[Action, float], None]


def _deaf(vocabulary: Vocabulary) -> None:
    """For a runner whose input needs no telling what the coach listens for (a script)."""


class SessionLoop:
    def __init__(self, engine: SessionEngine, clock: Callable[[], float],
                 sinks: Sequence[ActionSink], recorder: Recorder | None = None,
                 listen_for: Callable[[Vocabulary], None] = _deaf) -> None:
        """`clock`: the session's time, read once for each event (the real clock; or stream or
        virtual time, which its runner moves to an event's moment before handing it over).
        `listen_for`: told what the engine listens for after each event, so that the input
        narrows what it hears."""
        self.engine = engine
        self.clock = clock
        self.sinks = sinks
        self.recorder = recorder
        self.listen_for = listen_for

    def run(self, events: Iterable[Event]) -> None:
        """Each event as it comes. A source that waits (an inbox, a stream) is a generator: it
        resumes only after its event has been handled, and sees the engine as it left it."""
        for event in events:
            self.dispatch(event)

    def dispatch(self, event: Event) -> None:
        now = self.clock()
        for action in self.engine.handle(event, now):
            self.act(action, now)
        self.listen_for(self.engine.vocabulary)

    def act(self, action: Action, at: float) -> None:
        """An action the engine returned at `at`, or one of the runner's own (a greeting)."""
        for sink in self.sinks:
            sink(action, at)
        # Pain or a finished session may change what the coach should say before the next
        # start: the engine is told at once, on the clock's time (a real clock has moved on).
        if self.recorder is not None and self.recorder.record(action):
            self.dispatch(self.recorder.precautions())

"""The session loop every runner shares, driven by hand-written fakes that record: an engine
with prepared answers, a clock that moves when read, sinks and a history that keep what they
were told."""

from __future__ import annotations

from collections.abc import Iterator

from voicecoach.core import Command, Intent
from voicecoach.core.messages import (
    Action,
    Event,
    Heard,
    Say,
    SessionState,
    StateChanged,
    Tick,
)
from voicecoach.core.precautions import Precautions
from voicecoach.core.vocabulary import Vocabulary, VocabularyState
from voicecoach.session.loop import SessionLoop

START = Heard(Command(Intent.START, {"routine": "glutes"}))


class AnsweringEngine:
    """Answers each kind of event with prepared actions; records what it handled, and when.
    It listens for a yes or no once it has heard something, as after a question."""

    def __init__(self, answers: dict[type, list[Action]]) -> None:
        self.answers = answers
        self.handled: list[tuple[Event, float]] = []

    def handle(self, event: Event, now: float) -> list[Action]:
        self.handled.append((event, now))
        return list(self.answers.get(type(event), []))

    @property
    def vocabulary(self) -> Vocabulary:
        heard = any(isinstance(event, Heard) for event, _ in self.handled)
        return Vocabulary(VocabularyState.ASKED if heard else VocabularyState.IDLE)


class SteppingClock:
    """Each reading is a second later than the one before, as a real clock moves on."""

    def __init__(self, start: float) -> None:
        self.seconds = start - 1.0

    def __call__(self) -> float:
        self.seconds += 1.0
        return self.seconds


class KeptSink:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log
        self.told: list[tuple[Action, float]] = []

    def __call__(self, action: Action, at: float) -> None:
        self.told.append((action, at))
        self.log.append(f"{self.name}: {type(action).__name__}")


class KeptHistory:
    """Records each action; says the precautions may have changed after a state change."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.recorded: list[Action] = []
        self.asked_for_precautions = 0

    def precautions(self) -> Precautions:
        self.asked_for_precautions += 1
        return Precautions(safety_brief=False)

    def record(self, action: Action) -> bool:
        self.recorded.append(action)
        self.log.append(f"history: {type(action).__name__}")
        return isinstance(action, StateChanged)

    def close(self, reason: str = "interrupted") -> None:
        pass


def test_every_action_reaches_every_sink_then_the_history_at_the_moment_it_was_returned():
    log: list[str] = []
    engine = AnsweringEngine({Heard: [Say("Hello."), Say("Lie down.")]})
    voice, transcript = KeptSink("voice", log), KeptSink("transcript", log)
    history = KeptHistory(log)
    loop = SessionLoop(engine, SteppingClock(5.0), [voice, transcript],  # type: ignore[arg-type]
                       recorder=history)
    loop.dispatch(START)
    assert voice.told == transcript.told == [(Say("Hello."), 5.0), (Say("Lie down."), 5.0)]
    assert history.recorded == [Say("Hello."), Say("Lie down.")]
    assert log == ["voice: Say", "transcript: Say", "history: Say"] * 2


def test_precautions_the_history_changed_reach_the_engine_at_once_on_the_clocks_new_time():
    log: list[str] = []
    engine = AnsweringEngine({Heard: [StateChanged(SessionState.FINISHED), Say("Bye.")]})
    history = KeptHistory(log)
    loop = SessionLoop(engine, SteppingClock(10.0), [KeptSink("voice", log)],  # type: ignore[arg-type]
                       recorder=history)
    loop.dispatch(START)
    assert engine.handled == [(START, 10.0), (Precautions(safety_brief=False), 11.0)]
    assert history.asked_for_precautions == 1
    # The rest of the first event's actions come after the precautions were handed over.
    assert log == ["voice: StateChanged", "history: StateChanged", "voice: Say", "history: Say"]


def test_the_input_is_told_what_the_engine_listens_for_after_each_event():
    told: list[VocabularyState] = []
    engine = AnsweringEngine({})
    loop = SessionLoop(engine, SteppingClock(0.0), [],  # type: ignore[arg-type]
                       listen_for=lambda vocabulary: told.append(vocabulary.state))
    loop.dispatch(Tick())
    loop.dispatch(START)
    assert told == [VocabularyState.IDLE, VocabularyState.ASKED]


def test_a_source_goes_on_only_once_its_event_has_been_handled():
    engine = AnsweringEngine({})
    seen_handled: list[int] = []

    def source() -> Iterator[Event]:
        for event in (START, Tick(), Tick()):
            seen_handled.append(len(engine.handled))
            yield event

    SessionLoop(engine, SteppingClock(0.0), []).run(source())  # type: ignore[arg-type]
    assert seen_handled == [0, 1, 2]
    assert [now for _, now in engine.handled] == [0.0, 1.0, 2.0]

"""Property-based, stateful tests of the engine: hypothesis drives any sequence of spoken
commands, ticks, speech-finished reports, device failures and precautions at any times, and
checks after every step what must always hold. The counts of the last run are written to
reliability-results/engine-stateful.json for RELIABILITY.md."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from voicecoach.core import (
    Action,
    CommandGrammar,
    Event,
    Heard,
    PainPattern,
    Precautions,
    SessionEngine,
    SessionFinished,
    SessionStarted,
    SessionState,
    SpeechFinished,
    Tick,
)
from voicecoach.core.messages import Device, DeviceFailed, DeviceRecovered

from .conftest import make_routine

RESULTS = Path(__file__).parent.parent / "reliability-results" / "engine-stateful.json"
ROUTINES = {r.name: r for r in (make_routine("glutes"), make_routine("outer-hip"))}
GRAMMAR = CommandGrammar.for_routines({n: r.aliases for n, r in ROUTINES.items()},
                                      wake_word="coach")
EPSILON = 1e-6
tried: Counter[str] = Counter()


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine = SessionEngine(ROUTINES, wake_word=False)
        self.now = 0.0
        self.started_at: float | None = None
        self.last_event_at = 0.0
        tried["sequences"] += 1

    # --- inputs ---------------------------------------------------------------------------

    def send(self, event: Event) -> list[Action]:
        tried["events"] += 1
        actions = self.engine.handle(event, self.now)
        for action in actions:
            if isinstance(action, SessionStarted):
                self.started_at = self.now
            if isinstance(action, SessionFinished):
                # Total time accounted: the summary's time is the session's span. A late tick
                # fires what was due at its own moment, so a session that closed by itself
                # may have ended between the previous event and this one, never outside.
                assert self.started_at is not None
                span = action.summary.elapsed_seconds
                assert self.last_event_at - self.started_at - 1e-6 <= span
                assert span <= self.now - self.started_at + 1e-6
                summary = action.summary
                assert 0 <= summary.steps_completed + summary.steps_skipped <= summary.steps_total
                self.started_at = None
        self.last_event_at = self.now
        return actions

    # Every sentence the recogniser may return, but the wake word said alone: that is the
    # listener's to hold for the command after it, never a command for the engine.
    @rule(sentence=st.sampled_from([s for s in GRAMMAR.sentences if not GRAMMAR.wakes(s)]))
    def hear(self, sentence: str) -> None:
        command = GRAMMAR.parse(sentence)
        assert command is not None
        was_running = self.engine.running
        self.send(Heard(command))
        if command.intent.value == "stop" and was_running:
            assert not self.engine.running  # stopping always ends the session
            assert self.engine.state is SessionState.FINISHED

    @rule(seconds=st.floats(min_value=0.0, max_value=900.0, allow_nan=False))
    def wait(self, seconds: float) -> None:
        """Time passes with a tick at every deadline on the way, as the runners do."""
        frozen = self.engine.state in (SessionState.PAUSED, SessionState.ASKING)
        before = self.engine.snapshot(self.now)
        target = self.now + seconds
        while (due := self.engine.next_deadline()) is not None and due <= target:
            self.now = max(self.now, due)
            self.send(Tick())
            if frozen and self.engine.state in (SessionState.PAUSED, SessionState.ASKING):
                continue
            frozen = False  # a question asked again does not unfreeze; anything else might
        self.now = target
        self.send(Tick())
        if frozen and self.engine.state in (SessionState.PAUSED, SessionState.ASKING):
            after = self.engine.snapshot(self.now)
            # Pause (and a question) freezes time: nothing of the session ran down.
            assert after.step_seconds_left == before.step_seconds_left
            assert after.routine_seconds_left == before.routine_seconds_left

    @rule(seconds=st.floats(min_value=0.0, max_value=30.0, allow_nan=False))
    def late_tick(self, seconds: float) -> None:
        """A runner that wakes up late: one tick, long after the deadline."""
        self.now += seconds
        self.send(Tick())

    @rule()
    def speech_finished(self) -> None:
        self.send(SpeechFinished())

    @rule(device=st.sampled_from(list(Device)), detail=st.text(max_size=20))
    def device_fails(self, device: Device, detail: str) -> None:
        self.send(DeviceFailed(device, detail))

    @rule(device=st.sampled_from(list(Device)))
    def device_recovers(self, device: Device) -> None:
        self.send(DeviceRecovered(device))

    @rule(brief=st.booleans(), sessions=st.integers(0, 5),
          area=st.sampled_from([None, "glutes"]))
    def precautions(self, brief: bool, sessions: int, area: str | None) -> None:
        pattern = PainPattern(sessions, area) if sessions >= 3 or area else None
        self.send(Precautions(safety_brief=brief, persistent_pain=pattern))

    @precondition(lambda self: self.engine.running)
    @rule()
    def run_to_the_end(self) -> None:
        """Left alone, every session ends (no command can make it run forever)."""
        limit = self.now + 48 * 3600
        while self.engine.running and self.engine.state not in (SessionState.PAUSED,
                                                                SessionState.ASKING):
            due = self.engine.next_deadline()
            assert due is not None and due <= limit, f"stuck in {self.engine.state}"
            self.now = max(self.now, due)
            self.send(Tick())

    # --- what always holds ----------------------------------------------------------------

    @invariant()
    def times_are_never_negative(self) -> None:
        snapshot = self.engine.snapshot(self.now)
        for left in (snapshot.step_seconds_left, snapshot.routine_seconds_left):
            assert left is None or left >= -EPSILON
        if snapshot.step_seconds_left is not None and snapshot.step_seconds_total is not None:
            assert snapshot.step_seconds_left <= snapshot.step_seconds_total + EPSILON

    @invariant()
    def nothing_due_is_left_unfired(self) -> None:
        due = self.engine.next_deadline()
        assert due is None or due > self.now - EPSILON

    @invariant()
    def a_running_session_has_somewhere_to_be(self) -> None:
        snapshot = self.engine.snapshot(self.now)
        if self.engine.running:
            assert snapshot.routine_title is not None and snapshot.step_number is not None
            assert 1 <= snapshot.step_number <= (snapshot.step_count or 0)


EngineMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("VOICECOACH_STATEFUL_EXAMPLES", "400")),
    stateful_step_count=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestEngineUnderAnySequence = EngineMachine.TestCase


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "sequences": tried["sequences"],
        "events": tried["events"],
    }, indent=2) + "\n", encoding="utf-8")

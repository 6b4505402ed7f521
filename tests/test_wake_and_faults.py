"""The wake word, and devices that fail and come back, as the engine sees them."""

from __future__ import annotations

from voicecoach.core import CommandGrammar, Routine, SessionEngine, SessionState
from voicecoach.core.messages import Device, DeviceFailed, DeviceRecovered, FaultNoted
from voicecoach.core.phrasebook import WHAT_WENT_WRONG

from .coach_driver import CoachDriver

ALIASES = {"glutes": ["glutes"], "outer-hip": ["outer hip"]}


def test_the_wake_word_marks_commands_said_after_it():
    grammar = CommandGrammar.for_routines(ALIASES, wake_word="Hey Coach")
    addressed = grammar.parse("hey coach start glutes")
    assert addressed is not None and addressed.addressed
    assert addressed.slots == {"routine": "glutes"}
    plain = grammar.parse("start glutes")
    assert plain is not None and not plain.addressed
    assert "hey coach start glutes" in grammar.sentences
    assert "hey coach pause" not in grammar.sentences  # only what makes sense between sessions
    assert grammar.parse("um hey coach start glutes").addressed  # type: ignore[union-attr]


def test_without_a_wake_word_nothing_is_addressed():
    grammar = CommandGrammar.for_routines(ALIASES)
    assert all(not grammar.parse(s).addressed for s in grammar.sentences)  # type: ignore[union-attr]
    assert not any(s.startswith("coach ") for s in grammar.sentences)


def wake_coach(routines: dict[str, Routine]) -> CoachDriver:
    coach = CoachDriver(routines)
    coach.engine = SessionEngine(routines, wake_word=True)
    coach.grammar = CommandGrammar.for_routines(ALIASES, wake_word="coach")
    return coach


def test_between_sessions_only_commands_after_the_wake_word_count(routines):
    coach = wake_coach(routines)
    coach.hear("start glutes")  # the television, say
    assert coach.state is SessionState.IDLE and coach.said() == []
    coach.hear("coach start glutes")
    assert coach.state is SessionState.HOLDING


def test_during_a_session_commands_need_no_wake_word(routines):
    coach = wake_coach(routines)
    coach.hear("coach start glutes")
    coach.hear("pause")
    assert coach.state is SessionState.PAUSED
    coach.hear("stop")
    assert coach.state is SessionState.FINISHED
    coach.hear("start glutes")
    assert coach.state is SessionState.FINISHED  # waiting again: the wake word is needed again


def test_a_lost_microphone_pauses_the_session_and_its_return_carries_on(started: CoachDriver):
    started.advance(10)
    left = started.snapshot().step_seconds_left
    started.send(DeviceFailed(Device.MICROPHONE, "unplugged"))
    assert started.state is SessionState.PAUSED
    assert started.said()[-1].startswith(WHAT_WENT_WRONG[Device.MICROPHONE])
    started.advance(120)
    assert started.snapshot().step_seconds_left == left
    started.send(DeviceFailed(Device.MICROPHONE, "unplugged"))  # every retry fails: said once
    assert started.said_text().count("microphone isn't working") == 1
    started.send(DeviceRecovered(Device.MICROPHONE))
    assert started.state is SessionState.HOLDING
    assert started.said()[-1].startswith("The microphone is back. Carrying on.")
    assert started.of_type(FaultNoted) == [
        FaultNoted(Device.MICROPHONE, "unplugged", recovered=False),
        FaultNoted(Device.MICROPHONE, "", recovered=True),
    ]


def test_a_session_the_user_paused_stays_paused_when_a_device_returns(started: CoachDriver):
    started.hear("pause")
    started.send(DeviceFailed(Device.LOUDSPEAKER, "device gone"))
    started.send(DeviceRecovered(Device.LOUDSPEAKER))
    assert started.state is SessionState.PAUSED


def test_the_session_waits_until_every_failed_device_is_back(started: CoachDriver):
    started.send(DeviceFailed(Device.MICROPHONE, "unplugged"))
    started.send(DeviceFailed(Device.LOUDSPEAKER, "gone"))
    started.send(DeviceRecovered(Device.MICROPHONE))
    assert started.state is SessionState.PAUSED
    assert "Still waiting for the loudspeaker" in started.said()[-1]
    started.send(DeviceRecovered(Device.LOUDSPEAKER))
    assert started.state is SessionState.HOLDING


def test_a_failure_between_sessions_is_said_and_nothing_starts(coach: CoachDriver):
    coach.send(DeviceFailed(Device.RECOGNISER, "decoder error"))
    assert coach.state is SessionState.IDLE
    assert coach.said()[-1].endswith("I'll keep trying.")
    coach.send(DeviceRecovered(Device.RECOGNISER))
    assert coach.said()[-1] == "The speech recogniser is back."

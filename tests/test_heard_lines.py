"""What became of something heard, as the live and the stream transcripts write it: one line,
and the command the engine is handed."""

from __future__ import annotations

from voicecoach.core import Command, Intent
from voicecoach.core.vocabulary import Vocabulary, VocabularyState
from voicecoach.hearing.listener import Decision
from voicecoach.session.transcript import NOT_THE_USER, heard_line

PAUSE = Command(Intent.PAUSE, {})


def decision(command: Command | None, text: str = "pause") -> Decision:
    return Decision(text, command, confidence=0.8766, speech_end_s=1.0, decided_s=1.2)


def test_a_command_the_echo_guard_refused_is_not_handed_over_and_the_stream_says_why():
    running = Vocabulary(VocabularyState.RUNNING)
    live = heard_line(decision(PAUSE), 3.0, running, None, accepted=False)
    stream = heard_line(decision(PAUSE), 3.0, running, None, accepted=False,
                        with_confidence=True, refusal_named=True)
    assert live.command is None and stream.command is None
    assert live.entry.detail == {"intent": None}
    assert stream.entry.detail == {"intent": None, "confidence": 0.877, "ignored": NOT_THE_USER}


def test_a_command_the_engine_will_leave_alone_is_handed_over_and_its_line_says_why():
    unaddressed = Vocabulary(VocabularyState.IDLE, addressed_only=True)
    start = Command(Intent.START, {"routine": "glutes"})
    line = heard_line(decision(start, "start glutes"), 2.0, unaddressed, "coach")
    assert line.command == start
    assert line.entry.as_line() == ('00:02.00  you:   start glutes  '
                                    '[ignored: start without the wake word "coach"]')


def test_speech_not_understood_is_written_down_and_hands_nothing_over():
    line = heard_line(decision(None, ""), 1.5, Vocabulary(VocabularyState.RUNNING), None,
                      with_confidence=True)
    assert line.command is None
    assert line.entry.as_json() == {"t": 1.5, "who": "you", "text": "(not understood)",
                                    "intent": None, "confidence": 0.877}

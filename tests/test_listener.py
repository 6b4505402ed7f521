"""Decisions from recogniser hypotheses: early on stable unextendable partials, never twice."""

from __future__ import annotations

import pytest

from voicecoach.core import CommandGrammar, Intent
from voicecoach.hearing.listener import CommandListener

from .fakes import CHUNK, ScriptedRecognizer, final, partial, silence

GRAMMAR = CommandGrammar.for_routines({"glutes": ["glutes"]})


def run(recognizer: ScriptedRecognizer, chunks: int, early: bool = True):  # type: ignore[no-untyped-def]
    listener = CommandListener(recognizer, GRAMMAR, early=early)
    decisions = []
    for _ in range(chunks):
        decisions += listener.feed(silence())
    decisions += listener.finish()
    return decisions


def test_stable_unextendable_partial_closes_the_utterance_early():
    recognizer = ScriptedRecognizer([[partial("pause")]] * 8, at_finish=[final("pause", end=0.3)])
    listener = CommandListener(recognizer, GRAMMAR)
    decisions = [d for _ in range(8) for d in listener.feed(silence())]
    [decision] = decisions
    assert decision.early and decision.command.intent is Intent.PAUSE
    assert decision.decided_s == pytest.approx(7 * CHUNK / 16000)  # 0.3 s after it first showed
    assert recognizer.finished == 1


def test_an_early_final_that_the_recogniser_rejects_is_no_command():
    recognizer = ScriptedRecognizer([[partial("stop")]] * 8, at_finish=[final("")])
    listener = CommandListener(recognizer, GRAMMAR)
    [decision] = [d for _ in range(8) for d in listener.feed(silence())]
    assert decision.early and decision.command is None


def test_a_partial_that_a_longer_command_could_extend_waits_for_the_final():
    script = [[partial("go")]] * 8 + [[final("go back", end=0.6)]]
    [decision] = run(ScriptedRecognizer(script), 10)
    assert not decision.early and decision.command.intent is Intent.BACK
    assert decision.speech_end_s == 0.6


def test_a_partial_that_changes_is_not_acted_on():
    # "start" begins like "stop": a flicker of "stop" must not stop the session.
    script = [[partial("stop")], [partial("stop")], [partial("start")], [partial("start glutes")],
              [final("start glutes")]]
    [decision] = run(ScriptedRecognizer(script), 6)
    assert decision.command.intent is Intent.START


def test_without_early_decisions_only_finals_count():
    script = [[partial("pause")]] * 8 + [[final("pause")]]
    [decision] = run(ScriptedRecognizer(script), 10, early=False)
    assert not decision.early


def test_rejected_speech_is_a_decision_with_no_command():
    [decision] = run(ScriptedRecognizer([[final("")]]), 2)
    assert decision.command is None and decision.text == ""
    assert decision.as_json()["intent"] is None


def test_restart_resets_the_stream_clock_and_the_recognizer():
    recognizer = ScriptedRecognizer([])
    listener = CommandListener(recognizer, GRAMMAR)
    listener.feed(silence(10))
    listener.restart()
    assert listener.clock.seconds == 0 and recognizer.resets == 1


def test_decision_json_has_the_listen_fields():
    [decision] = run(ScriptedRecognizer([[final("start glutes", end=1.234)]]), 1)
    assert decision.as_json() == {
        "text": "start glutes", "intent": "start", "slots": {"routine": "glutes"},
        "confidence": 1.0, "speech_end_s": 1.234, "decided_s": 0.05,
    }


def test_no_early_decisions_when_the_recogniser_ends_utterances_as_fast():
    recognizer = ScriptedRecognizer([[partial("pause")]] * 8 + [[final("pause")]])
    recognizer.endpoint_silence_s = 0.3
    [decision] = run(recognizer, 10)
    assert not decision.early and recognizer.finished == 1  # only the end-of-stream flush

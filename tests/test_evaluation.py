"""The figures behind `voicecoach accuracy` (and the benchmark): counted, not estimated."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.bench.evaluation import Clip, evaluate
from voicecoach.core import CommandGrammar
from voicecoach.hearing.listener import CommandListener

from .fakes import ScriptedRecognizer, final

GRAMMAR = CommandGrammar.for_routines({"glutes": ["glutes"]})
SILENCE = np.zeros(16_000, dtype=np.int16)  # 1 s: 20 chunks of 50 ms


def clip(label: str, expected: str | None, end: float = 0.5) -> Clip:
    command = GRAMMAR.parse(expected) if expected else None
    return Clip(label, SILENCE, command, end, "synthetic")


class PerClipRecognizer(ScriptedRecognizer):
    """Answers each clip (one restart each) with the next prepared final result."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__([])
        self.answers = answers

    def reset(self) -> None:
        super().reset()
        text = self.answers.pop(0)
        self.per_chunk = [[]] * 9 + [[final(text, end=0.5)]]


def test_figures_count_understood_rejected_and_falsely_accepted():
    recognizer = PerClipRecognizer(["pause", "stop", "", "next"])
    listener = CommandListener(recognizer, GRAMMAR)
    clips = [clip("pause", "pause"), clip("pause", "pause"), clip("marvin", None),
             clip("house", None)]
    figures = evaluate(listener, clips)
    assert (figures.commands, figures.understood) == (2, 1)
    assert (figures.others, figures.falsely_accepted) == (2, 1)
    assert figures.accuracy == 0.5 and figures.false_accept_rate == 0.5
    assert figures.latencies_s == [pytest.approx(0.0)]  # decided at 0.5 s, speech ended at 0.5 s
    assert figures.mistakes == ["'pause' heard as ['stop']", "'house' taken for 'next'"]

"""Decisions from recogniser hypotheses: early on stable unextendable partials, never twice."""

from __future__ import annotations

import pytest

from voicecoach.core import CommandGrammar, Intent
from voicecoach.core.vocabulary import VocabularyState, vocabulary_for
from voicecoach.hearing.listener import CommandListener
from voicecoach.hearing.recognizer import Hypothesis

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
        "confidence": 1.0, "speech_end_s": 1.234, "decided_s": 0.05, "verified": None,
    }


def test_no_early_decisions_when_the_recogniser_ends_utterances_as_fast():
    recognizer = ScriptedRecognizer([[partial("pause")]] * 8 + [[final("pause")]])
    recognizer.endpoint_silence_s = 0.3
    [decision] = run(recognizer, 10)
    assert not decision.early and recognizer.finished == 1  # only the end-of-stream flush


# --- listening for what makes sense now, and verifying ----------------------------------------


class NarrowableScriptedRecognizer(ScriptedRecognizer):
    """Records the grammars it was narrowed to."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.narrowed_to: list[list[str]] = []

    def listen_for(self, grammar):  # type: ignore[no-untyped-def]
        self.narrowed_to.append(grammar.sentences)


class RecordingVerifier:
    """Confirms the proposal it is told to, and records what it was asked."""

    def __init__(self, confirm: str | None) -> None:
        self.confirm = confirm
        self.asked: list[tuple[int, list[str]]] = []

    def verify(self, audio, proposals, grammar, agreed=()):  # type: ignore[no-untyped-def]
        from voicecoach.hearing.verification import Verdict

        self.asked.append((len(audio), [p.text for p in proposals]))
        chosen = next((p for p in proposals if p.text == self.confirm), None)
        return Verdict(chosen, self.confirm or "other", 0.9 if chosen else 0.2)


def test_a_command_that_means_nothing_in_this_state_is_not_one():
    listener = CommandListener(ScriptedRecognizer([[final("go")]]), GRAMMAR)
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    [decision] = listener.feed(silence())
    assert decision.command is None


def test_the_recogniser_is_narrowed_when_the_state_changes_and_only_then():
    recognizer = NarrowableScriptedRecognizer([])
    listener = CommandListener(recognizer, GRAMMAR)
    listener.listen_for(vocabulary_for(VocabularyState.ASKED))
    listener.listen_for(vocabulary_for(VocabularyState.ASKED))
    listener.listen_for(vocabulary_for(VocabularyState.PAUSED))
    assert len(recognizer.narrowed_to) == 2
    assert "yes" in recognizer.narrowed_to[0] and "next" not in recognizer.narrowed_to[0]


def test_a_verifier_chooses_among_the_recognisers_proposals():
    heard = Hypothesis("back", final=True, confidence=1.0, speech_end_s=0.9,
                       speech_start_s=0.5, alternatives=("back", "stop"))
    verifier = RecordingVerifier(confirm="stop")
    listener = CommandListener(ScriptedRecognizer([[]] * 19 + [[heard]]), GRAMMAR,
                               verifier=verifier)
    decisions = [d for _ in range(20) for d in listener.feed(silence())]
    [decision] = decisions
    assert decision.command is not None and decision.command.intent is Intent.STOP
    assert decision.verified == 0.9
    [(samples, proposals)] = verifier.asked
    assert proposals == ["back", "stop"]  # the best first, each once
    # The utterance from 0.3 s before it began to the audio heard so far (1 s; 0.3 s after its
    # end would be 1.2 s).
    assert samples == round((1.0 - (0.5 - 0.3)) * 16000)


def test_what_the_verifier_refuses_is_no_command():
    listener = CommandListener(ScriptedRecognizer([[final("stop")]]), GRAMMAR,
                               verifier=RecordingVerifier(confirm=None))
    [decision] = listener.feed(silence())
    assert decision.command is None and decision.text == "stop"


class RecordingConditioner:
    def __init__(self) -> None:
        self.chunks = 0
        self.resets = 0

    def process(self, chunk):  # type: ignore[no-untyped-def]
        self.chunks += 1
        return chunk + 1

    def flush(self):  # type: ignore[no-untyped-def]
        self.flushed = True
        return silence()

    def reset(self) -> None:
        self.resets += 1


def test_every_sample_passes_through_the_conditioner_before_the_recogniser():
    recognizer = ScriptedRecognizer([])
    conditioner = RecordingConditioner()
    listener = CommandListener(recognizer, GRAMMAR, conditioner=conditioner)
    listener.feed(silence(3))
    listener.finish()
    listener.restart()
    assert conditioner.chunks == 1 and conditioner.resets == 1
    assert recognizer.fed_samples == 4 * CHUNK  # and what its delay still held at the end

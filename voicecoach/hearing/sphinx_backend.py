"""PocketSphinx with its bundled US English model: the recogniser that needs no download.

Audio is cut into utterances by PocketSphinx's own voice-activity endpointer, so the decoder
only works while someone speaks (when proposing, by the same endpointer with a noise floor,
speech_floor.py, and Silero VAD to find where the speech ends, speech_end.py). Each
utterance is decoded against the command grammar (JSGF), which snaps any speech onto the
nearest command. To reject speech that is not a command, the utterance is decoded a second
time with a free phone loop, and the two acoustic scores are compared (a likelihood ratio, per
10 ms frame): a command scores nearly as well as the best phone sequence, while "marvin" forced
into "move on" scores far worse.

Alternatives measured and not taken: a garbage phone loop
inside the grammar rejects as much but runs seconds per second of audio with usable beams;
keyword spotting as a second pass finds single short words but misses multi-word commands and
even "pause"; the lattice posterior only measures competition inside the grammar.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..audio.source import Samples
from ..core.grammar import CommandGrammar
from ..core.intents import Intent
from .pronunciations import pronounce
from .recent_audio import RecentAudio
from .recognizer import REJECTED, Hypothesis
from .speech_end import SpeechEnd, SpeechProbability, silero
from .speech_floor import FloorEndpointer

# ARPAbet phones of the en-us model: one garbage "word" each.
PHONES = (  # noqa: SIM905 - the phone set, as the model's documentation lists it
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH "
    "UW V W Y Z ZH"
).split()
GARBAGE_PREFIX = "gb_"
DITHER_SEED = 20_260_101  # any fixed number: the same audio is then always heard the same way
# Likelihood ratio (grammar minus phone loop, log units per frame) below which an utterance is
# rejected. On 100 synthetic commands (4 voices), 48 synthetic other sentences and the 300
# Speech Commands recordings, -12 kept synthetic commands at 57% (58% without it), cut other
# sentences taken for commands from 60% to 6%, and recorded non-commands from 45% to 32%.
DEFAULT_MIN_LIKELIHOOD_RATIO = -12.0
# The commands that protect the user get a more lenient threshold: a stray "pause" costs a
# "resume", a missed "stop" or "that hurts" costs far more. (espeak's "pause" scored -12.3.)
URGENT_INTENTS = frozenset({Intent.PAUSE, Intent.STOP, Intent.PAIN})
URGENT_MIN_LIKELIHOOD_RATIO = -16.0
PARTIAL_EVERY_FRAMES = 3  # ask for a partial result every ~90 ms of speech
# Keyword spotting's detection threshold for a one-word sentence; each further word multiplies
# it (a longer phrase accumulates more acoustic evidence, so its score is naturally lower).
KEYWORD_THRESHOLD = 1e-5
CONTEXT_S = 0.3  # room around the utterance for the proposing passes
# With a verifier behind it, the endpointer may open on less: the strict mode never heard a
# third of the quiet (-33 dBFS) real "yes"es, and what a looser one lets through the verifier
# rejects. (Without a verifier, strict: the looser modes take a quiet room for speech.)
PROPOSING_VAD_MODE = 1  # pocketsphinx.Vad.MEDIUM_LOOSE
ENDPOINTER_WINDOW_S = 0.3


def keyword_threshold(sentence: str) -> float:
    return KEYWORD_THRESHOLD ** len(sentence.split())


def _pocketsphinx() -> Any:
    import pocketsphinx

    return pocketsphinx


@dataclass
class SphinxSetup:
    """What building the recogniser found: words given pronunciations, words left out."""

    added_words: dict[str, str] = field(default_factory=dict)
    unknown_words: list[str] = field(default_factory=list)


def _jsgf(grammar: CommandGrammar, garbage_weight: float | None) -> str:
    header = "#JSGF V1.0;\ngrammar voicecoach;\n"
    if garbage_weight is None:
        return header + "public <utterance> = <command>;\n" + grammar.jsgf_rules()
    phones = " | ".join(GARBAGE_PREFIX + phone.lower() for phone in PHONES)
    return (
        header
        + f"public <utterance> = /1/ <command> | /{garbage_weight:g}/ <garbage>;\n"
        + "<garbage> = <phone>+;\n"
        + f"<phone> = {phones};\n"
        + grammar.jsgf_rules()
    )


class PocketSphinxRecognizer:
    name = "pocketsphinx"
    endpoint_silence_s = 0.3  # the endpointer's window

    def __init__(
        self,
        grammar: CommandGrammar,
        min_likelihood_ratio: float | None = DEFAULT_MIN_LIKELIHOOD_RATIO,
        garbage_weight: float | None = None,
        vad_mode: int | None = None,
        mllr: Path | None = None,
        keywords: bool = False,
        noise_floor: bool = False,
    ) -> None:
        """With `min_likelihood_ratio=None` and no `garbage_weight`: the plain grammar, which
        accepts anything (the benchmark's baseline). `keywords=True`: each utterance is also
        searched for every sentence by keyword spotting, and what it finds comes back as the
        hypothesis' `alternatives` (proposals for a verifier). `noise_floor=True`: the
        endpointer also asks that speech stand out from the room (speech_floor.py)."""
        ps = _pocketsphinx()
        self._min_ratio = min_likelihood_ratio
        self._garbage_weight = garbage_weight
        self._keywords = keywords
        # dither: digital silence (a muted mic, synthetic audio) otherwise derails features.
        # seed: without one the dither is seeded from the time of day, so the same audio could
        # be heard differently from one run to the next.
        # compallsen: score all senones, so grammar and phone-loop scores are comparable.
        # mllr: the user's speaker adaptation (voicecoach enroll), a transform of the means.
        adaptation = {} if mllr is None else {"mllr": str(mllr)}
        self._decoder = ps.Decoder(lm=None, loglevel="FATAL", dither=True, seed=DITHER_SEED,
                                   compallsen=True, **adaptation)
        self._logmath = self._decoder.get_logmath()
        self.setup = self._add_missing_words(grammar)
        if garbage_weight is not None:
            for phone in PHONES:
                self._decoder.add_word(GARBAGE_PREFIX + phone.lower(), phone, False)
        # Words added with update=False wait in a buffer; one update=True commits them all.
        self._decoder.add_word("<commit>", "SIL", True)
        self._decoder.add_allphone_file("phones", None)
        self._searches: dict[tuple[str, ...], str] = {}
        self._urgent_by_search: dict[str, frozenset[str]] = {}
        self._word_searches: set[str] = set()
        self._search = self._search_for(grammar)
        self._next_search: str | None = None
        self._decoder.activate_search(self._search)
        self._utterance = bytearray()  # the speech of the open utterance, for the second pass
        self._vad_mode = ps.Vad.STRICT if vad_mode is None else vad_mode
        self._noise_floor = noise_floor
        self._speech_detector: SpeechProbability | None = None
        self._endpointer = self._new_endpointer()
        self._frame_bytes: int = self._endpointer.frame_bytes
        self._pending = bytearray()
        self._frames_in_utterance = 0
        self._in_utterance = False  # the decoder has an utterance open
        self._speech_start_s: float | None = None
        self._heard = RecentAudio()  # for second passes over the utterance with its context

    def _search_for(self, grammar: CommandGrammar) -> str:
        """The decoder's search (and keyword search) for `grammar`, made the first time."""
        key = tuple(grammar.sentences)
        if key not in self._searches:
            name = f"commands{len(self._searches)}"
            self._decoder.add_jsgf_string(name, _jsgf(grammar, self._garbage_weight))
            if self._keywords:
                self._add_keyword_search(f"{name}_kws", grammar)
                self._add_word_search(f"{name}_words", grammar)
            self._searches[key] = name
            self._urgent_by_search[name] = frozenset(
                sentence for intent in URGENT_INTENTS for sentence in grammar.sentences_for(intent)
            )
        return self._searches[key]

    def _add_keyword_search(self, name: str, grammar: CommandGrammar) -> None:
        # PocketSphinx reads keyphrases only from a file; it is read at once and not kept.
        with tempfile.TemporaryDirectory(prefix="voicecoach-kws-") as folder:
            path = Path(folder) / "keyphrases.txt"
            path.write_text(
                "".join(f"{s} /{keyword_threshold(s):g}/\n" for s in grammar.sentences),
                encoding="utf-8",
            )
            self._decoder.add_kws(name, str(path))

    def _add_word_search(self, name: str, grammar: CommandGrammar) -> None:
        """The state's one-word sentences alone: the grammar with every sentence misses many
        a real "stop" (its best path ends inside "start over", a sentence it never finishes),
        while one word at a time finds nine in ten. It accepts anything; the verifier judges."""
        words = [sentence for sentence in grammar.sentences if " " not in sentence]
        if words:
            self._decoder.add_jsgf_string(
                name, "#JSGF V1.0;\ngrammar words;\npublic <word> = " + " | ".join(words) + ";\n")
            self._word_searches.add(name)

    def listen_for(self, grammar: CommandGrammar) -> None:
        search = self._search_for(grammar)
        if self._in_utterance:
            self._next_search = search  # an utterance is decoded against what it began with
        else:
            self._search, self._next_search = search, None
            self._decoder.activate_search(search)

    def _add_missing_words(self, grammar: CommandGrammar) -> SphinxSetup:
        setup = SphinxSetup()
        for word in sorted(grammar.words):
            if self._decoder.lookup_word(word) is not None:
                continue
            phones = pronounce(word)
            if phones:
                self._decoder.add_word(word, phones, False)
                setup.added_words[word] = phones
            else:
                setup.unknown_words.append(word)
        return setup

    def accept(self, samples: Samples) -> list[Hypothesis]:
        if self._keywords:
            self._heard.add(samples)
        self._pending += samples.tobytes()
        hypotheses: list[Hypothesis] = []
        while len(self._pending) >= self._frame_bytes:
            frame = bytes(self._pending[: self._frame_bytes])
            del self._pending[: self._frame_bytes]
            hypotheses.extend(self._frame(frame))
        return hypotheses

    def _frame(self, frame: bytes) -> list[Hypothesis]:
        was_speaking = self._endpointer.in_speech
        speech = self._endpointer.process(frame)
        if speech is None:
            return []
        if not was_speaking:
            self._decoder.start_utt()
            self._in_utterance = True
            self._frames_in_utterance = 0
            self._utterance.clear()
            self._speech_start_s = float(self._endpointer.speech_start)
        if not self._in_utterance:
            return []  # the rest of an utterance already ended early by finish()
        if speech:  # nothing, when the speech ended before the frames still held
            self._decoder.process_raw(speech, False, False)
            self._utterance += speech
        self._frames_in_utterance += 1
        if not self._endpointer.in_speech:
            return self._end_utterance(self._endpointer.speech_end)
        if self._frames_in_utterance % PARTIAL_EVERY_FRAMES == 0:
            return self._partial()
        return []

    def _partial(self) -> list[Hypothesis]:
        hyp = self._decoder.hyp()
        text = hyp.hypstr if hyp is not None else ""
        if not text:
            return []
        return [self._hypothesis(text, final=False, speech_end_s=None)]

    def _end_utterance(self, speech_end_s: float | None) -> list[Hypothesis]:
        self._in_utterance = False
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        text = hyp.hypstr if hyp is not None else ""
        confidence = 1.0
        if text and self._min_ratio is not None:
            ratio = self._likelihood_ratio(hyp, self._allphone_search)
            threshold = self._min_ratio
            if text in self._urgent_by_search[self._search]:
                threshold = min(threshold, URGENT_MIN_LIKELIHOOD_RATIO)
            # 0.5 at the threshold, towards 1 above it and 0 below.
            confidence = 1.0 / (1.0 + math.exp(-(ratio - threshold) / 2.0))
        alternatives = self._spotted(speech_end_s) if self._keywords else ()
        hypothesis = self._hypothesis(text, final=True, speech_end_s=speech_end_s,
                                      confidence=confidence)
        if self._next_search is not None:
            self._search, self._next_search = self._next_search, None
            self._decoder.activate_search(self._search)
        return [replace(hypothesis, speech_start_s=self._speech_start_s,
                        alternatives=alternatives)]

    def _spotted(self, speech_end_s: float | None) -> tuple[str, ...]:
        """The best single word, then every sentence keyword spotting finds in the utterance,
        best first. Both hear the utterance with the room around it: cut where the endpointer
        cut it, a real "stop" loses its onset and is heard as "ouch" or "back"."""
        def score(segment: Any) -> int:
            return int(segment.ascore)

        start = (self._speech_start_s or 0.0) - CONTEXT_S
        end = self._heard.end_s if speech_end_s is None else speech_end_s + CONTEXT_S
        audio = self._heard.between(start, end).tobytes()
        word = ""
        if f"{self._search}_words" in self._word_searches:
            hyp, _ = self._second_pass(f"{self._search}_words", audio)
            word = hyp.hypstr.strip() if hyp is not None else ""
        _, segments = self._second_pass(f"{self._search}_kws", audio)
        found = sorted((s for s in segments if s.word), key=score, reverse=True)
        spotted = [segment.word.strip() for segment in found]
        return tuple(dict.fromkeys([word, *spotted] if word else spotted))

    def _second_pass(self, search: str, audio: bytes | None = None) -> tuple[Any, list[Any]]:
        """Decode `audio` (default: the utterance's speech) again with another search: its
        hypothesis and segments (read before the grammar's search is active again)."""
        self._decoder.activate_search(search)
        try:
            self._decoder.start_utt()
            self._decoder.process_raw(audio or bytes(self._utterance), False, True)
            self._decoder.end_utt()
            return self._decoder.hyp(), list(self._decoder.seg() or [])
        finally:
            self._decoder.activate_search(self._search)

    _allphone_search = "phones"

    def _likelihood_ratio(self, hyp: Any, search: str) -> float:
        """Grammar score minus free phone-loop score, per frame (0: as good as any phones)."""
        grammar_score = self._logmath.log(hyp.score)
        frames = max(1, int(self._decoder.n_frames()))
        phones, _ = self._second_pass(search)
        if phones is None:
            return 0.0
        difference = float(grammar_score - self._logmath.log(phones.score))
        return difference / frames

    def _hypothesis(
        self, text: str, final: bool, speech_end_s: float | None, confidence: float = 1.0
    ) -> Hypothesis:
        words = text.split()
        rejected = (
            not words
            or any(word.startswith(GARBAGE_PREFIX) for word in words)
            or confidence < 0.5
        )
        return Hypothesis(
            text=REJECTED if rejected else " ".join(words),
            final=final,
            confidence=0.0 if not words else confidence,
            speech_end_s=speech_end_s,
        )

    def finish(self) -> list[Hypothesis]:
        # The endpointer holds back its last window (~0.3 s) of audio until it has seen what
        # follows; at the end of a stream, that tail is flushed to the decoder. end_stream
        # wants at least one sample (it raises on an empty buffer).
        if self._endpointer.in_speech and self._in_utterance:
            tail = bytes(self._pending) or bytes(2)
            self._pending.clear()
            speech = self._endpointer.end_stream(tail)
            if speech:
                self._decoder.process_raw(speech, False, False)
                self._utterance += speech
        if not self._in_utterance:
            return []
        # The word may still be sounding: its end is not known yet (the endpointer has not
        # seen the silence after it).
        return self._end_utterance(None)

    def reset(self) -> None:
        if self._in_utterance:
            self._decoder.end_utt()
            self._in_utterance = False
        self._endpointer = self._new_endpointer()
        self._pending.clear()
        self._heard.clear()

    def _new_endpointer(self) -> Any:
        # STRICT: the looser modes take a quiet room's noise for speech and run words together.
        # The floor (speech_floor.py): in steady noise the VAD alone never lets an utterance
        # end. Only when proposing, where the benchmark measured it: the recogniser deciding
        # alone keeps the endpointer its likelihood-ratio rejection was tuned with.
        # Silero (speech_end.py) then ends each utterance with the speech, not with the noise
        # after it.
        if self._noise_floor:
            if self._speech_detector is None:
                self._speech_detector = silero()
            speech_end = None if self._speech_detector is None else SpeechEnd(
                self._speech_detector)
            return FloorEndpointer(ENDPOINTER_WINDOW_S, ratio=0.9, vad_mode=self._vad_mode,
                                   speech_end=speech_end)
        return _pocketsphinx().Endpointer(window=ENDPOINTER_WINDOW_S, ratio=0.9,
                                          vad_mode=self._vad_mode)

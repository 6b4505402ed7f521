"""The training data, planned then rendered: which text, which voice, which room, per clip.

The plan is a list of small `ClipSpec`s with their own seeds, so rendering can be spread over
processes in any order and still give the same clips (Piper draws its generator noise inside
its ONNX model, so its clips agree closely between runs rather than bit for bit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..core.grammar import CommandGrammar
from ..hearing.command_classifier import OTHER, label_for
from ..library import Library
from .kokoro import CHOOSING_SPEAKERS, TRAINING_SPEAKERS
from .negatives import COMMON_WORDS, HELD_OUT_WORDS, NEAR_MISSES, PARTIAL_COMMANDS, SENTENCES
from .voices import VoiceSpec, random_espeak, random_kokoro, random_piper

TRAIN = "train"
HELD_OUT = "held-out"


@dataclass(frozen=True)
class ClipSpec:
    text: str  # "" for a clip of room sound only
    label: str
    voice: VoiceSpec | None
    seed: int
    kind: str  # "speech" (an utterance), "fragment" (a piece of longer talk), "room"
    split: str = TRAIN


@dataclass(frozen=True)
class PlanSize:
    """How many clips: per command label, start (many routine names), per negative text."""

    per_label: int = 260
    start: int = 520
    per_word: int = 5
    per_sentence: int = 4
    room: int = 400
    # Of the speech clips: Kokoro's speakers, Piper's joe, and the rest espeak-ng. Kokoro's
    # natural voices teach what real voices share; espeak-ng's robotic ones less so.
    kokoro_share: float = 0.5
    piper_share: float = 0.3
    held_out_per_label: int = 40
    held_out_negatives: int = 600
    labels: tuple[str, ...] | None = None  # None: every label of the grammar


FULL = PlanSize()


def without_kokoro(size: PlanSize) -> PlanSize:
    """The same plan spoken by Piper and espeak-ng alone, in today's proportions of the two."""
    rest = size.piper_share / (1.0 - size.kokoro_share)
    return replace(size, kokoro_share=0.0, piper_share=rest)
QUICK = PlanSize(per_label=10, start=10, per_word=1, per_sentence=1, room=6,
                 held_out_per_label=4, held_out_negatives=12,
                 labels=("stop", "pause", "yes"))


def sentences_by_label(grammar: CommandGrammar) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for sentence in grammar.sentences:
        command = grammar.parse(sentence)
        assert command is not None  # every sentence of a grammar parses
        result.setdefault(label_for(command), []).append(sentence)
    return result


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def coach_lines(library: Library) -> list[str]:
    """What the coach says in the routines, sentence by sentence, keeping only sentences that
    hold no command and no word kept for measurement: ordinary speech for negatives."""
    texts: list[str] = []
    for routine in library.routines.values():
        texts += [routine.introduction, *routine.safety]
        texts += [routine.closing] if routine.closing else []
        for step in routine.steps:
            texts.append(step.instruction)
            texts += [cue.say for cue in step.cues]
            texts += [change.say for change in step.pressure.ramp if change.say]
    commands = library.grammar.sentences
    lines: set[str] = set()
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            tokens = _tokens(sentence)
            joined = f" {' '.join(tokens)} "
            if tokens and not set(tokens) & HELD_OUT_WORDS and not any(
                    f" {command} " in joined for command in commands):
                lines.add(sentence.strip())
    return sorted(lines)


def negative_words(grammar: CommandGrammar) -> list[str]:
    """Near-misses, parts of commands and common words; never a sentence of `grammar`."""
    words = [w for misses in NEAR_MISSES.values() for w in misses]
    words += [*PARTIAL_COMMANDS, *COMMON_WORDS]
    unique = dict.fromkeys(w for w in words if grammar.parse(w) is None)
    return list(unique)


def _voice(rng: np.random.Generator, size: PlanSize, split: str) -> VoiceSpec:
    """Training voices; models and thresholds are chosen on Kokoro speakers held out from
    training (or espeak-ng's held-out voices when training without Kokoro)."""
    draw = rng.random()
    if split == HELD_OUT:
        if size.kokoro_share > 0:
            return random_kokoro(rng, CHOOSING_SPEAKERS)
        return random_espeak(rng, held_out=True)
    if draw < size.kokoro_share:
        return random_kokoro(rng, TRAINING_SPEAKERS)
    if draw < size.kokoro_share + size.piper_share:
        return random_piper(rng)
    return random_espeak(rng)


class _Planner:
    def __init__(self, size: PlanSize, seed: int) -> None:
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.specs: list[ClipSpec] = []

    def add(self, text: str, label: str, kind: str, split: str = TRAIN) -> None:
        voice = None if kind == "room" else _voice(self.rng, self.size, split)
        self.specs.append(ClipSpec(text, label, voice, int(self.rng.integers(1 << 31)), kind,
                                   split))

    def commands(self, by_label: Mapping[str, Sequence[str]], split: str) -> None:
        for label, sentences in by_label.items():
            if split == HELD_OUT:
                count = self.size.held_out_per_label
            else:
                count = self.size.start if label == "start" else self.size.per_label
            order = list(sentences)
            self.rng.shuffle(order)
            for i in range(count):
                self.add(order[i % len(order)], label, "speech", split)

    def negatives(self, words: Iterable[str], sentences: Iterable[str]) -> None:
        for word in words:
            for _ in range(self.size.per_word):
                self.add(word, OTHER, "speech")
        for sentence in sentences:
            for i in range(self.size.per_sentence):
                self.add(sentence, OTHER, "speech" if i == 0 else "fragment")
        for _ in range(self.size.room):
            self.add("", OTHER, "room")


def plan(library: Library, size: PlanSize = FULL, seed: int = 0) -> list[ClipSpec]:
    """Every clip of one training run: training voices, then the held-out voices' clips."""
    by_label = sentences_by_label(library.grammar)
    if size.labels is not None:
        by_label = {label: by_label[label] for label in size.labels if label in by_label}
    words = negative_words(library.grammar)
    talk = [*SENTENCES, *coach_lines(library)]
    planner = _Planner(size, seed)
    if size.labels is not None:  # a quick run: a sample of the negatives
        picks = planner.rng.permutation(len(words))[: size.room * 4]
        words = [words[i] for i in sorted(picks)]
        talk = talk[: size.room]
    planner.commands(by_label, TRAIN)
    planner.negatives(words, talk)
    planner.commands(by_label, HELD_OUT)
    negatives = [*words, *talk]
    for i in planner.rng.permutation(len(negatives))[: size.held_out_negatives]:
        planner.add(negatives[i], OTHER, "speech", HELD_OUT)
    return planner.specs

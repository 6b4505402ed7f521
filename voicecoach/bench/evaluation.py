"""Measuring hearing: how many commands are understood, how much other speech is wrongly taken
for a command, and how long after the end of speech the decision comes (in stream time).

Clips are synthetic (espeak-ng voices speaking the grammar's phrases and ordinary sentences) or
recorded (a folder with labels.csv, such as Google's Speech Commands words).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..audio.clip_folders import read_labels
from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import Voice, synthesize, with_room
from ..audio.wav_file import read_all
from ..core.grammar import CommandGrammar
from ..core.intents import Command
from ..core.vocabulary import OTHER_SPEECH_STATES, VocabularyState, state_for, vocabulary_for
from ..hearing.decisions import hear
from ..hearing.listener import CommandListener

VOICES = (
    Voice("en-us", 160),
    Voice("en-gb", 140),
    Voice("en-us+f3", 175, 60),
    Voice("en-us+m3", 135, 40),
)
# The words a user must be able to rely on (the Speech Commands words among them), and the
# phrases a user leans on most.
CORE_PHRASES = (
    "stop", "go", "yes", "no", "left", "right", "back", "next", "skip", "pause", "repeat",
    "help", "resume", "continue", "start glutes", "start outer hip", "start quick", "that hurts",
    "ouch", "slower", "lighter", "firmer", "more time", "go back", "status",
)
NOT_COMMANDS = (
    "marvin went to the house", "happy birthday to you", "what a lovely day", "can you hear me",
    "turn on the lights", "where is my phone", "hello", "thank you", "good morning", "banana",
    "i think so", "the cat sat down",
)
BEFORE_S, AFTER_S = 0.5, 1.0  # silence around each clip
SPEECH_LEVEL = 300.0  # int16 RMS of a 10 ms frame that counts as speech in a recording


@dataclass(frozen=True)
class Clip:
    label: str  # what was said
    audio: Samples
    expected: Command | None  # None: not a command, must be rejected
    speech_end_s: float  # when the speech ends in `audio`
    source: str  # "synthetic" or "recorded"


def synthetic_clips(
    grammar: CommandGrammar,
    phrases: Iterable[str] = CORE_PHRASES,
    others: Iterable[str] = NOT_COMMANDS,
    voices: Sequence[Voice] = VOICES,
) -> list[Clip]:
    clips = []
    for seed, (text, voice) in enumerate((t, v) for t in [*phrases, *others] for v in voices):
        speech = synthesize(text, voice)
        clips.append(
            Clip(
                label=f"{text} ({voice.name}, {voice.words_per_minute} wpm)",
                audio=with_room(speech, BEFORE_S, AFTER_S, seed=seed),
                expected=grammar.parse(text),
                # espeak-ng ends its files with silence of its own: find where speech ends.
                speech_end_s=BEFORE_S + _last_speech_s(speech),
                source="synthetic",
            )
        )
    return clips


def _last_speech_s(audio: Samples) -> float:
    frame = SAMPLE_RATE // 100
    usable = len(audio) - len(audio) % frame
    frames = audio[:usable].astype(np.float64).reshape(-1, frame)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > SPEECH_LEVEL)
    return float((loud[-1] + 1) * frame / SAMPLE_RATE) if len(loud) else len(audio) / SAMPLE_RATE


def recorded_clips(folder: Path, grammar: CommandGrammar,
                   on_note: Callable[[str], None] | None = None) -> list[Clip]:
    """The clips of a labels.csv folder (path,transcript,...): words that are commands must be
    understood, all others rejected. `on_note` hears what will make a clip misheard. A folder
    that cannot be used (no labels.csv, not UTF-8, a listed file missing) is a ClipFolderError."""
    return [recorded_clip(clip.path, clip.transcript, grammar, on_note)
            for clip in read_labels(folder)]


def recorded_clip(path: Path, transcript: str, grammar: CommandGrammar,
                  on_note: Callable[[str], None] | None = None) -> Clip:
    """One recording, with room around it, to be understood if it is a command."""
    audio = with_room(read_all(path, on_note=on_note), 0.3, 0.7)
    return Clip(label=transcript, audio=audio, expected=grammar.parse(transcript),
                speech_end_s=_last_speech_s(audio), source="recorded")


@dataclass
class Figures:
    commands: int = 0
    understood: int = 0
    others: int = 0
    falsely_accepted: int = 0
    latencies_s: list[float] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float | None:
        return self.understood / self.commands if self.commands else None

    @property
    def false_accept_rate(self) -> float | None:
        return self.falsely_accepted / self.others if self.others else None

    def add(self, other: Figures) -> None:
        self.commands += other.commands
        self.understood += other.understood
        self.others += other.others
        self.falsely_accepted += other.falsely_accepted
        self.latencies_s += other.latencies_s
        self.mistakes += other.mistakes

    def latency(self, quantile: float) -> float | None:
        if not self.latencies_s:
            return None
        if len(self.latencies_s) == 1:
            return self.latencies_s[0]
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[
            round(quantile * 100) - 1
        ]


def _same(command: Command | None, expected: Command) -> bool:
    return command is not None and (command.intent, command.slots) == (
        expected.intent,
        expected.slots,
    )


def evaluate(
    listener: CommandListener,
    clips: Iterable[Clip],
    progress: Callable[[], None] = lambda: None,
) -> Figures:
    figures = Figures()
    for clip in clips:
        accepted = hear(listener, clip.audio)
        progress()
        if clip.expected is None:
            figures.others += 1
            if accepted:
                figures.falsely_accepted += 1
                figures.mistakes.append(f"{clip.label!r} taken for {accepted[0].text!r}")
            continue
        figures.commands += 1
        if len(accepted) == 1 and _same(accepted[0].command, clip.expected):
            figures.understood += 1
            figures.latencies_s.append(accepted[0].decided_s - clip.speech_end_s)
        else:
            heard = [decision.text for decision in accepted]
            figures.mistakes.append(f"{clip.label!r} heard as {heard}")
    return figures


def evaluate_in_states(
    listener: CommandListener,
    clips: Iterable[Clip],
    progress: Callable[[], None] = lambda: None,
    other_states: Sequence[VocabularyState] = OTHER_SPEECH_STATES,
) -> Figures:
    """`evaluate`, with the listener listening as the coach would: each command in its state,
    and every other clip once in each of `other_states` (each hearing counts as one)."""
    figures = Figures()
    for clip in clips:
        states = [state_for(clip.expected.intent)] if clip.expected else list(other_states)
        for state in states:
            listener.listen_for(vocabulary_for(state))
            part = evaluate(listener, [replace(clip, label=f"{clip.label} [{state}]")])
            figures.add(part)
        progress()
    listener.listen_for(None)
    return figures

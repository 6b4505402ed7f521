"""What learning a speaker's voice buys, on the recorded clips: their commands understood and
their other words acted on, with no profile, with the enrollment `voicecoach enroll` made before
it asked for sentences (their commands alone), and with today's (commands and sentences).

No speaker in the Speech Commands set says a word twice, and none reads a sentence. So each
speaker with at least MIN_COMMAND_CLIPS command clips and MIN_OTHER_CLIPS other words enrolls
twice, once with every other one of their command clips and once with the rest, and each fold's
profile scores in state the commands it did not learn: every command clip is scored once per
kind of profile. Their first SENTENCE_WORDS other words, joined three at a time with a short
pause (`spoken_sentence`), stand in for the sentences they never read; their remaining other
words are scored in every state, the same clips for every profile. These recordings measure,
never choose: no threshold or weight is set from them.

Profiles are built in a temporary folder, never the user's.
"""

from __future__ import annotations

import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..adapting.profile_builder import build_profile, command_verifier_adapter
from ..audio.clip_folders import LabelledClip, load_clip, read_labels
from ..audio.source import SAMPLE_RATE, Samples
from ..core.grammar import CommandGrammar
from ..hearing.backends import Backend
from ..hearing.listener import CommandListener
from .columns import column_listener
from .evaluation import Clip, Figures, evaluate_in_states, recorded_clip

Tick = Callable[[], None]
MIN_COMMAND_CLIPS = 3  # two folds, each scoring at least one command it did not learn
SENTENCE_WORDS = 6  # other words joined into the sentences of the new enrollment
WORDS_PER_SENTENCE = 3
MIN_SCORED_OTHERS = 3
MIN_OTHER_CLIPS = SENTENCE_WORDS + MIN_SCORED_OTHERS
PAUSE_S = 0.15  # between the words of a joined sentence, as between words read aloud
FOLDS = 2
# Enrolled with the commands alone (as `enroll` did before it asked for ordinary sentences),
# and with the commands and the sentences (as it does now).
KINDS = ("commands", "commands_and_sentences")


@dataclass(frozen=True)
class Speaker:
    name: str
    others: list[LabelledClip]  # words that are not commands
    commands: list[LabelledClip]

    @property
    def sentence_words(self) -> list[LabelledClip]:
        return self.others[:SENTENCE_WORDS]

    @property
    def scored_others(self) -> list[LabelledClip]:
        return self.others[SENTENCE_WORDS:]


def speakers(folder: Path, grammar: CommandGrammar, most: int | None = None) -> list[Speaker]:
    """The speakers who can be enrolled and scored, in name order (the first `most`)."""
    by_name: dict[str, list[LabelledClip]] = defaultdict(list)
    for clip in read_labels(folder):
        if clip.speaker:
            by_name[clip.speaker].append(clip)
    found = []
    for name, clips in sorted(by_name.items()):
        others = [c for c in clips if grammar.parse(c.transcript) is None]
        commands = [c for c in clips if grammar.parse(c.transcript) is not None]
        if len(others) >= MIN_OTHER_CLIPS and len(commands) >= MIN_COMMAND_CLIPS:
            found.append(Speaker(name, others, commands))
    return found[:most]


def spoken_sentence(words: Sequence[LabelledClip]) -> tuple[str, Samples]:
    """Recorded words joined into one recording with a short pause between them, with their
    transcript: a sentence read aloud, as near as single words come to one."""
    pause = np.zeros(round(PAUSE_S * SAMPLE_RATE), np.int16)
    parts: list[Samples] = []
    for clip in words:
        parts += [load_clip(clip), pause]
    return " ".join(clip.transcript for clip in words), np.concatenate(parts[:-1])


@dataclass
class _Scores:
    understood: Figures = field(default_factory=Figures)
    acted: Figures = field(default_factory=Figures)
    build_s: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"understood": self.understood.accuracy,
                "command_clips": self.understood.commands,
                "other_false_accept": self.acted.false_accept_rate,
                "other_hearings": self.acted.others,
                "build_s_median": statistics.median(self.build_s) if self.build_s else None}


def measure_enrollment(folder: Path, grammar: CommandGrammar, backend: Backend,
                       model: Path | None, tick: Tick, most_speakers: int | None = None,
                       folds: int = FOLDS) -> dict[str, Any]:
    chosen = speakers(folder, grammar, most_speakers)
    base = column_listener("verified", backend, grammar, model)
    pooled = {kind: _Scores() for kind in ("without_profile", *KINDS)}
    each: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-profile-") as scratch:
        for speaker in chosen:
            scores = _measure_speaker(speaker, grammar, base, backend, model, Path(scratch),
                                      folds)
            for kind, score in scores.items():
                pooled[kind].understood.add(score.understood)
                pooled[kind].acted.add(score.acted)
                pooled[kind].build_s += score.build_s
            each.append({"speaker": speaker.name,
                         **{kind: score.as_json() for kind, score in scores.items()}})
            tick()
    return {
        "rule": (f"speakers with >= {MIN_COMMAND_CLIPS} command clips and >= {MIN_OTHER_CLIPS} "
                 f"other words; {folds} folds of their commands enroll, the rest scored in "
                 f"state; {SENTENCE_WORDS} other words joined {WORDS_PER_SENTENCE} at a time "
                 "stand in for the sentences; their other words left are scored in every "
                 "state"),
        "speakers": len(chosen),
        "command_clips": pooled["without_profile"].understood.commands,
        **{kind: score.as_json() for kind, score in pooled.items()},
        "per_speaker": each,
    }


def _measure_speaker(speaker: Speaker, grammar: CommandGrammar, base: CommandListener,
                     backend: Backend, model: Path | None, scratch: Path,
                     folds: int) -> dict[str, _Scores]:
    scores = {kind: _Scores() for kind in ("without_profile", *KINDS)}
    others = [_clip(c, grammar) for c in speaker.scored_others]
    scores["without_profile"].understood = evaluate_in_states(
        base, [_clip(c, grammar) for c in speaker.commands])
    scores["without_profile"].acted = evaluate_in_states(base, others)
    words = speaker.sentence_words
    sentences = [spoken_sentence(words[start : start + WORDS_PER_SENTENCE])
                 for start in range(0, len(words), WORDS_PER_SENTENCE)]
    for fold in range(folds):
        learnt = [(c.transcript, load_clip(c)) for c in speaker.commands[fold::folds]]
        scored = [_clip(c, grammar) for number, c in enumerate(speaker.commands)
                  if number % folds != fold]
        for kind in KINDS:
            examples = learnt + (sentences if kind == "commands_and_sentences" else [])
            profile = build_profile(examples, scratch / f"{speaker.name}-{fold}-{kind}",
                                    adapt_verifier=command_verifier_adapter(grammar, _quiet))
            listener = column_listener("verified", backend, grammar, model,
                                       profile_folder=profile.folder)
            scores[kind].understood.add(evaluate_in_states(listener, scored))
            scores[kind].acted.add(evaluate_in_states(listener, others))
            scores[kind].build_s.append(profile.build_seconds)
    return scores


def _clip(clip: LabelledClip, grammar: CommandGrammar) -> Clip:
    return recorded_clip(clip.path, clip.transcript, grammar)


def _quiet(message: str) -> None:
    """The adapter's notes (e.g. no command among the clips) are not the benchmark's output."""

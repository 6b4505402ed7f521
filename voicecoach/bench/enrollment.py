"""What learning a speaker's voice buys, on the recorded clips.

No speaker in the Speech Commands set says a word twice, so, as the issue's study did, each
speaker with at least MIN_OTHER_CLIPS clips of words that are not commands and at least one
command clip enrolls with their non-command clips (3, then up to 10: the words the profile
learns are not the ones it is scored on), and their command clips are then scored in state
through the coach's hearing with that profile (`HearingOptions(profile_folder=...)`), against
the same clips heard without a profile. Their non-command clips left out of the enrollment are
scored too, in every state, for other words acted on.

Profiles are built in a temporary folder, never the user's.
"""

from __future__ import annotations

import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.grammar import CommandGrammar
from ..evaluation import Clip, Figures, evaluate_in_states, recorded_clip
from ..hearing.backends import Backend
from ..hearing.enrollment_clips import LabelledClip, load_clip, read_labels
from ..hearing.voice_profile import build_profile, command_verifier_adapter
from .columns import column_listener

Tick = Callable[[], None]
MIN_OTHER_CLIPS = 3
ENROLL_SIZES = (3, 10)  # clips per speaker: exactly 3, then up to 10


@dataclass(frozen=True)
class Speaker:
    name: str
    others: list[LabelledClip]  # words that are not commands: the enrollment material
    commands: list[LabelledClip]


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
        if len(others) >= MIN_OTHER_CLIPS and commands:
            found.append(Speaker(name, others, commands))
    return found[:most]


def measure_enrollment(folder: Path, grammar: CommandGrammar, backend: Backend,
                       model: Path | None, sizes: Sequence[int], tick: Tick,
                       most_speakers: int | None = None) -> dict[str, Any]:
    chosen = speakers(folder, grammar, most_speakers)
    base = column_listener("verified", backend, grammar, model)
    without = Figures()
    without_others = Figures()
    enrolled = {size: (Figures(), Figures()) for size in sizes}
    clips_used: dict[int, list[int]] = {size: [] for size in sizes}
    build_s: dict[int, list[float]] = {size: [] for size in sizes}
    smallest = min(sizes)
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-profile-") as scratch:
        for speaker in chosen:
            commands = [_clip(c, grammar) for c in speaker.commands]
            without.add(evaluate_in_states(base, commands))
            # The other words no profile learnt from (even the smallest): the same for both.
            unseen = [_clip(c, grammar) for c in speaker.others[smallest:]]
            without_others.add(evaluate_in_states(base, unseen))
            for size in sizes:
                examples = [(c.transcript, load_clip(c)) for c in speaker.others[:size]]
                profile = build_profile(examples, Path(scratch) / f"{speaker.name}-{size}",
                                        adapt_verifier=command_verifier_adapter(grammar, _quiet))
                clips_used[size].append(len(examples))
                build_s[size].append(profile.build_seconds)
                listener = column_listener("verified", backend, grammar, model,
                                           profile_folder=profile.folder)
                understood, acted = enrolled[size]
                understood.add(evaluate_in_states(listener, commands))
                acted.add(evaluate_in_states(listener, [_clip(c, grammar)
                                                        for c in speaker.others[size:]]))
            tick()
    return {
        "rule": (f"speakers with >= {MIN_OTHER_CLIPS} non-command clips and >= 1 command clip "
                 "enroll with their non-command clips; their command clips are scored in state"),
        "speakers": len(chosen),
        "command_clips": without.commands,
        "without_profile": {"understood": without.accuracy,
                            "other_false_accept": without_others.false_accept_rate,
                            "other_hearings": without_others.others},
        "enrolled": {str(size): _enrolled(*enrolled[size], clips_used[size], build_s[size])
                     if size in enrolled else _enrolled(Figures(), Figures(), [], [])
                     for size in ENROLL_SIZES},
    }


def _enrolled(understood: Figures, acted: Figures, clips: list[int],
              build_s: list[float]) -> dict[str, Any]:
    return {"understood": understood.accuracy,
            "other_false_accept": acted.false_accept_rate,
            "other_hearings": acted.others,
            "clips_median": statistics.median(clips) if clips else None,
            "build_s_median": statistics.median(build_s) if build_s else None}


def _clip(clip: LabelledClip, grammar: CommandGrammar) -> Clip:
    return recorded_clip(clip.path, clip.transcript, grammar)


def _quiet(message: str) -> None:
    """The adapter's notes (e.g. no command among the clips) are not the benchmark's output."""

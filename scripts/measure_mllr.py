"""How much does MLLR speaker adaptation help PocketSphinx on real speakers?

    .venv/bin/python scripts/measure_mllr.py [--speech DIR] [--json FILE]

On the Speech Commands clips (`../shared/audio/speech-commands`, or $VOICECOACH_SHARED): no
speaker there says a word twice, so, as the hearing issue's study did, each speaker with at
least three clips of NON-command words enrolls with up to ten of them, and is then scored on
their command-word clips (yes no left right stop go). Each command is decoded with a JSGF
grammar of single words for the state where it makes sense (stop while a step runs, go while
paused, yes/no when asked, left/right when a side is asked), once with the base model and once
with the speaker's transform. No threshold or weight is tuned on these clips: the only thing
learnt from them is each speaker's own transform, from their own other words.

Reports accuracy both ways, the CPU time of each adaptation (this process + bw + mllr_solve)
and the size of each transform file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from voicecoach.audio.source import Samples
from voicecoach.core.intents import Intent
from voicecoach.hearing.enrollment_clips import LabelledClip, load_clip, read_labels
from voicecoach.hearing.mllr import DITHER_SEED, estimate_mllr, with_noise_floor
from voicecoach.library import load_library

COMMAND_WORDS = frozenset({"yes", "no", "left", "right", "stop", "go"})
# The intents each state acts on (as voicecoach/core/vocabulary.py has them); each listens for
# the one-word sentences of its intents in the built-in grammar ("stop", "finish", "ouch"...).
_SESSION = {Intent.NEXT, Intent.BACK, Intent.REPEAT, Intent.RESTART, Intent.STOP, Intent.SLOWER,
            Intent.FASTER, Intent.LIGHTER, Intent.FIRMER, Intent.STATUS, Intent.HELP,
            Intent.PAIN, Intent.SAFETY}
STATE_INTENTS = {
    "running": _SESSION | {Intent.PAUSE},
    "paused": _SESSION | {Intent.RESUME},
    "asked": {Intent.YES, Intent.NO, Intent.STOP, Intent.PAIN, Intent.REPEAT},
    "side": _SESSION | {Intent.PAUSE, Intent.SIDE},
}
# Where each command word is scored: where it makes sense.
STATE_OF = {"stop": "running", "go": "paused", "yes": "asked", "no": "asked",
            "left": "side", "right": "side"}
MAX_ENROLL = 10
MIN_ENROLL = 3


def shared_speech() -> Path:
    shared = os.environ.get("VOICECOACH_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[1] / ".." / "shared"
    return root / "audio" / "speech-commands"


def state_words() -> dict[str, list[str]]:
    grammar = load_library().grammar
    return {
        state: sorted({sentence for intent in intents for sentence in grammar.sentences_for(intent)
                       if " " not in sentence})
        for state, intents in STATE_INTENTS.items()
    }


def decoders(mllr: Path | None) -> dict[str, Any]:
    import pocketsphinx

    built = {}
    for state, words in state_words().items():
        extra = {} if mllr is None else {"mllr": str(mllr)}
        decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", dither=True, seed=DITHER_SEED,
                                       **extra)
        jsgf = f"#JSGF V1.0;\ngrammar {state};\npublic <word> = {' | '.join(words)};\n"
        decoder.add_jsgf_string(state, jsgf)
        decoder.activate_search(state)
        built[state] = decoder
    return built


def heard(decoder: Any, audio: Samples) -> str:
    decoder.start_utt()
    decoder.process_raw(with_noise_floor(audio, seed=1).tobytes(), False, True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis is not None else ""


def by_speaker(clips: list[LabelledClip]) -> dict[str, list[LabelledClip]]:
    speakers: dict[str, list[LabelledClip]] = defaultdict(list)
    for clip in clips:
        if clip.speaker:
            speakers[clip.speaker].append(clip)
    return speakers


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(folder: Path, model_cache: Path, most: int = MAX_ENROLL) -> dict[str, Any]:
    base = decoders(None)
    rows = []
    adaptations = []
    for speaker, clips in sorted(by_speaker(read_labels(folder)).items()):
        others = [c for c in clips if c.transcript not in COMMAND_WORDS][:most]
        commands = [c for c in clips if c.transcript in COMMAND_WORDS]
        if len(others) < MIN_ENROLL or not commands:
            continue
        examples = [(c.transcript, load_clip(c)) for c in others]
        with tempfile.TemporaryDirectory() as scratch:
            started, started_children = time.process_time(), children_cpu()
            matrix = estimate_mllr(examples, Path(scratch) / "mllr_matrix", model_cache)
            cpu = time.process_time() - started + children_cpu() - started_children
            adaptations.append({"speaker": speaker, "clips": len(examples), "cpu_s": cpu,
                                "bytes": matrix.stat().st_size})
            adapted = decoders(matrix)
            for clip in commands:
                state = STATE_OF[clip.transcript]
                audio = load_clip(clip)
                rows.append({"speaker": speaker, "word": clip.transcript, "state": state,
                             "base": heard(base[state], audio),
                             "adapted": heard(adapted[state], audio)})
    return {"rows": rows, "adaptations": adaptations}


def summary(result: dict[str, Any]) -> dict[str, Any]:
    rows, adaptations = result["rows"], result["adaptations"]
    total = len(rows)
    base_right = sum(r["base"] == r["word"] for r in rows)
    adapted_right = sum(r["adapted"] == r["word"] for r in rows)
    cpu = [a["cpu_s"] for a in adaptations]
    return {
        "speakers": len(adaptations),
        "command_clips": total,
        "base_accuracy": base_right / total if total else None,
        "adapted_accuracy": adapted_right / total if total else None,
        "base_right": base_right,
        "adapted_right": adapted_right,
        "enroll_clips_median": statistics.median(a["clips"] for a in adaptations),
        "cpu_s_per_adaptation_median": statistics.median(cpu),
        "cpu_s_per_adaptation_max": max(cpu),
        "matrix_bytes": sorted({a["bytes"] for a in adaptations}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speech", type=Path, default=None, help="a labelled clip folder")
    parser.add_argument("--enroll", type=int, default=MAX_ENROLL, metavar="N",
                        help=f"at most N enrollment clips per speaker (default {MAX_ENROLL}, "
                        f"at least {MIN_ENROLL})")
    parser.add_argument("--json", type=Path, help="write figures and every decision here")
    args = parser.parse_args()
    folder = args.speech or shared_speech()
    with tempfile.TemporaryDirectory() as cache:
        adaptable = Path(cache)
        # The one-off model conversion is not part of an adaptation's cost: do it first.
        from voicecoach.hearing.sphinx_model import adaptable_model

        adaptable_model(cache=adaptable)
        result = measure(folder, adaptable, max(args.enroll, MIN_ENROLL))
    figures = summary(result)
    for key, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else value
        print(f"{key:>30}: {shown}")
    mistakes = [r for r in result["rows"] if r["adapted"] != r["word"] or r["base"] != r["word"]]
    for row in mistakes:
        print(f"  {row['speaker']} {row['word']:>5} ({row['state']}): base {row['base'] or '-'}"
              f", adapted {row['adapted'] or '-'}")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, **result}, indent=2) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

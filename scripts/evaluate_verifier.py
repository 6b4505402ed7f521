"""The command verifier alone on the shared real recordings and on held-out synthetic voices.

    .venv/bin/python scripts/evaluate_verifier.py [--model FILE.npz] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from voicecoach.hearing.command_classifier import CommandClassifier
from voicecoach.training.real_speech import evaluate, load_clips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="default: the shipped model")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    classifier = CommandClassifier.load(args.model)
    real = evaluate(classifier, load_clips(classifier))
    report = {"real_speech_commands": real,
              "held_out_synthetic_voices": classifier.card.get("held_out_figures")}
    print("real recordings (each command in its state, other words in all four states):")
    for threshold, figures in real["overall"].items():  # type: ignore[attr-defined]
        print(f"  p >= {threshold}: understood {figures['understood']:5.1f}%  acted on "
              f"{figures['acted_on']:5.1f}%  wrong command {figures['wrong_command']:4.1f}%")
    print("  understood by word:", json.dumps(real["understood_by_word"]))
    print("  acted on by state:", json.dumps(real["acted_on_by_state"]))
    held = classifier.card.get("held_out_figures", {}).get("by_threshold", {})
    print("held-out synthetic voices (every state that allows each command):")
    for threshold, figures in held.items():
        print(f"  p >= {threshold}: understood {figures['understood']:5.1f}%  acted on "
              f"{figures['acted_on']:5.1f}%")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

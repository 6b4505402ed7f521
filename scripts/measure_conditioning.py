"""The input conditioner on real recordings: today's recogniser with and without it.

    .venv/bin/python scripts/measure_conditioning.py [--json results.json]

On the Speech Commands clips of the shared folder (labels.csv; the six command words yes no
left right stop go must be understood, the 240 other words rejected), with today's recogniser
(`CommandListener(PocketSphinxRecognizer(grammar), grammar)`, as in `voicecoach.evaluation`),
each clip heard:

- as it comes: the evaluation's padding (0.3 s before, 0.7 s after) and noise floor;
- padded with digital silence only (what `espeak-ng -w` and a gated input deliver);
- loud: +14 dB and clipped at full scale before the padding (a microphone set far too loud);
- under a massage gun (`voicecoach.audio.massage_gun`, 40 Hz, 65 dB(A) at 1 m against speech at
  60 dB: each clip as recorded, the gun at its own level, a different stretch for each clip);

each without the conditioner, through a fresh one (`cold`: it learns the level within the
one-second clip) and through one that heard the same clip just before (`primed`: the level a
user who keeps talking to the coach has taught it). Also: how many clips raised the clipping
notice, and the conditioner's CPU time per second of audio (`time.process_time`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from voicecoach.audio.conditioning import (  # noqa: E402 - after the path is set
    DELAY_SAMPLES,
    InputConditioner,
)
from voicecoach.audio.massage_gun import massage_gun  # noqa: E402
from voicecoach.audio.source import SAMPLE_RATE, Samples  # noqa: E402
from voicecoach.audio.synthetic import with_room  # noqa: E402
from voicecoach.audio.wav_file import read_all  # noqa: E402
from voicecoach.evaluation import Clip, _last_speech_s, evaluate  # noqa: E402
from voicecoach.hearing.listener import CommandListener  # noqa: E402
from voicecoach.hearing.sphinx_backend import PocketSphinxRecognizer  # noqa: E402
from voicecoach.library import load_library  # noqa: E402

BEFORE_S, AFTER_S = 0.3, 0.7  # the evaluation's padding of recorded clips
LOUD_DB = 14.0
CHUNK = 800  # 50 ms, the microphone's block


def shared_dir() -> Path:
    value = os.environ.get("VOICECOACH_SHARED")
    return Path(value) if value else PROJECT.parent / "shared"


def loud(audio: Samples) -> Samples:
    louder = audio.astype(np.float64) * 10 ** (LOUD_DB / 20)
    return np.clip(np.round(louder), -32768, 32767).astype(np.int16)


def room_padded(audio: Samples) -> Samples:
    return with_room(audio, BEFORE_S, AFTER_S)


def silence_padded(audio: Samples) -> Samples:
    before = np.zeros(round(BEFORE_S * SAMPLE_RATE), dtype=np.int16)
    after = np.zeros(round(AFTER_S * SAMPLE_RATE), dtype=np.int16)
    return np.concatenate((before, audio, after))


class UnderGun:
    """Each clip with the next stretch of one long massage-gun recording added."""

    def __init__(self, seconds: float) -> None:
        self._gun = massage_gun(seconds, seed=12)
        self._at = 0

    def __call__(self, audio: Samples) -> Samples:
        padded = room_padded(audio)
        if self._at + len(padded) > len(self._gun):
            self._at = 0
        gun = self._gun[self._at : self._at + len(padded)]
        self._at += len(padded)
        mixed = padded.astype(np.float64) + gun
        return np.clip(mixed, -32768, 32767).astype(np.int16)


def conditioned(conditioner: InputConditioner, audio: Samples) -> Samples:
    chunks = [conditioner.process(audio[i : i + CHUNK]) for i in range(0, len(audio), CHUNK)]
    return np.concatenate((*chunks, conditioner.flush()))


@dataclass
class Row:
    name: str
    understood: int
    commands: int
    acted_on_others: int
    others: int
    clipping_notices: int | None = None

    def line(self) -> str:
        notices = "" if self.clipping_notices is None else f"{self.clipping_notices:>5}"
        return (f"{self.name:<34} {self.understood:>3}/{self.commands} "
                f"({self.understood / self.commands:4.0%})   {self.acted_on_others:>3}/"
                f"{self.others} ({self.acted_on_others / self.others:4.0%})   {notices}")


def measure(clips: list[Clip], listener: CommandListener, mode: str) -> Row:
    notices = 0
    heard = []
    for clip in clips:
        if mode == "off":
            heard.append(clip)
            continue
        conditioner = InputConditioner(seed=1)
        if mode == "primed":
            conditioned(conditioner, clip.audio)
        audio = conditioned(conditioner, clip.audio)
        notices += conditioner.clipping_noticed
        heard.append(replace(clip, audio=audio,
                             speech_end_s=clip.speech_end_s + DELAY_SAMPLES / SAMPLE_RATE))
    figures = evaluate(listener, heard)
    return Row(mode, figures.understood, figures.commands, figures.falsely_accepted,
               figures.others, None if mode == "off" else notices)


def cpu_per_audio_second(audio: Samples) -> float:
    conditioner = InputConditioner()
    start = time.process_time()
    for i in range(0, len(audio), CHUNK):
        conditioner.process(audio[i : i + CHUNK])
    return (time.process_time() - start) / (len(audio) / SAMPLE_RATE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    folder = shared_dir() / "audio" / "speech-commands"
    if not (folder / "labels.csv").is_file():
        sys.exit(f"{folder}/labels.csv is missing: set VOICECOACH_SHARED to the shared folder")
    grammar = load_library().grammar
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as labels:
        recordings = [(row["transcript"], read_all(folder / row["path"]))
                      for row in csv.DictReader(labels)]

    def clips(prepare: Callable[[Samples], Samples]) -> list[Clip]:
        made = []
        for word, audio in recordings:
            padded = prepare(audio)
            made.append(Clip(word, padded, grammar.parse(word),
                             BEFORE_S + _last_speech_s(audio), "recorded"))
        return made

    listener = CommandListener(PocketSphinxRecognizer(grammar), grammar)
    sets = {
        "as recorded": clips(room_padded),
        "digital silence around": clips(silence_padded),
        f"+{LOUD_DB:g} dB, clipped": clips(lambda audio: room_padded(loud(audio))),
        "under a massage gun": clips(UnderGun(seconds=120.0)),
    }
    print(f"{'':<34} {'commands':<13}   {'other words':<15}   clipping notices")
    rows: dict[str, list[Row]] = {}
    for name, made in sets.items():
        rows[name] = []
        for mode in ("off", "cold", "primed"):
            row = measure(made, listener, mode)
            row.name = f"{name}, conditioner {mode}"
            rows[name].append(row)
            print(row.line(), flush=True)
    everything = np.concatenate([clip.audio for clip in sets["as recorded"]])
    cpu = cpu_per_audio_second(everything)
    print(f"conditioner CPU: {cpu * 1000:.2f} ms per audio second "
          f"({cpu:.2%} of one core here), over {len(everything) / SAMPLE_RATE:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({
            "sets": {name: [row.__dict__ for row in made] for name, made in rows.items()},
            "cpu_seconds_per_audio_second": cpu,
        }, indent=2) + "\n")


if __name__ == "__main__":
    main()

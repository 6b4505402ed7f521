"""Whether an utterance ends when the word does, however long the noise before it: the commands
of a glutes session, in voices held out from the verifier's training, said after 0.5 to 5 s of
a shared noise recording (its measuring part, noise_split.py) or of a quiet room, each heard by
the real listener in the state that acts on it.

For each hearing: was the command acted on, where did the utterance that held the word end
(`speech_end_s`, against the word's true end), and when was it decided.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..audio.noise_split import measuring_part
from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS, Voice, synthesize
from ..audio.wav_file import read_all
from ..core.grammar import CommandGrammar
from ..core.intents import Command
from ..core.vocabulary import state_for, vocabulary_for
from ..hearing.listener import CommandListener, Decision
from .measure import COMMAND_VOICES

Tick = Callable[[], None]
# What a user says in one glutes session, in order.
SESSION_COMMANDS = ("start glutes", "pause", "resume", "next", "that hurts", "slower", "repeat",
                    "ouch", "no", "how long left", "lighter", "go back", "stop")
NOISE_BEFORE_S = (0.5, 2.0, 3.0, 5.0)
AFTER_S = 1.5  # of the same room after the word
SNRS_DB: tuple[float | None, ...] = (None, 25.0, 15.0, 10.0)  # None: a quiet room
WORD_FLOOR_DB = 40.0  # the word's end: its last 10 ms within this of its loudest 10 ms
CHUNK = 800  # samples fed at a time, as a microphone's 50 ms periods
QUIET_ROUNDS = 4  # the quiet room hears each command this many times (it has no stretches)


@dataclass(frozen=True)
class Scene:
    """One hearing: `text` said in a room, starting at `word_start_s`."""

    text: str
    voice: str
    room: str  # the noise file's name, or "quiet"
    snr_db: float | None
    noise_before_s: float
    audio: Samples
    word_start_s: float
    word_end_s: float


@dataclass(frozen=True)
class Heard:
    scene: Scene
    heard: bool  # the command was acted on
    utterance_end_s: float | None  # where the utterance holding the word ended (None: never)
    decided_s: float | None  # when that utterance was decided

    @property
    def end_error_s(self) -> float | None:
        if self.utterance_end_s is None:
            return None
        return self.utterance_end_s - self.scene.word_end_s


def word_bounds(word: Samples) -> tuple[float, float]:
    """Where the speech is in a synthetic word, in seconds (its 10 ms frames within
    WORD_FLOOR_DB of the loudest)."""
    frame = SAMPLE_RATE // 100
    usable = len(word) - len(word) % frame
    power = np.mean(word[:usable].astype(np.float64).reshape(-1, frame) ** 2, axis=1)
    loud = np.flatnonzero(power >= power.max() * 10 ** (-WORD_FLOOR_DB / 10))
    return float(loud[0] * frame / SAMPLE_RATE), float((loud[-1] + 1) * frame / SAMPLE_RATE)


def speech_power(word: Samples) -> float:
    """The word's mean power over its speech (the quiet around it left out)."""
    signal = word.astype(np.float64)
    loud = np.abs(signal) > 4 * NOISE_FLOOR_RMS
    return float(np.mean(signal[loud] ** 2)) if loud.any() else 1.0


def scene(text: str, voice: Voice, word: Samples, noise: Samples | None, room: str,
          snr_db: float | None, noise_before_s: float, offset: int, seed: int) -> Scene:
    """`word` said after `noise_before_s` of `noise` (from `offset` on, looped if it is too
    short; the word's speech `snr_db` above the noise's mean power), AFTER_S more after it.
    No noise: a quiet room (the synthetic speech's own noise floor)."""
    first, last = word_bounds(word)
    speech = word[round(first * SAMPLE_RATE) : round(last * SAMPLE_RATE)].astype(np.float64)
    at = round(noise_before_s * SAMPLE_RATE)
    length = at + len(speech) + round(AFTER_S * SAMPLE_RATE)
    rng = np.random.default_rng(seed)
    bed = rng.normal(0.0, NOISE_FLOOR_RMS, length)
    if noise is not None and snr_db is not None and len(noise):
        stretch = np.resize(np.roll(noise.astype(np.float64), -offset), length)
        level = float(np.mean(noise.astype(np.float64) ** 2)) or 1.0
        bed += stretch * np.sqrt(speech_power(word) / (level * 10 ** (snr_db / 10)))
    bed[at : at + len(speech)] += speech
    audio = np.clip(np.round(bed), -32768, 32767).astype(np.int16)
    return Scene(text, f"{voice.name} ({voice.words_per_minute} wpm)", room, snr_db,
                 noise_before_s, audio, at / SAMPLE_RATE, (at + len(speech)) / SAMPLE_RATE)


def hear_scene(listener: CommandListener, grammar: CommandGrammar, said: Scene) -> Heard:
    """`said` heard in the state that acts on its command."""
    expected = grammar.parse(said.text)
    if expected is None:
        raise ValueError(f"{said.text!r} is not a command of this grammar")
    listener.listen_for(vocabulary_for(state_for(expected.intent)))
    listener.restart()
    decisions: list[Decision] = []
    for start in range(0, len(said.audio), CHUNK):
        decisions += listener.feed(said.audio[start : start + CHUNK])
    decisions += listener.finish()
    heard = any(_same(decision.command, expected) for decision in decisions)
    holding = _holding_the_word(decisions, said)
    return Heard(said, heard,
                 None if holding is None else holding.speech_end_s,
                 None if holding is None else holding.decided_s)


def _holding_the_word(decisions: Sequence[Decision], said: Scene) -> Decision | None:
    """The utterance the word was heard in: the first to end after the word began (the one
    acted on, when the command was heard). None: no utterance ended after it began."""
    after = [d for d in decisions
             if d.speech_end_s is None or d.speech_end_s > said.word_start_s + 0.05]
    acted = [d for d in after if d.command is not None]
    found = acted or after
    return found[0] if found else None


def _same(command: Command | None, expected: Command) -> bool:
    return command is not None and (command.intent, command.slots) == (expected.intent,
                                                                       expected.slots)


@dataclass
class RoomFigures:
    """One room's hearings at one SNR."""

    hearings: int = 0
    heard: int = 0
    errors_s: list[float] = field(default_factory=list)  # utterance end minus word end
    never_ended: int = 0  # the utterance was still open when the stream stopped
    decided_after_s: list[float] = field(default_factory=list)  # decision minus word end

    def add(self, result: Heard) -> None:
        self.hearings += 1
        self.heard += result.heard
        error = result.end_error_s
        if error is None:
            self.never_ended += 1
        else:
            self.errors_s.append(error)
        if result.heard and result.decided_s is not None:
            self.decided_after_s.append(result.decided_s - result.scene.word_end_s)

    def as_json(self) -> dict[str, object]:
        late = [abs(error) for error in self.errors_s]
        return {
            "hearings": self.hearings,
            "heard_share": round(self.heard / self.hearings, 3) if self.hearings else None,
            "end_error_median_s": _rounded(statistics.median(late) if late else None),
            "end_error_max_s": _rounded(max(late) if late else None),
            "ends_within_0_3_s": (round(sum(e <= 0.3 for e in late) / self.hearings, 3)
                                  if self.hearings else None),
            "never_ended": self.never_ended,
            "decided_median_s": _rounded(statistics.median(self.decided_after_s)
                                         if self.decided_after_s else None),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class Plan:
    """Which rooms, levels and hearings. Each command once per stretch of each room at each
    level, the noise's length before it and the voice taking turns (`every_length`: each
    command after every length of noise, in each stretch)."""

    noise_files: tuple[Path, ...]
    snrs_db: tuple[float | None, ...] = SNRS_DB
    noise_before_s: tuple[float, ...] = NOISE_BEFORE_S
    stretches: int = 2  # starting points spread over each recording's measuring part
    commands: tuple[str, ...] = SESSION_COMMANDS
    voices: tuple[Voice, ...] = COMMAND_VOICES
    every_length: bool = False


def _turns(plan: Plan, stretches: int, first: int) -> list[tuple[float, int, str, Voice]]:
    """(noise before, stretch, command, voice) for one room at one level; `first`: the turns
    taken so far, so that the next room goes on where this one stopped."""
    lengths = plan.noise_before_s
    if plan.every_length:
        said = [(b, s, t) for b in lengths for s in range(stretches) for t in plan.commands]
        return [(b, s, t, plan.voices[turn % len(plan.voices)])
                for turn, (b, s, t) in enumerate(said, first)]
    pairs = [(s, t) for s in range(stretches) for t in plan.commands]
    return [(lengths[turn % len(lengths)], s, t,
             plan.voices[(turn // len(lengths)) % len(plan.voices)])
            for turn, (s, t) in enumerate(pairs, first)]


def scenes(plan: Plan) -> list[Scene]:
    """Every hearing of `plan`; the quiet room (no noise) hears every command QUIET_ROUNDS times."""
    words = {(text, voice): synthesize(text, voice)
             for text in plan.commands for voice in plan.voices}
    made: list[Scene] = []
    if None in plan.snrs_db:
        for before, _, text, voice in _turns(plan, QUIET_ROUNDS, 0):
            made.append(scene(text, voice, words[text, voice], None, "quiet", None, before, 0,
                              len(made)))
    for path in plan.noise_files:
        noise = measuring_part(read_all(path))
        for snr in (snr for snr in plan.snrs_db if snr is not None):
            for before, stretch, text, voice in _turns(plan, plan.stretches, len(made)):
                offset = len(noise) * stretch // plan.stretches
                made.append(scene(text, voice, words[text, voice], noise, path.name, snr,
                                  before, offset, len(made)))
    return made


def measure(listener: CommandListener, grammar: CommandGrammar, said: Sequence[Scene],
            tick: Tick = lambda: None) -> tuple[dict[str, dict[str, RoomFigures]], list[Heard]]:
    """Figures by SNR ("quiet", "25 dB"...) and room ("all" pools the rooms), and each
    hearing."""
    figures: dict[str, dict[str, RoomFigures]] = {}
    results = []
    for one in said:
        result = hear_scene(listener, grammar, one)
        results.append(result)
        level = "quiet" if one.snr_db is None else f"{one.snr_db:g} dB"
        by_room = figures.setdefault(level, {})
        by_room.setdefault(one.room, RoomFigures()).add(result)
        by_room.setdefault("all", RoomFigures()).add(result)
        tick()
    return figures, results


def as_json(figures: dict[str, dict[str, RoomFigures]]) -> dict[str, dict[str, object]]:
    return {level: {room: figure.as_json() for room, figure in rooms.items()}
            for level, rooms in figures.items()}


def described(result: Heard) -> dict[str, object]:
    """One hearing, for a report."""
    said = asdict(result.scene)
    del said["audio"]
    return {**said, "heard": result.heard, "utterance_end_s": result.utterance_end_s,
            "decided_s": result.decided_s}

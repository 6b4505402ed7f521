"""Each measurement of the benchmark, one function apiece, on the real pipeline parts."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..audio.clip_folders import ClipFolderError, wav_files
from ..audio.massage_gun import SPEECH_DBFS, massage_gun
from ..audio.noise_split import measuring_part
from ..audio.room import simulate_room
from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS, Voice, pink_noise, synthesize
from ..audio.wav_file import read_all
from ..core.grammar import CommandGrammar
from ..core.vocabulary import Vocabulary, VocabularyState
from ..hearing.decisions import hear
from ..hearing.listener import CommandListener, Decision
from .evaluation import Clip, Figures, evaluate, evaluate_in_states

if TYPE_CHECKING:
    from ..hearing.echo_guard import EchoGuard

Tick = Callable[[], None]
COACH_ENGINE = "piper"  # the coach's voice by default (settings.voice_engine)
# The synthetic users: espeak-ng voices the verifier's training never uses (HELD_OUT_VOICES),
# at fixed speeds and pitches inside the training's ranges (120-200 wpm, pitch 20-80).
COMMAND_VOICES = (
    Voice("en-gb-scotland", 160),
    Voice("en-029+f4", 170, 60),
    Voice("en-gb-scotland+m7", 140, 40),
    Voice("en-029+klatt4", 150, 50),
)
USER_VOICE = COMMAND_VOICES[1]  # the one who talks over the coach
SNRS_DB = (20, 10, 5, 0)
BARGE_IN_DB = (6, 0, -6)
BARGE_IN_WORDS = ("pause", "stop", "that hurts")  # what must get through while the coach talks
# A massage gun's loudness at 1 m, A-weighted (common guns measure 60-70 dB); the user's voice
# is 60 dB at 1 m, the microphone about as far from both (see audio/massage_gun.py).
MASSAGE_GUN_DB_SPL = (50, 60, 65)
MASSAGE_GUN_RATES_HZ = (30.0, 40.0, 50.0)


@dataclass(frozen=True)
class Accuracy:
    accuracy: float | None
    false_accept: float | None
    latency_median_s: float | None
    latency_p95_s: float | None
    rtf: float | None
    acted_on: int = 0  # other speech acted on, and how many hearings of it
    heard_others: int = 0
    mistakes: tuple[str, ...] = ()


def accuracy(listener: CommandListener, clips: Sequence[Clip], tick: Tick,
             states: Sequence[VocabularyState] | None = None) -> Accuracy:
    """`states` None: the whole grammar, as today's coach listens. Otherwise by state: each
    command in the state that acts on it, every other clip once in each of `states`."""
    started = time.process_time()
    if states is None:
        listener.listen_for(None)
        figures: Figures = evaluate(listener, clips, progress=tick)
    else:
        figures = evaluate_in_states(listener, clips, tick, states)
    seconds = sum(len(clip.audio) for clip in clips) / SAMPLE_RATE
    cpu = time.process_time() - started
    return Accuracy(figures.accuracy, figures.false_accept_rate, figures.latency(0.5),
                    figures.latency(0.95), cpu / seconds if seconds else None,
                    figures.falsely_accepted, figures.others, tuple(figures.mistakes))


# --- noise ------------------------------------------------------------------------------------


def noise_beds(folder: Path | None, seconds: float = 30.0, seed: int = 0) -> list[Samples]:
    """Background noise: the WAV files of `folder` (any depth), only the part of each kept for
    measuring (training hears the rest), or generated white and pink noise when no folder is
    given. A folder that gives no noise is a ClipFolderError, never a silent fall back to
    generated noise the figures would not say they used."""
    if folder is not None:
        beds = [measuring_part(read_all(path)) for path in wav_files(folder, "noise")]
        beds = [bed[: round(seconds * SAMPLE_RATE)] for bed in beds if len(bed)]
        if not beds:
            raise ClipFolderError(f"{folder}: every WAV file in it is empty; give a folder of "
                                  "noise WAV files")
        return beds
    rng = np.random.default_rng(seed)
    count = round(seconds * SAMPLE_RATE)
    white = rng.normal(0.0, 3000.0, count)
    return [white.astype(np.int16), pink_noise(count, rng)]


def with_noise(clip: Clip, bed: Samples, snr_db: float, offset: int) -> Clip:
    """The clip with noise under it, the speech (not the silence around it) `snr_db` louder."""
    audio = clip.audio.astype(np.float64)
    loud = np.abs(audio) > 4 * NOISE_FLOOR_RMS
    speech_power = float(np.mean(audio[loud] ** 2)) if loud.any() else 1.0
    start = offset % max(1, len(bed) - len(audio)) if len(bed) > len(audio) else 0
    noise = np.resize(bed, len(bed) + len(audio))[start : start + len(audio)].astype(np.float64)
    noise *= np.sqrt(speech_power / ((np.mean(noise**2) or 1.0) * 10 ** (snr_db / 10)))
    mixed = np.clip(audio + noise, -32768, 32767).astype(np.int16)
    return Clip(f"{clip.label} @{snr_db} dB", mixed, clip.expected, clip.speech_end_s,
                clip.source)


def with_massage_gun(clip: Clip, loudness_db_spl: float, seed: int) -> Clip:
    """The clip's speech brought to the level of a voice at 1 m (SPEECH_DBFS), a massage gun
    of `loudness_db_spl` at work under it (its rate one of MASSAGE_GUN_RATES_HZ, by seed)."""
    audio = clip.audio.astype(np.float64)
    loud = np.abs(audio) > 4 * NOISE_FLOOR_RMS
    rms = float(np.sqrt(np.mean(audio[loud] ** 2))) if loud.any() else 1.0
    audio *= 32768.0 * 10 ** (SPEECH_DBFS / 20) / rms
    rate = MASSAGE_GUN_RATES_HZ[seed % len(MASSAGE_GUN_RATES_HZ)]
    gun = massage_gun(len(audio) / SAMPLE_RATE, seed, rate, loudness_db_spl)
    mixed = np.clip(audio + gun[: len(audio)], -32768, 32767).astype(np.int16)
    return Clip(f"{clip.label} + massage gun {loudness_db_spl:g} dB(A)", mixed, clip.expected,
                clip.speech_end_s, clip.source)


# --- hearing the coach ------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomCase:
    echo_gain_db: float
    delay_s: float


def room_cases(count: int, seed: int = 0) -> list[RoomCase]:
    """Realistic loudspeaker-to-microphone paths: -10 to 0 dB, 20 to 150 ms."""
    rng = np.random.default_rng(seed)
    return [RoomCase(float(rng.uniform(-10, 0)), float(rng.uniform(0.02, 0.15)))
            for _ in range(count)]


def _through_room(listener: CommandListener, guard: EchoGuard | None, played: Samples,
                  mic: Samples) -> list[Decision]:
    """Feed a microphone signal through the guard (if any) and the listener, block by block,
    with `played` as the loudspeaker's audio on the same timeline; the decisions it keeps."""
    listener.restart()
    if guard is not None:
        guard.reset()
    block = SAMPLE_RATE // 20
    played = np.concatenate([played, np.zeros(max(0, len(mic) - len(played)), np.int16)])
    decisions: list[Decision] = []
    for start in range(0, len(mic), block):
        chunk, at = mic[start : start + block], start / SAMPLE_RATE
        if guard is not None:
            guard.played(played[start : start + block], at)
            chunk = guard.clean(chunk, at)
        decisions += listener.feed(chunk)
    decisions += listener.finish()
    return [d for d in decisions if d.command and (guard is None or guard.accepts(d))]


def self_hearing(listener: CommandListener, guard: EchoGuard | None, lines: Sequence[Samples],
                 tick: Tick, vocabulary: Vocabulary | None = None) -> int:
    """How many of the coach's own lines, heard back through a room, set off a command, the
    listener hearing `vocabulary` (None: every command)."""
    listener.listen_for(vocabulary)
    triggers = 0
    for index, (line, case) in enumerate(zip(lines, room_cases(len(lines)), strict=True)):
        mic = simulate_room(line, None, case.echo_gain_db, case.delay_s, seed=index)
        triggers += bool(_through_room(listener, guard, line, mic))
        tick()
    return triggers


def barge_in(listener: CommandListener, guard: EchoGuard | None, coach_lines: Sequence[Samples],
             grammar: CommandGrammar, tick: Tick,
             vocabulary: Vocabulary | None = None) -> dict[str, float | None]:
    """Share of BARGE_IN_WORDS, said over the coach at each of BARGE_IN_DB (user to echo), that
    are obeyed, by level; the listener hears `vocabulary` (None: every command)."""
    listener.listen_for(vocabulary)
    obeyed = dict.fromkeys(BARGE_IN_DB, 0)
    total = 0
    cases = room_cases(len(coach_lines) * len(BARGE_IN_WORDS), seed=1)
    spoken = [(synthesize(word, USER_VOICE), grammar.parse(word)) for word in BARGE_IN_WORDS]
    for index, line in enumerate(coach_lines):
        for word_index, (said, wanted) in enumerate(spoken):
            case = cases[index * len(BARGE_IN_WORDS) + word_index]
            user = np.zeros(len(line) + SAMPLE_RATE, dtype=np.int16)
            at = min(len(line) // 2, max(0, len(line) - len(said)))
            user[at : at + len(said)] = said
            for relative_db in BARGE_IN_DB:
                # The user speaks at a natural level; the coach's echo is set `relative_db`
                # below it (a quiet user is poorly heard even alone, which is not barge-in).
                echo_gain = _level(said) - relative_db - _level(line)
                mic = simulate_room(line, user, echo_gain, case.delay_s, seed=index)
                kept = _through_room(listener, guard, line, mic)
                obeyed[relative_db] += any(wanted is not None and d.command is not None
                                           and d.command.intent is wanted.intent for d in kept)
                tick()
            total += 1
    return {str(db): count / total if total else None for db, count in obeyed.items()}


def _level(samples: Samples) -> float:
    audio = samples.astype(np.float64)
    loud = audio[np.abs(audio) > 4 * NOISE_FLOOR_RMS]
    return 10 * float(np.log10(np.mean(loud**2) + 1e-9)) if len(loud) else 0.0


# --- resources --------------------------------------------------------------------------------


def cpu_share_on_silence(listener: CommandListener, seconds: float = 30.0) -> float:
    """CPU seconds per second of a quiet room: the share of one core spent listening."""
    rng = np.random.default_rng(0)
    room = rng.normal(0.0, NOISE_FLOOR_RMS, round(seconds * SAMPLE_RATE)).astype(np.int16)
    started = time.process_time()
    hear(listener, room)
    return (time.process_time() - started) / seconds


def footprint(column: str, backend: str, model: Path | None) -> dict[str, float]:
    """Peak memory, time to listening and to the first decision, in a fresh process (the only
    honest way), for the listener of `column` (see columns.py)."""
    # CLOCK_MONOTONIC is one clock for every process on the machine, so the child can count
    # from the moment we launched it.
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach.bench.footprint", column, backend,
         str(model or ""), repr(time.monotonic())],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if result.returncode != 0:
        return {}
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def speech_response(texts: Sequence[str], prefetch: bool) -> float | None:
    """Median time from deciding to speak a line to having its first audio block ready, in
    the coach's voice (COACH_ENGINE, or what it falls back to)."""
    from ..speaking.engines import VoiceEngine, open_voice
    from ..speaking.playback import Playback
    from ..speaking.tts import SpeechUnavailable, VoiceSettings

    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as folder:
        try:
            voice = open_voice(VoiceSettings(), VoiceEngine(COACH_ENGINE), lambda line: None,
                               cache_dir=Path(folder))
        except SpeechUnavailable:
            return None
        try:
            if prefetch:
                voice.prefetch(texts)
                voice.drain()
            timings = []
            for text in texts:
                playback = Playback()
                started = time.perf_counter()
                playback.enqueue(1, text, voice.audio_for(text))
                playback.render(SAMPLE_RATE // 50)
                timings.append(time.perf_counter() - started)
        finally:
            voice.close()
    return float(np.median(timings))

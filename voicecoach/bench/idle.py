"""Idle listening: CPU seconds per second of audio while `serve` waits for "start ...", on one
core (like one core of a Raspberry Pi), in a quiet room, a noisy room and a room with talk.

Each configuration is the real listener (`CommandListener` and the real recogniser, or the
coach's whole hearing with its verifier, listening in one state) hearing each scene once; the
figure is process CPU time (every thread, user and system), never wall time,
measured while every thread of the process is pinned to one core.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..audio.source import SAMPLE_RATE
from ..core.grammar import COMMAND_PHRASES, CommandGrammar, normalize
from ..core.intents import Intent
from ..core.vocabulary import VocabularyState, vocabulary_for
from ..hearing.backends import Backend
from ..hearing.decisions import hear
from ..hearing.listener import CommandListener
from ..hearing.vad_gate import GateSettings, VadGate, detector
from ..library import Library
from .idle_scenes import Scene

# What `serve` must understand while nobody is in a session: start a routine, and the answers
# and interruptions around it. Everything else can wait until a session is running.
IDLE_INTENTS = (Intent.START, Intent.STOP, Intent.PAUSE, Intent.YES, Intent.NO)
DEFAULT_GATE = GateSettings()
Build = Callable[[], CommandListener]  # a fresh listener on a fresh recogniser
WARM_UP_S = 1.0  # first-call costs (buffers, lazy set-up) are not idle listening


def small_grammar(library: Library) -> CommandGrammar:
    """The same phrases and routine names, only the intents `IDLE_INTENTS`."""
    routines = {normalize(phrase): name for name, routine in library.routines.items()
                for phrase in (name.replace("-", " "), *routine.aliases)}
    return CommandGrammar({intent: COMMAND_PHRASES[intent] for intent in IDLE_INTENTS},
                          {"routine": routines})


@contextmanager
def one_core() -> Iterator[int]:
    """Pin every thread of this process to one core (the last one allowed) for the duration;
    each thread's own set of cores is given back afterwards."""
    allowed = os.sched_getaffinity(0)
    core = max(allowed)
    saved: dict[int, set[int]] = {}
    for tid in _threads():
        try:
            saved[tid] = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, {core})
        except OSError:  # a thread that ended meanwhile
            continue
    try:
        yield core
    finally:
        for tid in _threads():  # threads started meanwhile inherited the pin: free them too
            try:
                os.sched_setaffinity(tid, saved.get(tid, allowed))
            except OSError:
                continue


def _threads() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:  # not Linux: the calling thread only
        return [0]


@dataclass(frozen=True)
class SceneFigure:
    cpu_per_audio_s: float  # CPU seconds per second of audio, on one core
    commands_heard: int  # decisions that were a command, though nobody spoke to the coach
    starts_heard: int  # of which "start ...": a session begun uninvited
    decoded_share: float | None = None  # with a gate: share of the audio the decoder saw


@dataclass
class IdleFigures:
    """One configuration of one backend, every scene."""

    label: str
    grammar_sentences: int
    scenes: dict[str, SceneFigure] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "grammar_sentences": self.grammar_sentences,
                "scenes": {name: asdict(figure) for name, figure in self.scenes.items()}}


def measure_scenes(label: str, listener: CommandListener, scenes: Sequence[Scene],
                   tick: Callable[[], None]) -> IdleFigures:
    recognizer = listener.recognizer
    figures = IdleFigures(label, len(listener.hearing.sentences))
    for scene in scenes:
        hear(listener, scene.audio[: round(WARM_UP_S * SAMPLE_RATE)])
        gate = recognizer if isinstance(recognizer, VadGate) else None
        if gate is not None:
            gate.frames_seen = gate.frames_passed = 0
        started = time.process_time()
        heard = hear(listener, scene.audio)
        cpu = time.process_time() - started
        starts = sum(d.command is not None and d.command.intent is Intent.START for d in heard)
        figures.scenes[scene.name] = SceneFigure(
            cpu / scene.seconds, len(heard), starts,
            gate.passed_share if gate is not None else None)
        tick()
    return figures


@dataclass(frozen=True)
class Configuration:
    """A named way to build the recogniser for one backend."""

    key: str  # JSON key, e.g. "full", "small_grammar", "full_vad"
    label: str
    build: Build


def gated(build: Build, vad: str = "pocketsphinx", settings: GateSettings = DEFAULT_GATE) -> Build:
    def gated_build() -> CommandListener:
        inner = build()
        gate = VadGate(inner.recognizer, detector(vad, settings.mode), settings)
        return CommandListener(gate, inner.grammar)

    return gated_build


def sphinx_configurations(library: Library, vads: Sequence[str]) -> list[Configuration]:
    from ..hearing.sphinx_backend import PocketSphinxRecognizer

    grammar, small = library.grammar, small_grammar(library)

    def full() -> CommandListener:
        return CommandListener(PocketSphinxRecognizer(grammar), grammar)

    def reduced() -> CommandListener:
        return CommandListener(PocketSphinxRecognizer(small), small)

    return [
        Configuration("full", "full grammar", full),
        Configuration("small_grammar", "idle grammar", reduced),
        *[Configuration(_vad_key("full", vad), _gate_label(vad), gated(full, vad))
          for vad in vads],
    ]


def vosk_configurations(model_path: Path, grammar: CommandGrammar,
                        small: CommandGrammar | None, vads: Sequence[str]) -> list[Configuration]:
    from ..hearing.vosk_backend import VoskRecognizer, load_model

    model = load_model(model_path)

    def full() -> CommandListener:
        return CommandListener(VoskRecognizer(model, grammar.sentences), grammar)

    configurations = [Configuration("full", "full grammar", full)]
    if small is not None:
        reduced_grammar = small

        def reduced() -> CommandListener:
            return CommandListener(VoskRecognizer(model, reduced_grammar.sentences),
                                   reduced_grammar)

        configurations.append(Configuration("small_grammar", "small grammar", reduced))
    configurations += [Configuration(_vad_key("full", vad), _gate_label(vad), gated(full, vad))
                       for vad in vads]
    return configurations


VERIFIED_STATES = (VocabularyState.RUNNING, VocabularyState.IDLE)


def verified_configurations(backend: Backend, library: Library,
                            model: Path | None) -> list[Configuration]:
    """The coach's own hearing (`build_listener`, no voice profile) in the states it spends
    its time in: while a step runs, and between sessions (`serve` waiting for "start ...")."""
    from ..hearing.pipeline import HearingOptions, build_listener

    def in_state(state: VocabularyState) -> Build:
        def build() -> CommandListener:
            options = HearingOptions(backend=backend, model=model, profile=False)
            listener = build_listener(library.grammar, options)
            listener.listen_for(vocabulary_for(state))
            return listener

        return build

    return [Configuration(f"verified_{state}", f"verified, {state}", in_state(state))
            for state in VERIFIED_STATES]


def _gate_label(vad: str) -> str:
    return "full + VAD gate" if vad == "pocketsphinx" else f"full + {vad} gate"


def _vad_key(base: str, vad: str) -> str:
    return f"{base}_vad" if vad == "pocketsphinx" else f"{base}_{vad}"

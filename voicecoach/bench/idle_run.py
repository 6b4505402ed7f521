"""The bench's idle-listening part: every configuration of every backend (today's recogniser
in its variants, and the coach's verified hearing while a step runs and between sessions)
hears the idle rooms on one core; the VAD gate's price in accuracy and latency; the Raspberry
Pi 4 estimate."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..audio.synthetic import synthesize
from ..hearing.backends import Backend, choose_backend
from ..hearing.listener import CommandListener
from ..hearing.vad_gate import GateSettings
from ..library import Library
from . import idle, idle_scenes, korean_proxy, measure, pi4
from .evaluation import Clip, synthetic_clips
from .idle import Configuration, IdleFigures
from .idle_scenes import Scene

Progress = Callable[[str, int], AbstractContextManager[Callable[[], None]]]
FULL_S, QUICK_S = 120.0, 20.0
ACCURACY_KEYS = ("command_accuracy", "real_speech_accuracy", "oov_false_accept",
                 "latency_median_s", "latency_p95_s")


@dataclass(frozen=True)
class IdlePlan:
    seconds: float  # of each scene
    vads: tuple[str, ...]  # detectors to gate with: pocketsphinx.Vad, and webrtcvad to compare
    talk_voices: int  # espeak-ng voices for the room's talk
    calibrate: bool  # run 7-Zip and sysbench for the Pi 4 ratio
    gate_all_clips: bool  # the gate's accuracy on recorded commands and other speech too
    tv: bool  # the television room too

    @classmethod
    def for_run(cls, quick: bool, seconds: float | None = None) -> IdlePlan:
        if quick:
            return cls(seconds or QUICK_S, ("pocketsphinx",), 1, False, False, False)
        return cls(seconds or FULL_S, ("pocketsphinx", *_webrtcvad()), 3, True, True, True)


def _webrtcvad() -> tuple[str, ...]:
    """The webrtcvad module, to compare with PocketSphinx's port, where it is installed."""
    return ("webrtcvad",) if importlib.util.find_spec("webrtcvad") else ()


@dataclass(frozen=True)
class Clips:
    """What the rest of the bench already made: the gate's accuracy is measured on it."""

    clean: list[Clip]  # synthetic commands
    others: list[Clip]  # synthetic and recorded speech that is no command
    recorded: list[Clip]  # recorded commands
    noise: Path | None


class IdleBench:
    def __init__(self, library: Library, plan: IdlePlan, progress: Progress) -> None:
        self.library, self.plan, self.progress = library, plan, progress
        self.estimate: pi4.Estimate | None = None  # the Pi 4 ratio, once run() has made it

    def run(self, backends: Sequence[Backend], model: Path | None, proxy: bool, clips: Clips,
            main: dict[str, Any]) -> dict[str, Any]:
        """`main`: the bench's figures per backend, whose voicecoach column is the gate-off
        side of the gate's accuracy."""
        scenes = self._scenes(clips)
        speed = pi4.measure_speed() if self.plan.calibrate else None
        estimate = self.estimate = pi4.estimate(speed)
        results: dict[str, Any] = {}
        for backend in backends:
            configurations = self._configurations(backend, model)
            verified = idle.verified_configurations(backend, self.library, model)
            results[backend.value] = self._backend(backend.value, configurations + verified,
                                                   scenes, estimate)
            results[backend.value]["vad_gate_accuracy"] = self._gate_accuracy(
                backend.value, configurations, clips, main.get(backend.value, {}))
        path = korean_proxy.model_path() if proxy else None
        if path is not None:
            configurations = idle.vosk_configurations(
                path, korean_proxy.full_grammar(), korean_proxy.small_grammar(), self.plan.vads)
            results[korean_proxy.KEY] = self._backend(korean_proxy.KEY, configurations, scenes,
                                                      estimate)
            results[korean_proxy.KEY]["label"] = korean_proxy.LABEL
            results[korean_proxy.KEY]["vad_gate_accuracy"] = self._korean_gate_accuracy(
                _named(configurations, "full"), _named(configurations, "full_vad"))
        return {
            "seconds_per_scene": self.plan.seconds,
            "measured_on": "one core (every thread pinned), process CPU time per audio second",
            "scenes": {scene.name: {"speech_share": round(scene.speech_share, 3),
                                    "note": scene.note} for scene in scenes},
            "vad_gate": {"settings": asdict(GateSettings()), "detectors": list(self.plan.vads)},
            "backends": results,
            "pi4": {**estimate.as_json(), "speed_here": asdict(speed) if speed else None},
        }

    def _scenes(self, clips: Clips) -> list[Scene]:
        seconds = self.plan.seconds
        level = idle_scenes.voice_level(synthesize("start glutes"))
        utterances = idle_scenes.talk_utterances(
            [c for c in clips.others if c.source == "recorded"],
            idle_scenes.TALK_VOICES[: self.plan.talk_voices])
        scenes = [idle_scenes.quiet_room(seconds),
                  idle_scenes.noisy_room(seconds, measure.noise_beds(clips.noise), level),
                  idle_scenes.talk_room(seconds, utterances, level)]
        if self.plan.tv:
            scenes.append(idle_scenes.talk_room(seconds, utterances, level,
                                                idle_scenes.TV_SHARE, "tv", seed=5))
        return scenes

    def _configurations(self, backend: Backend, model: Path | None) -> list[Configuration]:
        if backend is Backend.VOSK:
            _, found = choose_backend(backend, model)
            assert found is not None  # choose_backend raises when there is none
            return idle.vosk_configurations(found, self.library.grammar,
                                            idle.small_grammar(self.library), self.plan.vads)
        return idle.sphinx_configurations(self.library, self.plan.vads)

    def _backend(self, key: str, configurations: Sequence[Configuration],
                 scenes: Sequence[Scene], estimate: pi4.Estimate) -> dict[str, Any]:
        ratio = estimate.for_backend(key)
        measured: dict[str, Any] = {}
        core = -1
        with self.progress(f"{key} idle", len(configurations) * len(scenes)) as tick:
            for configuration in configurations:
                listener = configuration.build()
                with idle.one_core() as core:
                    figures = idle.measure_scenes(configuration.label, listener, scenes, tick)
                measured[configuration.key] = _with_pi4(figures, ratio)
        return {"label": key, "core": core, "pi4_ratio": list(ratio), "configurations": measured}

    def _gate_accuracy(self, key: str, configurations: Sequence[Configuration], clips: Clips,
                       main: dict[str, Any]) -> dict[str, Any]:
        """Gate on, measured here; gate off, the bench's today column (the same clips and
        listener), or measured here too when the rest of the bench did not run."""
        off = {name: main["today"].get(name) for name in ACCURACY_KEYS} if main else None
        sides = [("on", _named(configurations, "full_vad"))]
        if off is None:
            sides.append(("off", _named(configurations, "full")))
        recorded = clips.recorded if self.plan.gate_all_clips else []
        others = clips.others if self.plan.gate_all_clips else []
        total = (len(clips.clean) + len(recorded) + len(others)) * len(sides)
        result: dict[str, Any] = {"off": off}
        with self.progress(f"{key} VAD gate accuracy", total) as tick:
            for side, configuration in sides:
                result[side] = _accuracy(configuration.build(), clips.clean, recorded, others,
                                         tick)
        return result

    def _korean_gate_accuracy(self, plain: Configuration,
                              gated: Configuration) -> dict[str, Any]:
        """Korean commands said by espeak-ng, with the gate and without (a proxy's accuracy:
        only the difference means anything)."""
        grammar = korean_proxy.full_grammar()
        clips = synthetic_clips(grammar, korean_proxy.SPOKEN_COMMANDS, others=(),
                                voices=korean_proxy.KOREAN_VOICES)
        result: dict[str, Any] = {}
        with self.progress(f"{korean_proxy.KEY} VAD gate accuracy", 2 * len(clips)) as tick:
            for side, configuration in (("off", plain), ("on", gated)):
                figures = measure.accuracy(configuration.build(), clips, tick)
                result[side] = {"command_accuracy": figures.accuracy,
                                "latency_median_s": figures.latency_median_s,
                                "latency_p95_s": figures.latency_p95_s}
        return result


def _accuracy(listener: CommandListener, commands: list[Clip], recorded: list[Clip],
              others: list[Clip], tick: Callable[[], None]) -> dict[str, float | None]:
    clean = measure.accuracy(listener, commands, tick)
    real = measure.accuracy(listener, recorded, tick) if recorded else None
    rejected = measure.accuracy(listener, others, tick) if others else None
    return {"command_accuracy": clean.accuracy,
            "real_speech_accuracy": real.accuracy if real else None,
            "oov_false_accept": rejected.false_accept if rejected else None,
            "latency_median_s": clean.latency_median_s,
            "latency_p95_s": clean.latency_p95_s}


def _named(configurations: Sequence[Configuration], key: str) -> Configuration:
    return next(c for c in configurations if c.key == key)


def _with_pi4(figures: IdleFigures, ratio: Sequence[float]) -> dict[str, Any]:
    result = figures.as_json()
    result["pi4_share"] = {name: pi4.pi4_share(scene.cpu_per_audio_s, ratio)
                           for name, scene in figures.scenes.items()}
    return result

"""`voicecoach bench`: every figure for each available backend, in one run, beside the plain
baseline (the same backend with a bare grammar, no rejection, final results only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from ..audio.source import Samples
from ..audio.synthetic import Voice
from ..core.intents import Intent
from ..evaluation import NOT_COMMANDS, VOICES, Clip, recorded_clips, synthetic_clips
from ..hearing.backends import Backend, build_recognizer, choose_backend
from ..hearing.listener import CommandListener
from ..library import Library
from ..rehearsal import rehearse
from . import measure
from .figures import Figures, machine
from .idle_run import Clips, IdleBench, IdlePlan
from .idle_table import gate_table, idle_tables

CONFIGURATIONS = ("plain", "voicecoach")


@dataclass(frozen=True)
class Plan:
    """How much of everything to measure: --quick keeps CI under a minute."""

    voices: tuple[Voice, ...]
    phrases_per_intent: int | None  # None: every sentence (one start per routine)
    snr_phrases: int
    coach_lines: int
    barge_in_lines: int
    response_lines: int

    @classmethod
    def for_run(cls, quick: bool) -> Plan:
        if quick:
            return cls(VOICES[:1], 1, 6, 6, 1, 3)
        return cls(VOICES, None, 60, 60, 8, 10)


def command_phrases(library: Library, per_intent: int | None) -> list[str]:
    grammar = library.grammar
    phrases: list[str] = []
    for intent in Intent:
        sentences = grammar.sentences_for(intent)
        if intent is Intent.START:
            sentences = [f"start {routine.aliases[0]}" for routine in library.routines.values()]
        phrases += sentences if per_intent is None else sentences[:per_intent]
    return phrases


def coach_lines(library: Library) -> list[str]:
    """Every distinct line the built-in routines make the coach say, shortest first."""
    lines: set[str] = set()
    for name in library.routines:
        lines.update(r["say"] for r in rehearse(library, name).records if "say" in r)
    return sorted(lines, key=len)


class Bench:
    def __init__(self, library: Library, model: Path | None, speech: Path | None,
                 noise: Path | None, quick: bool, console: Console, *,
                 idle_seconds: float | None = None, only_idle: bool = False) -> None:
        """`idle_seconds`: how long each idle room lasts (default 120 s, 20 s with `quick`);
        `only_idle`: measure idle listening only (then the VAD gate's accuracy is measured
        with the gate off too)."""
        self.library, self.model, self.speech, self.noise = library, model, speech, noise
        self.plan = Plan.for_run(quick)
        self.idle_plan = IdlePlan.for_run(quick, idle_seconds)
        self.only_idle = only_idle
        self.console = console

    def backends(self, wanted: Backend) -> list[Backend]:
        if wanted is not Backend.AUTO:
            return [wanted]
        found = [Backend.POCKETSPHINX]
        chosen, _ = choose_backend(Backend.AUTO, self.model)
        if chosen is Backend.VOSK:
            found.append(Backend.VOSK)
        return found

    def run(self, wanted: Backend) -> dict[str, Any]:
        grammar = self.library.grammar
        phrases = command_phrases(self.library, self.plan.phrases_per_intent)
        clean = synthetic_clips(grammar, phrases, others=(), voices=self.plan.voices)
        others = synthetic_clips(grammar, (), NOT_COMMANDS, voices=self.plan.voices)
        recorded = recorded_clips(self.speech, grammar) if self.speech else []
        beds = measure.noise_beds(self.noise)
        noisy = {
            snr: [measure.with_noise(clip, beds[i % len(beds)], snr, i * 7919)
                  for i, clip in enumerate(clean[: self.plan.snr_phrases])]
            for snr in measure.SNRS_DB
        }
        backends = self.backends(wanted)
        results: dict[str, Any] = {}
        if not self.only_idle:
            texts = coach_lines(self.library)
            played = self._coach_audio(texts)
            for backend in backends:
                results[backend.value] = {
                    name: self._configuration(backend, name == "plain", clean, others,
                                              recorded, noisy, played, texts).as_json()
                    for name in CONFIGURATIONS
                }
        clips = Clips(clean, others + [c for c in recorded if not c.expected],
                      [c for c in recorded if c.expected], self.noise)
        # The Korean model stands in for Vosk's cost when no English model is installed.
        proxy = wanted is Backend.AUTO and Backend.VOSK not in backends
        idle = IdleBench(self.library, self.idle_plan, self._progress).run(
            backends, self.model, proxy, clips, results)
        return {"machine": machine(), "backends": results, "idle": idle}

    def _coach_audio(self, texts: list[str]) -> list[Samples]:
        from ..speaking.tts import SpeechUnavailable, TextToSpeech

        wanted = texts[:: max(1, len(texts) // self.plan.coach_lines)][: self.plan.coach_lines]
        try:
            voice = TextToSpeech()
        except SpeechUnavailable:
            return []
        lines = []
        try:
            for text in wanted:
                try:
                    lines.append(voice.audio_for(text))
                except SpeechUnavailable as exc:
                    self.console.print(f"[yellow]skipped a coach line: {exc}[/yellow]")
        finally:
            voice.close()
        return lines

    def _configuration(self, backend: Backend, plain: bool, clean: list[Clip],
                       others: list[Clip], recorded: list[Clip], noisy: dict[int, list[Clip]],
                       played: list[Samples], texts: list[str]) -> Figures:
        grammar = self.library.grammar
        recognizer = build_recognizer(backend, grammar, self.model, plain=plain)
        listener = CommandListener(recognizer, grammar, early=not plain)
        figures = Figures()
        total = (len(clean) + len(others) + len(recorded) + sum(map(len, noisy.values()))
                 + len(played) + self.plan.barge_in_lines * 6)
        label = f"{backend.value} {'plain' if plain else 'voicecoach'}"
        with self._progress(label, total) as tick:
            synthetic = measure.accuracy(listener, clean, tick)
            figures.command_accuracy = synthetic.accuracy
            figures.latency_median_s = synthetic.latency_median_s
            figures.latency_p95_s = synthetic.latency_p95_s
            figures.rtf = synthetic.rtf
            rejected = measure.accuracy(listener, others + [c for c in recorded if not c.expected],
                                        tick)
            figures.oov_false_accept = rejected.false_accept
            if recorded:
                real = measure.accuracy(listener, [c for c in recorded if c.expected], tick)
                figures.real_speech_accuracy = real.accuracy
            figures.accuracy_by_snr = {
                str(snr): measure.accuracy(listener, clips, tick).accuracy
                for snr, clips in noisy.items()
            }
            if played:
                guard = None if plain else _guard()
                figures.self_hearing_lines = len(played)
                figures.self_hearing_triggers = measure.self_hearing(listener, guard, played,
                                                                     tick)
                figures.barge_in_obeyed = measure.barge_in(
                    listener, guard, played[-self.plan.barge_in_lines :], grammar, tick)
        figures.cpu_idle_share = measure.cpu_share_on_silence(listener)
        figures.__dict__.update(measure.footprint(backend.value, self.model))
        figures.speech_response_s = measure.speech_response(
            texts[: self.plan.response_lines], prefetch=not plain)
        return figures

    def _progress(self, label: str, total: int) -> Any:
        console = self.console

        class _Bar:
            def __enter__(self) -> Callable[[], None]:
                self.progress = Progress(
                    f"[bold]{label}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, auto_refresh=False, transient=True)
                self.progress.start()
                task = self.progress.add_task(label, total=total)

                def tick() -> None:
                    self.progress.advance(task)
                    self.progress.refresh()

                return tick

            def __exit__(self, *exc: object) -> None:
                self.progress.stop()

        return _Bar()


def _guard() -> Any:
    from ..hearing.echo_guard import EchoGuard

    return EchoGuard()


ROWS = (
    ("command_accuracy", "command accuracy (synthetic)", "share"),
    ("real_speech_accuracy", "command accuracy (recorded)", "share"),
    ("oov_false_accept", "other speech taken for a command", "share"),
    ("self_hearing_triggers", "coach's own lines that triggered", "count"),
    ("barge_in_obeyed", "pause/stop over the coach obeyed", "share"),
    ("latency_median_s", "latency median (s)", "seconds"),
    ("latency_p95_s", "latency p95 (s)", "seconds"),
    ("rtf", "processing time / audio time", "ratio"),
    ("cpu_idle_share", "CPU share, listening to silence", "fine share"),
    ("peak_rss_mb", "peak memory (MB)", "number"),
    ("startup_s", "start to listening (s)", "seconds"),
    ("speech_response_s", "decision to coach's voice (s)", "seconds"),
)


def table(report: dict[str, Any]) -> RenderableType:
    """Every figure: the main table (per backend, plain beside voicecoach), then idle listening
    and the VAD gate's price."""
    parts: list[RenderableType] = [main_table(report)] if report["backends"] else []
    if report.get("idle"):
        parts += [idle_tables(report["idle"]), gate_table(report["idle"])]
    return Group(*parts)


def main_table(report: dict[str, Any]) -> Table:
    result = Table(title="voicecoach bench (plain = bare grammar, no rejection, finals only)")
    result.add_column("figure")
    backends = report["backends"]
    for backend in backends:
        for name in CONFIGURATIONS:
            result.add_column(f"{backend}\n{name}", justify="right")
    rows = list(ROWS)
    snrs = next(iter(backends.values()))["voicecoach"]["accuracy_by_snr"] if backends else {}
    rows[1:1] = [(f"snr:{snr}", f"accuracy at {snr} dB SNR", "share") for snr in snrs]
    for key, label, kind in rows:
        cells = []
        for backend in backends.values():
            for name in CONFIGURATIONS:
                figures = backend[name]
                value = (figures["accuracy_by_snr"].get(key[4:]) if key.startswith("snr:")
                         else figures.get(key))
                cells.append(_format(value, kind, figures))
        result.add_row(label, *cells)
    return result


def _format(value: Any, kind: str, figures: dict[str, Any]) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{value:.0%}"
    if kind == "fine share":
        return f"{value:.2%}"
    if kind == "count":
        return f"{value} of {figures.get('self_hearing_lines')}"
    if kind == "seconds":
        return f"{value:.3f}"
    if kind == "ratio":
        return f"{value:.3f}"
    return f"{value:.0f}"

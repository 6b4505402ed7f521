"""`voicecoach bench`: every figure for each available backend, in one run, in three columns
(plain, today, verified: see columns.py), plus false commands in talking rooms, enrollment,
spoken sessions (spoken_sessions.py), idle listening, and the coach's voices
(voice_bench.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from ..audio.clip_folders import read_labels, wav_files
from ..audio.source import Samples
from ..audio.synthetic import Voice
from ..core.intents import Intent
from ..core.vocabulary import OTHER_SPEECH_STATES, VocabularyState
from ..hearing.backends import Backend, choose_backend
from ..hearing.listener import CommandListener
from ..library import Library
from ..session.rehearsal import rehearse
from . import measure, pi4, rooms
from .columns import BY_STATE, CONFIGURATIONS, SENTENCE_STATES, column_listener, scored
from .enrollment import measure_enrollment
from .evaluation import Clip, recorded_clips, synthetic_clips
from .figures import Figures, machine, pooled
from .idle_run import Clips, IdleBench, IdlePlan
from .idle_scenes import TALK_VOICES, Scene
from .measure import COMMAND_VOICES
from .ordinary_sentences import ORDINARY_SENTENCES
from .spoken_sessions import SessionPlan, spoken_sessions
from .tables import table
from .voice_bench import ENGINES, HEARD_WITH, VoiceBench, coach_audio, over_the_coach

__all__ = ["Bench", "Plan", "coach_lines", "command_phrases", "table"]


@dataclass(frozen=True)
class Plan:
    """How much of everything to measure: --quick keeps CI to about a minute."""

    voices: tuple[Voice, ...]  # speak the synthetic commands (held out from training)
    phrases_per_intent: int | None  # None: every sentence (one start per routine)
    sentences: int | None  # ordinary sentences (None: all of them)
    sentence_voices: int  # of `voices`, how many speak each ordinary sentence
    recorded_commands: int | None  # recorded command clips (None: all)
    recorded_others: int | None  # recorded non-command clips (None: all)
    snr_phrases: int  # commands mixed with noise, and with the massage gun
    coach_lines: int
    barge_in_lines: int  # the longest coach lines (the introductions); quick: the shortest
    response_lines: int
    room_seconds: float  # each talking room, for false commands an hour
    enroll_speakers: int | None  # None: every speaker who qualifies
    quick: bool = False

    @classmethod
    def for_run(cls, quick: bool) -> Plan:
        if quick:
            return cls(COMMAND_VOICES[:1], 1, 4, 1, 12, 12, 3, 3, 1, 2, 12.0, 1, quick=True)
        return cls(COMMAND_VOICES, None, None, 1, None, None, 60, 60, 8, 10, 300.0, None)


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


@dataclass(frozen=True)
class Material:
    """Everything the columns hear, made once per run."""

    clean: list[Clip]  # synthetic commands
    sentences: list[Clip]  # ordinary sentences (held out), synthetic
    recorded: list[Clip]  # recorded commands
    recorded_others: list[Clip]  # recorded other words
    noisy: dict[str, list[Clip]]  # by SNR in dB
    gun: dict[str, list[Clip]]  # by the massage gun's dB(A) SPL
    played: list[Samples]  # the coach's lines, as the loudspeaker plays them
    texts: list[str]  # the coach's lines, as text
    room_scenes: list[Scene]  # the talking rooms
    coach_voice: str | None = None  # the engine and voice `played` was spoken with


class Bench:
    def __init__(self, library: Library, model: Path | None, speech: Path | None,
                 noise: Path | None, quick: bool, console: Console, *,
                 idle_seconds: float | None = None, only_idle: bool = False,
                 only_voices: bool = False, only_sessions: bool = False,
                 only_enrollment: bool = False) -> None:
        """`idle_seconds`: how long each idle room lasts (default 120 s, 20 s with `quick`);
        `only_idle`: measure idle listening only (then the VAD gate's accuracy is measured
        with the gate off too); `only_voices`: measure the coach's voices only;
        `only_sessions`: measure spoken sessions only; `only_enrollment`: measure enrollment
        only (on the speakers of `speech`)."""
        # Folders that cannot be used are refused now, not minutes into the run (and noise
        # that is not there is never quietly replaced by generated noise).
        if speech is not None:
            read_labels(speech)
        if noise is not None:
            wav_files(noise, "noise")
        self.library, self.model, self.speech, self.noise = library, model, speech, noise
        self.plan = Plan.for_run(quick)
        self.idle_plan = IdlePlan.for_run(quick, idle_seconds)
        self.only_idle, self.only_voices = only_idle, only_voices
        self.only_sessions = only_sessions
        self.only_enrollment = only_enrollment
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
        verifier = verifier_in_use(self.library)
        backends = self.backends(wanted)
        if self.only_enrollment and self.speech is not None:
            return {"machine": machine(), "plan": {"verifier": verifier},
                    "enrollment": {backend.value: self._enrollment(backend, self.speech)
                                   for backend in backends}}
        if self.only_voices:
            speed = pi4.measure_speed() if not self.plan.quick else None
            return {"machine": machine(), "plan": {**self._described(), "verifier": verifier},
                    "voices": self._voices(coach_lines(self.library), backends,
                                           pi4.estimate(speed))}
        if self.only_sessions:
            return {"machine": machine(), "plan": {"verifier": verifier},
                    "spoken_sessions": self._spoken(backends)}
        material = self._material()
        results: dict[str, Any] = {}
        rooms_heard: dict[str, Any] = {}
        enrollment: dict[str, Any] = {}
        if not self.only_idle:
            for backend in backends:
                results[backend.value] = {
                    name: self._column(backend, name, material).as_json()
                    for name in CONFIGURATIONS
                }
                rooms_heard[backend.value] = self._rooms(backend, material.room_scenes)
                if self.speech is not None:
                    enrollment[backend.value] = self._enrollment(backend, self.speech)
        spoken = {} if self.only_idle else self._spoken(backends)
        clips = Clips(material.clean, material.sentences + material.recorded_others,
                      material.recorded, self.noise)
        # The Korean model stands in for Vosk's cost when no English model is installed.
        proxy = wanted is Backend.AUTO and Backend.VOSK not in backends
        idle_bench = IdleBench(self.library, self.idle_plan, self._progress)
        idle = idle_bench.run(backends, self.model, proxy, clips, results)
        voices = {} if self.only_idle else self._voices(material.texts, backends,
                                                        idle_bench.estimate)
        if verifier_in_use(self.library) != verifier:
            self.console.print("[red]the command verifier's file changed during the run: "
                               "the verified figures mix two models; run the bench again[/red]")
        return {"machine": machine(),
                "plan": {**self._described(), "verifier": verifier,
                         "coach_voice": material.coach_voice},
                "backends": results,
                "rooms": rooms_heard, "enrollment": enrollment, "spoken_sessions": spoken,
                "idle": idle, "voices": voices}

    def _voices(self, texts: list[str], backends: list[Backend],
                estimate: pi4.Estimate | None) -> dict[str, Any]:
        """Each engine's costs, its Pi 4 estimate, and the coach's hearing over it."""
        def note(line: str) -> None:
            self.console.print(f"[yellow]{line}[/yellow]")

        bench = VoiceBench(self.library.grammar, self.plan.coach_lines,
                           self.plan.barge_in_lines, self.plan.quick, self._progress, note)
        return bench.run(texts, backends, lambda backend: self._listener(backend, HEARD_WITH),
                         estimate or pi4.estimate(None))

    def _spoken(self, backends: list[Backend]) -> dict[str, Any]:
        def note(line: str) -> None:
            self.console.print(f"[yellow]{line}[/yellow]")

        return spoken_sessions(self.library, backends,
                               lambda backend: self._listener(backend, "verified"), self.noise,
                               SessionPlan.for_run(self.plan.quick), self._progress, note)

    def _described(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "command_voices": [f"{v.name} ({v.words_per_minute} wpm, pitch {v.pitch})"
                               for v in plan.voices],
            "voices_note": "espeak-ng voices held out of the verifier's training "
                           "(voicecoach.training.voices.HELD_OUT_VOICES)",
            "user_voice_over_coach": measure.USER_VOICE.name,
            "ordinary_sentences": len(ORDINARY_SENTENCES[: plan.sentences]),
            "sentence_voices": plan.sentence_voices,
            "sentence_states": [str(state) for state in SENTENCE_STATES],
            "other_word_states": [str(state) for state in OTHER_SPEECH_STATES],
            "massage_gun": "speech at -22 dBFS (60 dB SPL at 1 m); the gun's A-weighted level "
                           "at 1 m as keyed, rates 30/40/50 Hz in turn",
            "room_seconds": plan.room_seconds,
            "barge_in_words": list(measure.BARGE_IN_WORDS),
            "voices": f"{', '.join(ENGINES)}: each measured in a child process pinned to one "
                      f"core (voice_costs.py), its {plan.coach_lines} coach lines heard back "
                      f"and {plan.barge_in_lines} talked over by the {HEARD_WITH} hearing",
        }

    def _material(self) -> Material:
        plan, grammar = self.plan, self.library.grammar
        phrases = command_phrases(self.library, plan.phrases_per_intent)
        clean = synthetic_clips(grammar, phrases, others=(), voices=plan.voices)
        sentences = synthetic_clips(grammar, (), ORDINARY_SENTENCES[: plan.sentences],
                                    voices=plan.voices[: plan.sentence_voices])
        recorded = recorded_clips(self.speech, grammar) if self.speech else []
        commands = [c for c in recorded if c.expected][: plan.recorded_commands]
        others = [c for c in recorded if not c.expected][: plan.recorded_others]
        beds = measure.noise_beds(self.noise)
        subset = clean[: plan.snr_phrases]
        noisy = {str(snr): [measure.with_noise(clip, beds[i % len(beds)], snr, i * 7919)
                            for i, clip in enumerate(subset)]
                 for snr in measure.SNRS_DB}
        gun = {str(level): [measure.with_massage_gun(clip, level, seed=i)
                            for i, clip in enumerate(subset)]
               for level in measure.MASSAGE_GUN_DB_SPL}
        texts: list[str] = []
        scenes: list[Scene] = []
        played: list[Samples] = []
        coach_voice = None
        if not self.only_idle:
            texts = coach_lines(self.library)
            said = rooms.utterances(ORDINARY_SENTENCES[: plan.sentences],
                                    plan.voices[: plan.sentence_voices],
                                    TALK_VOICES[: self.idle_plan.talk_voices], others)
            scenes = rooms.rooms(plan.room_seconds, said)
            # The coach's lines in the voice the coach really speaks with (a fallback is said).
            played, coach_voice = coach_audio(
                measure.COACH_ENGINE, texts, plan.coach_lines,
                lambda line: self.console.print(f"[yellow]{line}[/yellow]"))
        return Material(clean, sentences, commands, others, noisy,
                        gun, played, texts, scenes, coach_voice)

    def _listener(self, backend: Backend, column: str) -> CommandListener:
        notes: list[str] = []
        listener = column_listener(column, backend, self.library.grammar, self.model,
                                   say=notes.append)
        # Only what says the column is not what it claims (no verifier could run, say).
        for note in notes:
            if "decides alone" in note or "no pronunciation" in note:
                self.console.print(f"[yellow]{backend.value} {column}: {note}[/yellow]")
        return listener

    def _column(self, backend: Backend, column: str, material: Material) -> Figures:
        listener = self._listener(backend, column)
        by_state = column in BY_STATE
        others_states = OTHER_SPEECH_STATES if by_state else None
        m = material
        in_state_hearings = 0 if by_state else len(m.recorded) + len(m.recorded_others)
        total = (len(m.clean) + len(m.sentences) + len(m.recorded) + len(m.recorded_others)
                 + in_state_hearings + sum(map(len, m.noisy.values()))
                 + sum(map(len, m.gun.values())) + len(m.played)
                 + self.plan.barge_in_lines * len(measure.BARGE_IN_WORDS)
                 * len(measure.BARGE_IN_DB))
        figures = Figures(scored=scored(column))
        with self._progress(f"{backend.value} {column}", total) as tick:
            synthetic = measure.accuracy(listener, m.clean, tick, others_states)
            figures.command_accuracy = synthetic.accuracy
            figures.latency_median_s = synthetic.latency_median_s
            figures.latency_p95_s = synthetic.latency_p95_s
            figures.rtf = synthetic.rtf
            sentences = measure.accuracy(listener, m.sentences, tick,
                                         SENTENCE_STATES if by_state else None)
            figures.sentence_false_accept = sentences.false_accept
            parts = [(sentences.acted_on, sentences.heard_others)]
            if m.recorded:
                figures.real_speech_accuracy = measure.accuracy(
                    listener, m.recorded, tick, others_states).accuracy
                real_others = measure.accuracy(listener, m.recorded_others, tick, others_states)
                figures.real_other_false_accept = real_others.false_accept
                parts.append((real_others.acted_on, real_others.heard_others))
                figures.in_state = self._in_state(listener, m, by_state, tick)
            figures.oov_false_accept = pooled(parts)
            figures.accuracy_by_snr = {
                snr: measure.accuracy(listener, clips, tick, others_states).accuracy
                for snr, clips in m.noisy.items()}
            figures.accuracy_massage_gun = {
                level: measure.accuracy(listener, clips, tick, others_states).accuracy
                for level, clips in m.gun.items()}
            if m.played:
                self._over_the_coach(listener, column, m.played, figures, tick)
        listener.listen_for(None)
        figures.cpu_idle_share = measure.cpu_share_on_silence(listener)
        figures.__dict__.update(measure.footprint(column, backend.value, self.model))
        figures.speech_response_s = measure.speech_response(
            m.texts[: self.plan.response_lines], prefetch=column != "plain")
        return figures

    def _in_state(self, listener: CommandListener, m: Material, by_state: bool,
                  tick: Callable[[], None]) -> dict[str, float | None]:
        """The recorded speech with this column's recogniser narrowed to each state (nothing
        new for a column that already listens by state)."""
        if by_state:
            return {"real_speech_accuracy": None, "real_other_false_accept": None}
        commands = measure.accuracy(listener, m.recorded, tick, OTHER_SPEECH_STATES)
        others = measure.accuracy(listener, m.recorded_others, tick, OTHER_SPEECH_STATES)
        return {"real_speech_accuracy": commands.accuracy,
                "real_other_false_accept": others.false_accept}

    def _over_the_coach(self, listener: CommandListener, column: str, played: list[Samples],
                        figures: Figures, tick: Callable[[], None]) -> None:
        heard = over_the_coach(listener, column, played, self.library.grammar,
                               self.plan.barge_in_lines, self.plan.quick, tick)
        figures.__dict__.update(heard)

    def _rooms(self, backend: Backend, scenes: list[Scene]) -> dict[str, Any]:
        heard: dict[str, Any] = {}
        runs: list[tuple[str, str, VocabularyState | None]] = [
            ("plain", "plain", None), ("today", "today", None),
            *[(f"verified_{state}", "verified", state) for state in rooms.VERIFIED_STATES]]
        with self._progress(f"{backend.value} talking rooms", len(runs) * len(scenes)) as tick:
            for key, column, state in runs:
                listener = self._listener(backend, column)
                heard[key] = rooms.false_commands(listener, scenes, tick, state)
        return heard

    def _enrollment(self, backend: Backend, folder: Path) -> dict[str, Any]:
        from .enrollment import speakers

        count = len(speakers(folder, self.library.grammar, self.plan.enroll_speakers))
        with self._progress(f"{backend.value} enrollment", count) as tick:
            return measure_enrollment(folder, self.library.grammar, backend, self.model, tick,
                                      self.plan.enroll_speakers)

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


def verifier_in_use(library: Library) -> dict[str, str | None]:
    """Which command verifier the verified column hears with (its file and a digest of it),
    so that a figure can be traced to its model, and a model replaced mid-run is noticed."""
    import hashlib

    from ..hearing.command_classifier import ClassifierError, find_classifier

    try:
        found = find_classifier(library.grammar)
    except ClassifierError as exc:
        return {"file": None, "sha256": None, "note": str(exc)}
    digest = hashlib.sha256(found.path.read_bytes()).hexdigest()[:16]
    return {"file": str(found.path), "sha256": digest, "note": found.describe()}

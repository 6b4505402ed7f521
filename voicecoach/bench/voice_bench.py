"""The bench's voice part: for each engine the coach can speak with (Piper, pyttsx3), what it
costs (voice_costs.py, in a child process), an estimate for a Raspberry Pi 4, and whether the
coach's hearing still ignores that voice and lets "pause", "stop" and "that hurts" through it.

JSON: `voices.<engine>.{real_time_factor, first_sample_s, peak_memory_mb, prefetch_s,
pi4_real_time_factor, pi4_first_sample_s, pi4_prefetch_s, over_the_coach.<backend>, ...}`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..audio.source import Samples
from ..core.grammar import CommandGrammar
from ..core.vocabulary import VocabularyState, vocabulary_for
from ..hearing.backends import Backend
from ..hearing.listener import CommandListener
from . import measure, pi4
from .columns import BY_STATE
from .idle_run import Progress
from .voice_costs import engine_costs

ENGINES = ("piper", "pyttsx3")  # the coach's voice first: the default
COACH_ENGINE = ENGINES[0]
HEARD_WITH = "verified"  # the coach's own hearing hears each voice
SCALED = ("load_s", "first_sample_s", "ready_s", "prefetch_s", "real_time_factor")  # x ratio


def coach_audio(engine: str, texts: Sequence[str], count: int,
                note: Callable[[str], None]) -> tuple[list[Samples], str | None]:
    """`count` of the coach's lines spread over `texts`, as `engine` says them (or the engine
    it falls back to, said through `note`), and which engine and voice that was."""
    from ..speaking.engines import VoiceEngine, open_voice
    from ..speaking.tts import SpeechUnavailable, VoiceSettings

    wanted = texts[:: max(1, len(texts) // count)][:count]
    try:
        voice = open_voice(VoiceSettings(), VoiceEngine(engine), note)
    except SpeechUnavailable as exc:
        note(f"no coach voice to hear back: {exc}")
        return [], None
    lines = []
    try:
        for text in wanted:
            try:
                lines.append(voice.audio_for(text))
            except SpeechUnavailable as exc:
                note(f"skipped a coach line: {exc}")
        return lines, f"{voice.engine} {voice.voice_name}"
    finally:
        voice.close()


def over_the_coach(listener: CommandListener, column: str, played: Sequence[Samples],
                   grammar: CommandGrammar, barge_in_lines: int, quick: bool,
                   tick: Callable[[], None]) -> dict[str, Any]:
    """Self-hearing (commands set off by the coach's own lines heard back through a room) and
    barge-in (BARGE_IN_WORDS said over the coach at each of BARGE_IN_DB) for one listener."""
    # The coach talks while a step runs: that is the state a listener by state is in.
    vocabulary = vocabulary_for(VocabularyState.RUNNING) if column in BY_STATE else None
    guard = None if column == "plain" else _guard()
    triggers = measure.self_hearing(listener, guard, played, tick, vocabulary)
    # Quick: the shortest lines; otherwise the longest (the introductions).
    lines = played[:barge_in_lines] if quick else played[-barge_in_lines:]
    by_db = measure.barge_in(listener, guard, lines, grammar, tick, vocabulary)
    shares = [share for share in by_db.values() if share is not None]
    return {"self_hearing_triggers": triggers, "self_hearing_lines": len(played),
            "barge_in_by_db": by_db,
            "barge_in_obeyed": sum(shares) / len(shares) if shares else None}


def hearings(played: Sequence[Samples], barge_in_lines: int) -> int:
    """How many times over_the_coach feeds the listener (for a progress bar)."""
    return len(played) + (min(barge_in_lines, len(played)) * len(measure.BARGE_IN_WORDS)
                          * len(measure.BARGE_IN_DB))


class VoiceBench:
    def __init__(self, grammar: CommandGrammar, coach_lines: int, barge_in_lines: int,
                 quick: bool, progress: Progress, note: Callable[[str], None]) -> None:
        """`coach_lines`: how many lines are heard back; `barge_in_lines`: how many of them
        are talked over."""
        self.grammar, self.quick, self.progress, self.note = grammar, quick, progress, note
        self.coach_lines, self.barge_in_lines = coach_lines, barge_in_lines

    def run(self, texts: Sequence[str], backends: Sequence[Backend],
            listener: Callable[[Backend], CommandListener],
            estimate: pi4.Estimate) -> dict[str, Any]:
        """`texts`: the coach's lines; `listener`: the coach's hearing on a backend."""
        return {engine: self._engine(engine, texts, backends, listener, estimate)
                for engine in ENGINES}

    def _engine(self, engine: str, texts: Sequence[str], backends: Sequence[Backend],
                listener: Callable[[Backend], CommandListener],
                estimate: pi4.Estimate) -> dict[str, Any]:
        with self.progress(f"{engine} voice: speed and memory", 1) as tick:
            figures = engine_costs(engine, self.quick)
            tick()
        for line in figures["notes"] or []:
            self.note(f"{engine}: {line}")
        used = figures["engine_used"] or engine
        ratio = estimate.for_voice(used)
        figures["pi4_ratio"] = list(ratio)
        for key in SCALED:
            value = figures[key]
            figures[f"pi4_{key}"] = None if value is None else [round(value * ratio[0], 3),
                                                                round(value * ratio[1], 3)]
        played, heard_voice = coach_audio(engine, texts, self.coach_lines,
                                          lambda line: self.note(f"{engine}: {line}"))
        figures["heard_voice"] = heard_voice
        figures["over_the_coach"] = {}
        for backend in backends if played else ():
            label = f"{engine} voice: {backend.value} {HEARD_WITH} over the coach"
            with self.progress(label, hearings(played, self.barge_in_lines)) as tick:
                figures["over_the_coach"][backend.value] = over_the_coach(
                    listener(backend), HEARD_WITH, played, self.grammar, self.barge_in_lines,
                    self.quick, tick)
        return figures


def _guard() -> Any:
    from ..hearing.echo_guard import EchoGuard

    return EchoGuard()

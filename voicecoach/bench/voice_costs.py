"""What a coach voice costs, each engine measured in a fresh process of its own: only there is
the peak memory the engine's own (VmHWM), and only there does a cold start count.

The child runs pinned to one core, as the idle figures are (docs/cpu-budget.md), so that a
Raspberry Pi 4 estimate is this machine's figure times the single-core ratio of `pi4.py`.

    python -m voicecoach.bench.voice_costs ENGINE [--quick]

prints one JSON line of figures (after MARK) and nothing else the parent reads.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..speaking.tts import TextToSpeech

MARK = "voice-costs:"
ROUTINE = "glutes"  # the routine whose start is timed: every line a plain run of it says
QUICK_PREFETCH_LINES = 3  # --quick: only the first few of them
CHILD_TIMEOUT_S = 900.0
# The real-time factor is taken over these coach lines, short to long, as the routines word them.
RATE_LINES = (
    "Ten seconds left.",
    "Press a little more firmly now, as the muscle warms up.",
    "Step 2 of 4: Knead the upper buttock. Make a loose fist and press it into the muscle "
    "just below your hip bone, rolling it slowly in small circles.",
    "Well done. Take a slow breath, let your hips sink into the floor, and notice how the "
    "muscle feels now compared with when we started. Drink a glass of water.",
)
# Answers made up on the spot, which no prefetch can have made: where we are, what is left.
ANSWER_LINES = (
    "Slower: 40 seconds left on this step.",
    "Warm up with long strokes: 45 seconds left. Medium pressure.",
    "Resting: 10 seconds left. Next is step 3 of 4: Knead the upper buttock. About 3 minutes "
    "to go.",
)
FIGURE_KEYS = ("engine_used", "voice_name", "load_s", "real_time_factor", "rate_audio_s",
               "first_sample_s", "ready_s", "prefetch_s", "prefetch_lines", "prefetch_audio_s",
               "prefetched", "memory_before_mb", "peak_memory_mb", "notes")


def engine_costs(engine: str, quick: bool) -> dict[str, Any]:
    """The figures of `engine` ("piper" or "pyttsx3"), every key present; a child that fails
    leaves them None and says why under "notes"."""
    figures: dict[str, Any] = dict.fromkeys(FIGURE_KEYS)
    command = [sys.executable, "-m", "voicecoach.bench.voice_costs", engine]
    try:
        result = subprocess.run([*command, *(["--quick"] if quick else [])],
                                capture_output=True, text=True, timeout=CHILD_TIMEOUT_S,
                                check=False)
    except subprocess.TimeoutExpired:
        return {**figures, "notes": [f"not measured: took over {CHILD_TIMEOUT_S:.0f} s"]}
    found = [line for line in result.stdout.splitlines() if line.startswith(MARK)]
    if result.returncode != 0 or not found:
        cause = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {**figures, "notes": [f"not measured: {cause}"]}
    figures.update(json.loads(found[-1].removeprefix(MARK)))
    return figures


# --- in the child ---------------------------------------------------------------------------


def measure(engine: str, quick: bool) -> dict[str, Any]:
    from ..library import load_library
    from ..session.wiring import prefetch_routine

    library = load_library()  # before the baseline: the session has it loaded too
    notes: list[str] = []
    before = _memory_mb("VmRSS")
    with tempfile.TemporaryDirectory(prefix="voicecoach-voice-bench-") as folder:
        started = time.perf_counter()
        voice = _open(engine, notes.append, Path(folder) / "answers")
        load_s = time.perf_counter() - started
        try:
            rates = RATE_LINES[1:3] if quick else RATE_LINES
            rtf, rate_audio_s = _real_time_factor(voice, rates)
            first_sample_s = _first_sample(voice, ANSWER_LINES[:1] if quick else ANSWER_LINES)
            engine_used, voice_name = str(voice.engine), voice.voice_name
        finally:
            voice.close()
        # The start of a session, on a fresh cache: the session waits while the urgent answers
        # are made (ready_s), then every line a plain run says is made in the background.
        voice = _open(engine, notes.append, Path(folder) / "prefetch")
        try:
            started = time.perf_counter()
            ready_s: float | None = None
            if quick:  # a few lines only, in the background
                voice.prefetch(_first_lines(library, QUICK_PREFETCH_LINES))
            else:
                prefetch_routine(voice, library, ROUTINE)
                ready_s = time.perf_counter() - started
            voice.drain()
            prefetch_s = time.perf_counter() - started
            prefetch_lines = voice.synthesized
            prefetch_audio_s = _audio_seconds(voice.cache_dir)
        finally:
            voice.close()
    return {"engine_used": engine_used, "voice_name": voice_name, "load_s": load_s,
            "real_time_factor": rtf, "rate_audio_s": rate_audio_s,
            "first_sample_s": first_sample_s, "ready_s": ready_s, "prefetch_s": prefetch_s,
            "prefetch_lines": prefetch_lines, "prefetch_audio_s": prefetch_audio_s,
            "prefetched": (f"the first {QUICK_PREFETCH_LINES} {ROUTINE} lines (--quick)"
                           if quick else f"the common answers and a plain run of {ROUTINE}"),
            "memory_before_mb": before, "peak_memory_mb": _memory_mb("VmHWM"), "notes": notes}


def _open(engine: str, note: Callable[[str], None], cache: Path) -> TextToSpeech:
    from ..speaking.engines import VoiceEngine, open_voice
    from ..speaking.tts import VoiceSettings

    return open_voice(VoiceSettings(), VoiceEngine(engine), note, cache_dir=cache)


def _real_time_factor(voice: TextToSpeech, lines: Sequence[str]) -> tuple[float, float]:
    """Seconds of making over seconds of speech, as the session asks for a line (the cache is
    fresh: every line is made)."""
    spent = audio = 0.0
    for text in lines:
        started = time.perf_counter()
        samples = voice.audio_for(text)
        spent += time.perf_counter() - started
        audio += len(samples) / 16000
    return spent / audio, audio


def _first_sample(voice: TextToSpeech, lines: Sequence[str]) -> float:
    """Median time from deciding to say a line nobody made ahead to its first audio block
    rendered for the loudspeaker, the way the session's speech thread does it."""
    from ..speaking.playback import Playback

    timings = []
    for number, text in enumerate(lines):
        playback = Playback()
        started = time.perf_counter()
        playback.enqueue(number, text, voice.audio_for(text))
        playback.render(16000 // 50)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _first_lines(library: Any, count: int) -> list[str]:
    from ..session.rehearsal import rehearse

    said = [r["say"] for r in rehearse(library, ROUTINE).records if "say" in r]
    return list(dict.fromkeys(said))[:count]


def _audio_seconds(folder: Path) -> float:
    seconds = 0.0
    for path in folder.glob("*.wav"):
        with wave.open(str(path), "rb") as wav:
            seconds += wav.getnframes() / wav.getframerate()
    return seconds


def _memory_mb(field: str) -> float | None:
    # VmHWM, not ru_maxrss: the latter survives exec and so reports the launching process's peak.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            kib = next(int(line.split()[1]) for line in status if line.startswith(field))
    except (OSError, StopIteration, ValueError):
        return None
    return kib / 1024


def main(argv: Sequence[str]) -> int:
    # Pinned before anything starts a thread: every thread started later inherits the core.
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    engine, quick = argv[0], "--quick" in argv[1:]
    figures = measure(engine, quick)
    print(MARK + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

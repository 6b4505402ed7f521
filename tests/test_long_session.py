"""An eight-hour session on a fake clock: ticks that come late and irregularly, as from a busy
machine, must not make the schedule drift. The reference is the same session ticked exactly at
every deadline; both must agree to within a millisecond, all the way to the end."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from voicecoach.core import (
    Command,
    Heard,
    Intent,
    Routine,
    SessionEngine,
    SessionFinished,
    SessionState,
    Tick,
)

RESULTS = Path(__file__).parent.parent / "reliability-results" / "long-session.json"
HOURS = 8
TOLERANCE_S = 0.001


def eight_hour_routine() -> Routine:
    """96 steps of 4-minute holds and 1-minute rests (the last 5 minutes, no rest): 8 h of work."""
    steps = [{"title": f"Step {n}", "instruction": "Slow circles.", "hold_seconds": 240,
              "technique": "circular", "rest_seconds": 60,
              "pressure": {"start": "light", "ramp": [{"after_seconds": 60, "level": "medium"}]},
              "cues": [{"at_seconds": 120, "say": "Breathe out slowly."}]}
             for n in range(1, 96)]
    steps.append({"title": "Last", "instruction": "Rest your hands.", "hold_seconds": 300,
                  "technique": "breathing"})
    return Routine.model_validate({
        "name": "long", "title": "Eight hours", "aliases": ["long one"], "areas": ["glutes"],
        "tool": "hands", "introduction": "A long one.", "steps": steps,
    })


# Commands at fixed moments of the day, the same in both runs.
COMMANDS = {2 * 3600.0: Intent.SLOWER, 3 * 3600.0: Intent.PAUSE,
            3 * 3600.0 + 600: Intent.RESUME, 5 * 3600.0: Intent.FASTER}
CHECKPOINTS = [hour * 3600.0 + 0.5 for hour in range(1, HOURS + 1)]


class Run:
    """One session, ticked by `next_tick(due, now)`; no speaker reports, so every spoken phase
    lasts its estimate and the schedule is fully determined by the clock."""

    def __init__(self) -> None:
        routine = eight_hour_routine()
        self.engine = SessionEngine({routine.name: routine})
        self.now = 0.0
        self.finished_at: float | None = None
        self.elapsed: float | None = None
        self.left_at: dict[float, float] = {}
        self.ticks = 0
        self.send(Heard(Command(Intent.START, {"routine": "long"})))

    def send(self, event: Heard | Tick) -> None:
        self.ticks += 1
        for action in self.engine.handle(event, self.now):
            if isinstance(action, SessionFinished):
                self.finished_at, self.elapsed = self.now, action.summary.elapsed_seconds

    def run(self, lateness: random.Random | None) -> None:
        moments = sorted([*COMMANDS, *CHECKPOINTS])
        while self.engine.state is not SessionState.FINISHED:
            due = self.engine.next_deadline()
            upcoming = moments[0] if moments else None
            if due is None and upcoming is None:
                raise AssertionError(f"stuck in {self.engine.state}")
            target = min(t for t in (due, upcoming) if t is not None)
            if lateness is not None and target == due:
                # A real loop wakes up late: usually by milliseconds, sometimes by seconds.
                delay = lateness.expovariate(1 / 0.05) if lateness.random() < 0.95 else \
                    lateness.uniform(1.0, 8.0)
                late = target + delay
                target = min(late, upcoming) if upcoming is not None else late
            self.now = max(self.now, target)
            if upcoming is not None and self.now >= upcoming:
                moments.pop(0)
                self.at_moment(upcoming)
            else:
                self.send(Tick())

    def at_moment(self, moment: float) -> None:
        self.now = moment
        if moment in COMMANDS:
            self.send(Heard(Command(COMMANDS[moment])))
        else:
            self.send(Tick())
            snapshot = self.engine.snapshot(self.now)
            self.left_at[moment] = snapshot.routine_seconds_left or 0.0


def test_an_eight_hour_session_with_late_ticks_keeps_to_the_schedule():
    exact = Run()
    exact.run(lateness=None)
    jittered = Run()
    jittered.run(lateness=random.Random(8))
    assert exact.elapsed is not None and jittered.elapsed is not None
    assert exact.elapsed > HOURS * 3600  # eight hours of holds and rests, plus the speaking
    drift = abs(jittered.elapsed - exact.elapsed)
    checkpoint_drift = max(abs(jittered.left_at[t] - exact.left_at[t]) for t in exact.left_at)
    assert drift < TOLERANCE_S and checkpoint_drift < TOLERANCE_S
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "session_seconds": round(exact.elapsed, 3),
        "events_exact": exact.ticks, "events_late": jittered.ticks,
        "end_drift_ms": round(drift * 1000, 6),
        "max_checkpoint_drift_ms": round(checkpoint_drift * 1000, 6),
    }, indent=2) + "\n", encoding="utf-8")

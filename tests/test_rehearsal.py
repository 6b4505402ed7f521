"""Rehearsing sessions on the virtual clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.rehearsal import ScriptError, Utterance, parse_script, rehearse


def test_every_builtin_routine_finishes_in_the_sum_of_its_holds_sides_and_rests(library):
    for name, routine in library.routines.items():
        result = rehearse(library, name)
        assert result.finished, name
        assert result.records[-1] == {"t": pytest.approx(routine.total_seconds),
                                      "state": "finished"}, name


def test_records_are_in_time_order_and_say_what_was_heard(library):
    script = [Utterance(30, "pause"), Utterance(40, "marvin"), Utterance(50, "resume")]
    result = rehearse(library, "glutes", script)
    times = [record["t"] for record in result.records]
    assert times == sorted(times)
    heard = [r for r in result.records if "heard" in r]
    assert heard == [
        {"t": 30, "heard": "pause", "intent": "pause", "slots": {}},
        {"t": 40, "heard": "marvin", "intent": None, "slots": {}},
        {"t": 50, "heard": "resume", "intent": "resume", "slots": {}},
    ]
    assert result.records[-1]["t"] == pytest.approx(library.routines["glutes"].total_seconds + 20)


def test_a_session_left_paused_does_not_finish(library):
    result = rehearse(library, "quick-hip", [Utterance(5, "pause")])
    assert not result.finished and result.end_state == "paused"


def test_speaking_rate_makes_speech_take_time(library):
    instant = rehearse(library, "quick-hip")
    spoken = rehearse(library, "quick-hip", words_per_minute=150)
    assert spoken.records[-1]["t"] > instant.records[-1]["t"] + 30


def test_script_lines_are_minutes_and_seconds():
    script = parse_script("# warm-up\n00:30 pause\n\n1:05 resume\n1:02:03.5 stop\n")
    assert script == [Utterance(30, "pause"), Utterance(65, "resume"), Utterance(3723.5, "stop")]


@pytest.mark.parametrize("line", ["pause", "0:75 pause", "12 pause", "00:10"])
def test_bad_script_lines_name_the_line(line: str):
    with pytest.raises(ScriptError, match=r"cmds.txt:2: "):
        parse_script(f"00:01 pause\n{line}\n", "cmds.txt")


def test_back_on_a_steps_first_side_returns_to_the_side_done_last(tmp_path: Path):
    """The README: "next / back moves to the next or previous step (each side counts)"."""
    script = tmp_path / "commands.txt"
    script.write_text("00:05 next\n00:10 next\n00:15 back\n")  # step 1 right, step 2 left, back
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "rehearse", "full-hip", "--commands", str(script),
         "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    after_back = next(r["say"] for r in records if r["t"] == 15.0 and "say" in r)
    assert after_back.startswith("Step 1 of 11: Roll the glutes.")
    assert "Right side now." in after_back


def test_pause_as_a_cue_falls_due_wins_and_the_cue_comes_after_resume(tmp_path: Path):
    """glutes step 1 has a cue at 20 s; its hold starts at 0 when speech takes no time."""
    script = tmp_path / "commands.txt"
    script.write_text("00:20 pause\n00:25 resume\n")
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "rehearse", "glutes", "--commands", str(script)],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "you:   pause" in line)
    cue = "Keep the strokes long and slow"
    assert [line[:6] for line in lines[start:start + 6]] == ["00:20 "] * 3 + ["00:25 "] * 3
    assert "coach: Paused." in lines[start + 2]
    assert not any(cue in line for line in lines[:start + 3])
    assert "coach: Resuming." in lines[start + 5] and cue in lines[start + 6]

"""Only a routine's pressure ramp may ask for more pressure: its lines are tied to a level, so
the coach can leave them out when the pressure must stay light. A cue or an instruction that
asks for more is refused, with its line and the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from voicecoach.core.pressure_words import asks_for_more
from voicecoach.library import Library

from .conftest import make_routine
from .routine_texts import GOOD


@pytest.mark.parametrize("text", [
    "A little deeper now.", "Press a little more firmly now.", "Lean in a little more.",
    "Let a little more weight sink onto the roller.", "Cross your ankle over to add weight.",
    "Use firm pressure.", "Shift forward just a little more.", "Draw the knee a little closer.",
    "If it feels comfortable, lean forward a little from your hips.", "Squeeze harder.",
])
def test_words_that_ask_for_more_are_found(text: str):
    assert asks_for_more(text) is not None


@pytest.mark.parametrize("text", [
    "Keep the strokes long and slow.", "Never press harder than feels good.",
    "Don't lean in more, stay where you are.", "Take a deeper breath.",
    "Use light pressure.", "Stretch only to a gentle pull.", "Now work toward the outside.",
])
def test_words_that_ask_for_nothing_more_are_not(text: str):
    assert asks_for_more(text) is None


def test_every_ramp_line_of_the_builtin_routines_is_found_asking_for_more(library: Library):
    """The check that keeps such words out of cues and instructions knows every way the
    built-in routines ask for more."""
    ramp_lines = [change.say for routine in library.routines.values() for step in routine.steps
                  for change in step.pressure.ramp if change.say]
    assert len(ramp_lines) > 30
    assert [line for line in ramp_lines if asks_for_more(line) is None] == []


def _step(**overrides: object) -> dict[str, object]:
    return {"title": "Knead", "instruction": "Knead slowly.", "hold_seconds": 60,
            "technique": "kneading", **overrides}


def test_a_cue_that_asks_for_more_pressure_is_refused_with_the_fix():
    with pytest.raises(ValidationError) as caught:
        make_routine(steps=[_step(cues=[{"at_seconds": 30, "say": "Now squeeze deeper."}])])
    [error] = caught.value.errors()
    assert error["loc"] == ("steps", 0, "cues", 0, "say")
    assert "'deeper' asks for more pressure" in error["msg"]
    assert "pressure ramp" in error["msg"]


def test_an_instruction_that_asks_for_more_pressure_is_refused():
    with pytest.raises(ValidationError, match="'more pressure' asks for more pressure"):
        make_routine(steps=[_step(instruction="Knead slowly. If you want more pressure, lean.")])


def test_the_same_words_in_the_pressure_ramp_are_accepted():
    ramp = [{"after_seconds": 30, "level": "firm", "say": "Now squeeze deeper."}]
    routine = make_routine(steps=[_step(pressure={"start": "medium", "ramp": ramp})])
    assert routine.steps[0].pressure.ramp[0].say == "Now squeeze deeper."


def test_check_names_the_line_of_a_cue_that_asks_for_more(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD.replace("sample", "mine") + (
        "    cues:\n"
        "      - at_seconds: 10\n"
        "        say: Lean in a little more now.\n"))
    result = subprocess.run([sys.executable, "-m", "voicecoach", "check", str(path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith(
        f"{path}:14: steps[0].cues[0].say: 'Lean in a little' asks for more pressure")
    assert "move these words to the step's pressure ramp" in result.stdout

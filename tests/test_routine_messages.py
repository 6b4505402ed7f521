"""Routine files' mistakes said in the words of someone writing YAML, not pydantic's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.library import RoutineError, load_routine

from .routine_texts import GOOD


def problems(tmp_path: Path, text: str, name: str = "sample") -> list[str]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    return [problem.message for problem in caught.value.problems]


@pytest.mark.parametrize(("change", "said"), [
    (("name: sample", "name: Glutes Roller"),
     "name: use lower-case letters, digits and dashes, e.g. glutes-roller (got 'Glutes Roller')"),
    (("steps:\n  - title: Knead", "steps: []\nold:\n  - title: Knead"), None),
    (("aliases: [sample]", "aliases: []"),
     "aliases: give at least one spoken name, e.g. glutes"),
    (("title: Sample", 'title: ""'), "title: must not be empty"),
    (("tool: hands", "tool: hammer"), "tool: must be one of hands, foam roller, tennis ball, "
     "massage gun, none, heat and ice, mixed (got 'hammer')"),
    (("technique: kneading", "technique: kneeding"), "steps[0].technique: must be one of "
     "effleurage, kneading, petrissage, circular, compression, rolling, ball, percussion, "
     "stretch, heat, ice, breathing (got 'kneeding'); did you mean kneading?"),
    (("hold_seconds: 30", "hold_seconds: 2"),
     "steps[0].hold_seconds: must be at least 5 seconds (got 2)"),
    (("hold_seconds: 30", "hold_seconds: soon"),
     "steps[0].hold_seconds: must be a whole number of seconds, e.g. 30 (got 'soon')"),
    (("technique: kneading", "technique: kneading\n    both_sides: maybe"),
     "steps[0].both_sides: must be true or false (got 'maybe')"),
    (("technique: kneading", "technique: kneading\n    titel: x"),
     "steps[0].titel: not a field of a step (did you mean title?); its fields are: title, "
     "instruction, hold_seconds, technique, pressure, cues, rest_seconds, both_sides, areas"),
    (("    technique: kneading\n", ""), "steps[0].technique: missing: every step needs one; "
     "add `technique: ...`"),
    (("introduction: Lie down.", "introduction: Lie down.\nsafety: be careful"),
     "safety: must be a list, one `- ` line per item (got 'be careful')"),
])
def test_each_mistake_is_said_in_the_writers_words(tmp_path: Path, change, said):
    old, new = change
    found = problems(tmp_path, GOOD.replace(old, new))
    if said is None:  # the empty list of steps (and a stray key): see the test below
        assert "steps: a routine needs at least one step" in found
        return
    assert said in found
    assert not any("should" in problem or "Input" in problem for problem in found)


def test_check_prints_the_users_words_with_path_and_line(tmp_path: Path):
    path = tmp_path / "glutes-roller.yaml"
    path.write_text(GOOD.replace("name: sample", "name: Glutes_Roller").replace(
        "steps:\n  - title: Knead\n    instruction: Knead slowly.\n    hold_seconds: 30\n"
        "    technique: kneading\n", "steps: []\n"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "voicecoach", "check", str(path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert f"{path}:1: name: use lower-case letters, digits and dashes, e.g. glutes-roller" in (
        result.stdout)
    assert f"{path}:7: steps: a routine needs at least one step" in result.stdout
    assert "String should" not in result.stdout and "List should" not in result.stdout

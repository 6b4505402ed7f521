"""Routine files: the built-in library, and clear `path:line: message` errors for broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voicecoach.core import Area, CommandGrammar, Intent, Technique, Tool
from voicecoach.library import (
    RoutineError,
    builtin_routines_dir,
    check_routines,
    load_library,
    load_routine,
)
from voicecoach.session.rehearsal import routine_minutes

from .routine_texts import EVERY_KIND_OF_MISTAKE, GOOD, THREE_MISTAKES


def write(tmp_path: Path, text: str, name: str = "sample.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# A routine of one's own that wants "start glutes" too (its second alias, line 5).
SUBTLE = GOOD.replace("name: sample", "name: subtle").replace("title: Sample", "title: Subtle") \
    .replace("aliases: [sample]", "aliases:\n  - subtle\n  - glutes\n  - gentle")


def error_for(tmp_path: Path, text: str, name: str = "sample.yaml") -> RoutineError:
    with pytest.raises(RoutineError) as caught:
        load_routine(write(tmp_path, text, name))
    return caught.value


def test_library_has_at_least_twelve_valid_routines(library):
    assert len(library.routines) >= 12


def test_library_covers_every_area_and_way(library):
    routines = library.routines.values()
    assert {area for r in routines for area in r.areas} == set(Area)
    tools = {r.tool for r in routines}
    assert {Tool.HANDS, Tool.FOAM_ROLLER, Tool.TENNIS_BALL, Tool.MASSAGE_GUN,
            Tool.HEAT_AND_ICE} <= tools
    techniques = {step.technique for r in routines for step in r.steps}
    assert {Technique.EFFLEURAGE, Technique.KNEADING, Technique.PETRISSAGE, Technique.CIRCULAR,
            Technique.STRETCH, Technique.HEAT, Technique.ICE} <= techniques


def test_library_has_a_full_hip_and_a_quick_routine(library):
    minutes = {name: routine_minutes(routine, 150) for name, routine in library.routines.items()}
    assert minutes["full-hip"] >= 20
    assert minutes["quick-hip"] == min(minutes.values()) and minutes["quick-hip"] <= 8


def test_hip_flexor_routines_warn_about_the_pulse(library):
    for routine in library.routines.values():
        if Area.HIP_FLEXORS in routine.areas:
            assert any("pulse" in note for note in routine.safety), routine.name


def test_massage_gun_routine_starts_soft_and_avoids_bone(library):
    text = " ".join(library.routines["massage-gun"].safety).lower()
    assert "softest" in text and "bone" in text and "moving" in text


def test_routines_are_found_by_alias(library):
    assert library.find("butt").name == "glutes"
    assert library.find("nonsense") is None


def test_builtin_dir_is_the_project_library():
    assert (builtin_routines_dir() / "glutes.yaml").is_file()


def test_a_good_file_loads(tmp_path: Path):
    routine = load_routine(write(tmp_path, GOOD))
    assert routine.name == "sample" and routine.steps[0].hold_seconds == 30


def test_wrong_type_names_the_field_and_its_line(tmp_path: Path):
    error = error_for(tmp_path, GOOD.replace("hold_seconds: 30", "hold_seconds: soon"))
    assert error.line == 10
    assert "steps[0].hold_seconds" in error.message
    assert str(error).startswith(f"{tmp_path / 'sample.yaml'}:10: steps[0].hold_seconds")


def test_unknown_key_is_an_error_not_ignored(tmp_path: Path):
    error = error_for(tmp_path, GOOD + "    colour: blue\n")
    assert error.line == 12 and "steps[0].colour" in error.message
    assert "not a field of a step; its fields are: title, instruction," in error.message


def test_missing_field_points_at_its_parent(tmp_path: Path):
    error = error_for(tmp_path, GOOD.replace("    technique: kneading\n", ""))
    assert error.line == 8 and "steps[0].technique: missing: every step needs one" in error.message


def test_cue_outside_the_hold_is_an_error(tmp_path: Path):
    text = GOOD + "    cues:\n      - at_seconds: 45\n        say: Circles now.\n"
    error = error_for(tmp_path, text)
    assert "cue at 45s is not inside the 30s hold" in error.message


def test_bad_yaml_gives_its_line(tmp_path: Path):
    error = error_for(tmp_path, GOOD.replace("tool: hands", "tool: [hands"))
    assert error.line >= 5 and "not valid YAML" in error.message


def test_name_must_match_file(tmp_path: Path):
    error = error_for(tmp_path, GOOD, name="other.yaml")
    assert error.line == 1 and "must match the file name" in error.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty"), ("- a\n- b\n", "mapping"), ("\x00\xff\xfe".encode("latin-1").decode("latin-1"),
                                                  "")],
)
def test_files_that_are_not_routines_are_errors(tmp_path: Path, text: str, fragment: str):
    error = error_for(tmp_path, text)
    assert fragment in error.message


def test_binary_junk_is_reported_as_not_text(tmp_path: Path):
    path = tmp_path / "junk.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(RoutineError, match="not a text file"):
        load_routine(path)


def test_python_tags_are_refused_so_a_routine_cannot_run_code(tmp_path: Path):
    text = GOOD.replace("title: Sample", "title: !!python/object/apply:os.system ['touch pwned']")
    error = error_for(tmp_path, text)
    assert "not valid YAML" in error.message
    assert not (Path.cwd() / "pwned").exists()


def test_anchor_bombs_are_refused(tmp_path: Path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    error = error_for(tmp_path, bomb)
    assert "anchors and aliases" in error.message


def test_deep_nesting_is_refused(tmp_path: Path):
    error = error_for(tmp_path, "a: " + "[" * 100 + "]" * 100 + "\n")
    assert "nested more than" in error.message


def test_huge_files_are_refused(tmp_path: Path):
    error = error_for(tmp_path, GOOD + "#" * 300_000 + "\n")
    assert "larger than" in error.message


def test_check_collects_every_problem_in_a_folder(tmp_path: Path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("name: sample", "name: twin").replace("[sample]", "[sample]"),
          "twin.yaml")
    write(tmp_path, "title: [", "broken.yaml")
    routines, errors = check_routines([tmp_path])
    messages = [str(e) for e in errors]
    assert any("broken.yaml:1: not valid YAML" in m for m in messages)
    # The later file of two that claim the same alias is refused, at that alias's line.
    assert any("twin.yaml:3: aliases[0]: 'start sample' already starts routine 'sample'" in m
               for m in messages)
    assert [r.name for r in routines] == ["sample"]




def test_check_reports_every_mistake_in_one_file_at_its_own_line(tmp_path: Path):
    write(tmp_path, THREE_MISTAKES)
    routines, errors = check_routines([tmp_path / "sample.yaml"])
    assert routines == []
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [
        (5, "tool"), (10, "steps[0].hold_seconds"), (15, "steps[1].technique")]


def test_check_names_every_kind_of_mistake_in_one_run_each_at_its_own_field(tmp_path: Path):
    write(tmp_path, EVERY_KIND_OF_MISTAKE)
    routines, errors = check_routines([tmp_path / "sample.yaml"])
    assert routines == []
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [
        (5, "aliases[1]"),  # the command word, at the alias itself
        (7, "tool"),
        (12, "steps[0].hold_seconds"),
        (22, "steps[1].cues[1].at_seconds"),  # the cue's own line, not its step's (15)
        (24, "steps[1].rest_seconds"),
    ]
    assert "cue at 999s is not inside the 30s hold" in errors[3].message
    assert "the last step cannot have rest_seconds" in errors[4].message


def test_timings_and_areas_are_checked_beside_a_broken_field_each_at_its_line(tmp_path: Path):
    text = GOOD.replace("tool: hands", "tool: hammer").replace(
        "    technique: kneading\n",
        "    technique: kneading\n"
        "    areas: [outer hip]\n"
        "    pressure:\n"
        "      ramp:\n"
        "        - after_seconds: 40\n"
        "          level: firm\n",
    ).replace("aliases: [sample]", "aliases: [sample, other, Sample]")
    problems = {(e.line, e.message.split(":")[0]): e.message
                for e in error_for(tmp_path, text).problems}
    assert set(problems) == {(3, "aliases[2]"), (5, "tool"), (12, "steps[0].areas[0]"),
                             (15, "steps[0].pressure.ramp[0].after_seconds")}
    assert "repeats aliases[0]" in problems[(3, "aliases[2]")]
    assert "not one of the routine's areas (glutes)" in problems[(12, "steps[0].areas[0]")]
    assert "pressure change at 40s is not inside the 30s hold" in problems[
        (15, "steps[0].pressure.ramp[0].after_seconds")]


@pytest.mark.parametrize("alias", ["stop", "pause", "next", "that hurts", "Pause"])
def test_a_command_as_an_alias_is_refused_naming_the_word_and_why(tmp_path: Path, alias: str):
    error = error_for(tmp_path, GOOD.replace("aliases: [sample]",
                                             f"aliases:\n  - sample\n  - {alias}"))
    assert error.line == 5 and error.message.startswith("aliases[1]: ")
    said = alias.lower()
    assert f"'{said}' is a command" in error.message
    assert f"the coach listens for at any moment: in 'start {said}'" in error.message
    assert error.message.endswith("choose another alias")


def test_an_alias_holding_a_command_or_making_one_with_start_is_refused(tmp_path: Path):
    found = [e.message for e in error_for(tmp_path, GOOD.replace(
        "aliases: [sample]", "aliases: [sample, hold on stretch, over]")).problems]
    assert ("aliases[1]: 'hold on stretch' holds 'hold on', which is a command (pause)" in
            found[0])
    assert found[1].startswith("aliases[2]: 'start over' is already the command restart, so it "
                               "cannot start a routine")


def test_a_command_as_a_routine_name_is_refused(tmp_path: Path):
    error = error_for(tmp_path, GOOD.replace("name: sample", "name: stop"), "stop.yaml")
    assert error.line == 1 and error.message.startswith("name: 'stop' is a command (stop)")
    assert error.message.endswith("choose another name")


def test_every_command_of_the_grammar_is_refused_as_an_alias(tmp_path: Path):
    """Read from the grammar, not from a list of words that could drift from it."""
    grammar = CommandGrammar.for_routines({})
    commands = [s for s in grammar.sentences if grammar.parse(s).intent is not Intent.START]
    assert {"stop", "pause", "next", "go", "yes", "left", "more time", "i'm done"} <= set(
        commands)
    for command in commands:
        error = error_for(tmp_path, GOOD.replace("aliases: [sample]",
                                                 f'aliases: [sample, "{command}"]'))
        assert error.message.startswith(f"aliases[1]: {command!r} is a command"), error


def test_a_routine_of_ones_own_cannot_take_a_builtin_routines_alias(tmp_path: Path):
    write(tmp_path, SUBTLE, "subtle.yaml")
    builtin = builtin_routines_dir()
    for order in ([tmp_path, builtin], [builtin, tmp_path]):
        warnings: list[str] = []
        library = load_library(order, warn=warnings.append)
        assert library.find("glutes").name == "glutes" and "subtle" not in library.routines
        assert warnings == [
            f"{tmp_path / 'subtle.yaml'}:5: aliases[1]: 'start glutes' already starts the "
            f"built-in routine 'glutes' ({builtin / 'glutes.yaml'}); choose another alias "
            "(this file is left out)"], order


def test_every_phrase_of_ones_own_that_a_builtin_routine_has_is_named_at_its_line(
        tmp_path: Path):
    write(tmp_path, SUBTLE.replace("  - gentle\n", "  - butt\n"), "subtle.yaml")
    _, errors = check_routines([tmp_path, builtin_routines_dir()])
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [
        (5, "aliases[1]"), (6, "aliases[2]")]


def test_a_routine_of_ones_own_named_like_a_builtin_one_is_left_out(tmp_path: Path):
    write(tmp_path, SUBTLE.replace("name: subtle", "name: glutes").replace("  - glutes\n", ""),
          "glutes.yaml")
    library = load_library([tmp_path, builtin_routines_dir()])
    assert library.routines["glutes"].title == "Glutes by hand"
    [error] = library.skipped
    assert error.path == str(tmp_path / "glutes.yaml") and error.line == 1
    assert "'glutes' is already the name of the built-in routine 'glutes'" in error.message


def test_a_name_that_is_not_the_file_name_is_reported_beside_other_mistakes(tmp_path: Path):
    write(tmp_path, THREE_MISTAKES, "other.yaml")
    _, errors = check_routines([tmp_path / "other.yaml"])
    assert (1, "name") in [(e.line, e.message.split(":")[0]) for e in errors]
    assert len(errors) == 4


def test_one_bad_file_leaves_the_others_usable_and_is_named_once(tmp_path: Path):
    write(tmp_path, GOOD)
    write(tmp_path, THREE_MISTAKES.replace("name: sample", "name: broken"), "broken.yaml")
    warnings: list[str] = []
    library = load_library([tmp_path], warn=warnings.append)
    assert list(library.routines) == ["sample"]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{tmp_path / 'broken.yaml'}:5: tool:")
    assert "left out" in warnings[0] and "2 more problems" in warnings[0]


def test_a_library_with_no_usable_file_is_an_error_naming_every_problem(tmp_path: Path):
    write(tmp_path, THREE_MISTAKES)
    with pytest.raises(RoutineError) as caught:
        load_library([tmp_path])
    assert [problem.line for problem in caught.value.problems] == [5, 10, 15]


def test_schema_is_what_editors_need():
    from voicecoach.core import Routine

    schema = Routine.model_json_schema()
    assert schema["additionalProperties"] is False
    assert "steps" in schema["required"]


def test_builtin_files_are_plain_yaml():
    for path in builtin_routines_dir().glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text()), dict)

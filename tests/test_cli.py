"""The command line: what users and scripts see."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.synthetic import write_wav
from voicecoach.cli import main

from .routine_texts import EVERY_KIND_OF_MISTAKE, THREE_MISTAKES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_json_gives_name_title_areas_tool_minutes(capsys, library):
    code, out, _ = run(capsys, "list", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == len(library.routines)
    glutes = next(row for row in rows if row["name"] == "glutes")
    assert {"name", "title", "areas", "tool", "minutes"} <= set(glutes)
    assert glutes["areas"] == ["glutes"] and glutes["tool"] == "hands"


def test_list_table_names_every_routine(capsys, library):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for name in library.routines:
        assert name[:10] in out


def test_show_prints_the_steps(capsys):
    code, out, _ = run(capsys, "show", "butt")
    assert code == 0 and "1. Warm up with long strokes" in out
    code, out, _ = run(capsys, "show", "glutes", "--json")
    assert json.loads(out)["steps"][0]["title"] == "Warm up with long strokes"


def test_show_unknown_routine_names_the_known_ones(capsys):
    code, _, err = run(capsys, "show", "elbows")
    assert code == 1 and "no routine called 'elbows'" in err and "glutes" in err


def test_check_accepts_the_builtin_library(capsys, library):
    code, out, _ = run(capsys, "check")
    assert code == 0 and f"{len(library.routines)} routines OK" in out


def test_check_reports_each_problem_as_path_line_message(capsys, tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("name: bad\ntitle: Bad\naliases: [bad]\nsteps: 3\n")
    (tmp_path / "junk.yaml").write_bytes(b"\xff\xfe\x00junk")
    missing = tmp_path / "missing.yaml"
    code, out, err = run(capsys, "check", str(tmp_path), str(missing))
    lines = out.strip().splitlines()
    assert code == 1 and err == ""
    assert f"{missing}:1: no such file or folder" in lines
    assert f"{tmp_path / 'junk.yaml'}:1: not a text file (it is not UTF-8)" in lines
    assert any(line.startswith(f"{tmp_path / 'bad.yaml'}:") and "areas" in line for line in lines)


def test_schema_is_json_schema(capsys):
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "Routine" and "$defs" in schema


def test_rehearse_json_is_one_object_a_line_ending_finished(capsys, tmp_path: Path):
    commands = tmp_path / "cmds.txt"
    commands.write_text("00:10 pause\n00:20 hmm what\n00:30 resume\n01:00 stop\n")
    code, out, _ = run(capsys, "rehearse", "glutes", "--commands", str(commands), "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert records[-1] == {"t": 60, "state": "finished"}
    assert {"t": 10, "heard": "pause", "intent": "pause", "slots": {}} in records
    assert {"t": 20, "heard": "hmm what", "intent": None, "slots": {}} in records
    assert all(set(r) in ({"t", "say"}, {"t", "state"}, {"t", "heard", "intent", "slots"})
               for r in records)


def test_rehearse_text_is_a_readable_transcript(capsys):
    code, out, _ = run(capsys, "rehearse", "quick")
    assert code == 0
    assert out.splitlines()[1].startswith("00:00  coach: Quick hip routine.")
    assert out.splitlines()[-1] == "05:00  -- finished"


def test_rehearse_bad_commands_file_is_a_clear_error(capsys, tmp_path: Path):
    commands = tmp_path / "cmds.txt"
    commands.write_text("00:10 pause\nsoon resume\n")
    code, _, err = run(capsys, "rehearse", "glutes", "--commands", str(commands))
    assert code == 1 and f"{commands}:2: expected 'MM:SS utterance'" in err
    code, _, err = run(capsys, "rehearse", "glutes", "--commands", str(tmp_path / "nope.txt"))
    assert code == 1 and "cannot read the commands file" in err


def test_rehearse_that_never_finishes_says_why(capsys, tmp_path: Path):
    commands = tmp_path / "cmds.txt"
    commands.write_text("00:10 pause\n")
    code, _, err = run(capsys, "rehearse", "glutes", "--commands", str(commands))
    assert code == 1 and "it was paused when the commands ran out" in err


def test_phrases_lists_every_sentence_with_its_intent(capsys):
    code, out, _ = run(capsys, "phrases", "--json")
    rows = json.loads(out)
    assert code == 0
    assert {"text": "start glutes", "intent": "start", "slots": {"routine": "glutes"}} in rows


def test_user_routines_folder_replaces_the_library(capsys, tmp_path: Path):
    source = Path(__file__).parent.parent / "routines" / "quick-hip.yaml"
    (tmp_path / "quick-hip.yaml").write_text(source.read_text())
    code, out, _ = run(capsys, "list", "--json", "--routines", str(tmp_path))
    assert code == 0 and [row["name"] for row in json.loads(out)] == ["quick-hip"]


def test_broken_user_routine_is_a_one_line_error(capsys, tmp_path: Path):
    (tmp_path / "mine.yaml").write_text("name: mine\n")
    code, _, err = run(capsys, "list", "--routines", str(tmp_path))
    assert code == 1 and err.startswith(f"voicecoach: {tmp_path / 'mine.yaml'}:1: ")
    assert len(err.splitlines()) == 1 and "more problems: voicecoach check" in err
    assert "Traceback" not in err




def voicecoach(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=60, check=False)


def test_check_prints_one_line_for_each_mistake_in_a_file(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text(THREE_MISTAKES.replace("sample", "mine"))
    result = voicecoach("check", str(path))
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert [line.split(": ")[0] for line in lines] == [f"{path}:5", f"{path}:10", f"{path}:15"]
    assert lines[0].startswith(f"{path}:5: tool:")
    assert lines[1].startswith(f"{path}:10: steps[0].hold_seconds:")
    assert lines[2].startswith(f"{path}:15: steps[1].technique:")


def test_one_bad_file_in_a_routines_folder_is_named_and_the_rest_work(tmp_path: Path):
    source = Path(__file__).parent.parent / "routines"
    for name in ("glutes.yaml", "quick-hip.yaml"):
        (tmp_path / name).write_text((source / name).read_text())
    (tmp_path / "mine.yaml").write_text(THREE_MISTAKES.replace("sample", "mine"))
    (tmp_path / "broken.yaml").write_text("title: [\n")
    listed = voicecoach("list", "--json", "--routines", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert [row["name"] for row in json.loads(listed.stdout)] == ["glutes", "quick-hip"]
    warnings = listed.stderr.splitlines()
    assert len(warnings) == 2  # one line per bad file, however many mistakes it has
    assert warnings[0].startswith(f"voicecoach: {tmp_path / 'broken.yaml'}:2: not valid YAML")
    assert warnings[1].startswith(f"voicecoach: {tmp_path / 'mine.yaml'}:5: tool:")
    assert all("left out" in line for line in warnings)
    rehearsed = voicecoach("rehearse", "quick", "--routines", str(tmp_path))
    assert rehearsed.returncode == 0 and "finished" in rehearsed.stdout
    checked = voicecoach("check", str(tmp_path))
    assert checked.returncode == 1 and len(checked.stdout.splitlines()) == 4


def test_module_and_console_script_both_run():
    for argv in ([sys.executable, "-m", "voicecoach", "list", "--json"],
                 [str(Path(sys.executable).parent / "voicecoach"), "list", "--json"]):
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)


def test_an_unknown_routine_is_named_wherever_it_is_asked_for(capsys, tmp_path: Path):
    recording = tmp_path / "empty.wav"
    import wave

    with wave.open(str(recording), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(b"\0\0" * 1600)
    for argv in (["show", "elbows"], ["rehearse", "elbows"],
                 ["run", "elbows", "--input", str(recording), "--mute"]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "no routine called 'elbows'" in err, argv


def test_no_command_prints_the_help_with_where_to_start():
    result = voicecoach()
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: voicecoach")
    assert "list the routines" in result.stdout and "voicecoach demo" in result.stdout
    assert "error" not in result.stdout


def test_version_is_the_installed_package_version():
    from importlib.metadata import version

    result = voicecoach("--version")
    assert result.returncode == 0 and result.stdout == f"voicecoach {version('voicecoach')}\n"


def test_list_at_80_columns_cuts_no_name_area_or_phrase(library):
    import os

    result = subprocess.run([sys.executable, "-m", "voicecoach", "list"], capture_output=True,
                            text=True, timeout=60, check=False,
                            env={**os.environ, "COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and "…" not in result.stdout and "..." not in result.stdout
    assert max(len(line) for line in lines) <= 80
    cells = {cell.strip() for line in lines for cell in line.split("│")}
    for routine in library.routines.values():
        assert routine.name in cells, routine.name
        for phrase in [*routine.aliases, *routine.areas]:  # each whole, on a line of its own
            assert phrase in cells, phrase


def test_list_on_a_wide_terminal_gives_each_routine_one_line(library):
    import os

    result = subprocess.run([sys.executable, "-m", "voicecoach", "list"], capture_output=True,
                            text=True, timeout=60, check=False,
                            env={**os.environ, "COLUMNS": "250"})
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == len(library.routines)
    assert "hands" in result.stdout and "foam roller" in result.stdout  # the tool column too


def test_keyboard_and_a_recording_together_are_refused_before_anything_runs(tmp_path: Path):
    recording = tmp_path / "me.wav"
    write_wav(recording, np.zeros(16_000, np.int16))  # a second of silence
    result = voicecoach("run", "--keyboard", "--input", str(recording), "--mute",
                        "--no-history")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "voicecoach: --keyboard and --input cannot go together: --input plays a recording as "
        "the microphone, --keyboard takes typed commands instead of one; drop one of them\n")


def test_history_trouble_in_a_session_advises_what_run_has(tmp_path: Path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain"],
        input="quit\n", capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "VOICECOACH_HISTORY": str(not_a_folder / "history.sqlite3")})
    assert result.returncode == 0, result.stderr
    (said,) = [line for line in result.stderr.splitlines() if "history.sqlite3" in line]
    assert "cannot create its folder" in said
    # `run` has no --history; the variable works for every command.
    assert "--history" not in said and "choose another file with $VOICECOACH_HISTORY" in said


ONE_STEP = """\
name: one-step
title: One step
aliases: [one step]
areas: [glutes]
tool: hands
introduction: "Lie on your side."
safety: ["Never press on bone."]
steps:
  - title: Kneading
    instruction: "Knead the buttock slowly."
    hold_seconds: 30
    technique: kneading
"""


def test_a_count_of_one_is_printed_and_said_in_the_singular(tmp_path: Path):
    routine = tmp_path / "one-step.yaml"
    routine.write_text(ONE_STEP, encoding="utf-8")
    checked = voicecoach("check", str(routine))
    assert checked.stdout == "1 routine OK\n", checked.stderr
    commands = tmp_path / "commands.txt"
    commands.write_text("00:01 list routines\n00:02 stop\n", encoding="utf-8")
    rehearsed = voicecoach("rehearse", "one-step", "--routines", str(routine), "--commands",
                           str(commands))
    assert "coach: I know 1 routine: one step." in rehearsed.stdout, rehearsed.stderr
    assert "coach: You finished 0 of 1 step in 2 seconds." in rehearsed.stdout
    assert voicecoach("history", "--since", "1").stdout == "No sessions in the last 1 day.\n"


def test_a_routine_of_ones_own_never_knocks_out_a_builtin_one(tmp_path: Path, library):
    """`list --routines FOLDER routines`, in either order: the built-in glutes stays, and the
    file of one's own that wants "start glutes" is the one named, at its alias's line."""
    builtin = Path(__file__).parent.parent / "routines"
    mine = tmp_path / "mine"
    mine.mkdir()
    subtle = (builtin / "glutes.yaml").read_text().replace("name: glutes", "name: subtle") \
        .replace("title: Glutes by hand", "title: Subtle glutes") \
        .replace("  - butt\n", "  - gentle\n").replace("  - buttocks\n", "  - subtle one\n")
    (mine / "subtle.yaml").write_text(subtle)
    assert subtle.splitlines()[3] == "  - glutes"
    for order in ([str(mine), str(builtin)], [str(builtin), str(mine)]):
        listed = voicecoach("list", "--json", "--routines", *order)
        assert listed.returncode == 0, listed.stderr
        assert listed.stderr == (
            f"voicecoach: {mine / 'subtle.yaml'}:4: aliases[0]: 'start glutes' already starts "
            f"the built-in routine 'glutes' ({builtin / 'glutes.yaml'}); choose another alias "
            "(this file is left out)\n"), order
        assert {row["name"] for row in json.loads(listed.stdout)} == set(library.routines)
        started = voicecoach("rehearse", "glutes", "--routines", *order)
        assert started.returncode == 0, started.stderr
        assert started.stdout.splitlines()[1].startswith("00:00  coach: Glutes by hand."), order
        assert "Subtle" not in started.stdout


def test_check_and_list_refuse_a_command_as_an_alias_naming_the_word_and_why(tmp_path: Path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\ntitle: Mine\naliases:\n  - mine\n  - stop\nareas: [glutes]\n"
                    "tool: hands\nintroduction: Lie down.\nsteps:\n  - title: Knead\n"
                    "    instruction: Knead slowly.\n    hold_seconds: 30\n"
                    "    technique: kneading\n")
    said = (f"{path}:5: aliases[1]: 'stop' is a command (stop) that the coach listens for at any "
            "moment: in 'start stop' it could hear the command instead of the routine; choose "
            "another alias")
    checked = voicecoach("check", str(path))
    assert checked.returncode == 1 and checked.stdout == said + "\n"
    loaded = voicecoach("list", "--routines", str(path), str(Path(__file__).parent.parent /
                                                               "routines"))
    assert loaded.returncode == 0 and loaded.stderr == f"voicecoach: {said} (this file is left " \
        "out)\n"


def test_check_names_every_mistake_of_a_file_in_one_run(tmp_path: Path):
    path = tmp_path / "sample.yaml"
    path.write_text(EVERY_KIND_OF_MISTAKE)
    result = voicecoach("check", str(path))
    assert result.returncode == 1
    assert [line.split(": ")[0] for line in result.stdout.splitlines()] == [
        f"{path}:5", f"{path}:7", f"{path}:12", f"{path}:22", f"{path}:24"]
    assert f"{path}:22: steps[1].cues[1].at_seconds: cue at 999s is not inside the 30s hold" \
        in result.stdout
    assert f"{path}:24: steps[1].rest_seconds: the last step cannot have rest_seconds" \
        in result.stdout


def test_list_and_show_give_the_minutes_a_session_takes_at_the_users_speech_rate(
        tmp_path: Path, library):
    """Speech takes time: at 150 words a minute (the default) quick-hip takes 7:23, not the
    5 minutes of its holds and rests; at a user's own 80 it takes longer still."""
    import os

    from voicecoach.session.rehearsal import rehearse

    settings = tmp_path / "settings.toml"
    settings.write_text("speech_rate = 80\n")
    for rate, extra in ((150, {}), (80, {"VOICECOACH_CONFIG": str(settings)})):
        env = {**os.environ, **extra}
        listed = subprocess.run([sys.executable, "-m", "voicecoach", "list", "--json"],
                                capture_output=True, text=True, timeout=60, check=False, env=env)
        assert listed.returncode == 0, listed.stderr
        for row in json.loads(listed.stdout):
            took = rehearse(library, row["name"], words_per_minute=rate).records[-1]["t"]
            assert abs(row["minutes"] * 60 - took) <= 30, (rate, row["name"], took)
        shown = subprocess.run([sys.executable, "-m", "voicecoach", "show", "quick-hip"],
                               capture_output=True, text=True, timeout=60, check=False, env=env)
        minutes = round(rehearse(library, "quick-hip", words_per_minute=rate).records[-1]["t"]
                        / 60)
        assert f"(quick-hip, {minutes} min, hands" in shown.stdout, rate
    typed = voicecoach("list", "--json", "--speech-rate", "300")
    quick = next(row for row in json.loads(typed.stdout) if row["name"] == "quick-hip")
    assert quick["minutes"] == round(
        rehearse(library, "quick-hip", words_per_minute=300).records[-1]["t"] / 60)

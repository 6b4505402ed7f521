"""How the coach answers a real `voicecoach run` at the keyboard: between sessions, and to the
safety brief (issue 14: say what it hears, hear what it says)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from voicecoach.core.phrasebook import ASK_AGAIN_BRIEF, SAFETY_BRIEF


def _typed_session(*arguments: str, lines: tuple[str, ...], answered: bool) -> list[str]:
    """`run --keyboard --mute --plain ARGUMENTS`: each line typed once the coach has spoken (its
    greeting or question first; with `answered`, the answer to the line before), so that no
    answer is cut off before it is printed. Returns every line of the transcript."""
    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute", "--plain",
         "--no-history", *arguments],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    transcript: list[str] = []

    def until_the_coach_speaks() -> None:
        while "coach:" not in (line := process.stdout.readline()):  # type: ignore[union-attr]
            assert line, f"the session ended early: {transcript}"
            transcript.append(line.rstrip("\n"))
        transcript.append(line.rstrip("\n"))

    until_the_coach_speaks()
    for line in lines:
        process.stdin.write(line + "\n")
        process.stdin.flush()
        if answered:
            until_the_coach_speaks()
        else:
            time.sleep(0.3)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return transcript + out.splitlines()


def test_commands_that_make_no_sense_between_sessions_get_one_hint_not_one_each():
    out = _typed_session(lines=("next", "pause", "help", "stop", "marvin went home"),
                         answered=False)
    coach = [line for line in out if "coach:" in line]
    assert len(coach) == 2, out  # the greeting, and one hint
    assert "Nothing is running. Say start" in coach[1]
    assert any("you:   marvin went home" in line for line in out)  # logged, not answered


def test_a_word_that_is_not_yes_or_no_to_the_brief_is_asked_again_briefly():
    out = _typed_session("glutes", lines=("next", "faster", "safety", "stop"), answered=True)
    coach = [line.split("coach: ", 1)[1] for line in out if "coach:" in line]
    assert [text.startswith(SAFETY_BRIEF) for text in coach] == [
        True, False, False, True, False], out
    assert coach[1:3] == [ASK_AGAIN_BRIEF, ASK_AGAIN_BRIEF]
    assert coach[-1] == "Okay, we won't start."


def test_the_demo_reads_the_introduction_once_and_again_only_for_repeat(library):  # type: ignore[no-untyped-def]
    result = subprocess.run([sys.executable, "-m", "voicecoach", "demo", "--mute", "--json"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    heard = [e.get("intent") for e in entries if e["who"] == "you"]
    assert "pause" in heard and "resume" in heard, heard
    introduction = library.routines["glutes"].introduction
    coach = [e["text"] for e in entries if e["who"] == "coach"]
    readings = [text for text in coach if introduction in text]
    assert len(readings) == 1 + heard.count("repeat"), coach
    resumed = [text for text in coach if text.startswith("Resuming.")]
    assert resumed and resumed[0].startswith("Resuming. Step 1 of 4:"), coach

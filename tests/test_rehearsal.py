"""Rehearsing sessions on the virtual clock."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.core import Command, Heard, Intent, Say
from voicecoach.core.pressure_words import asks_for_more
from voicecoach.hearing.listener import CommandListener
from voicecoach.session.rehearsal import (
    ScriptError,
    Utterance,
    parse_script,
    rehearse,
    routine_minutes,
    routine_seconds,
)
from voicecoach.session.stream import StreamSession
from voicecoach.session.wiring import SessionSettings, make_engine
from voicecoach.speaking.tts import VoiceSettings

from .fakes import ScriptedRecognizer


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


# --- light pressure after pain, in every built-in routine -------------------------------------

# The coach's own ways of asking for more, besides every ramp line of the routine itself.
MORE_THAN_LIGHT = ("Use medium pressure", "Use firm pressure", "moderate pull", "strong pull",
                   "Now use")


def _pain_points(seconds: int) -> list[int]:
    """Where to hurt twice: the first second, then every eighth of the routine."""
    return sorted({1, *range(seconds // 8, seconds - 20, max(1, seconds // 8))})


def _asks_for_more(text: str, ramp_lines: set[str]) -> bool:
    return (asks_for_more(text) is not None or any(line in text for line in ramp_lines)
            or any(words in text for words in MORE_THAN_LIGHT))


BUILTIN = sorted(path.stem for path in (Path(__file__).parents[1] / "routines").glob("*.yaml"))


@pytest.mark.parametrize("name", BUILTIN)
def test_no_routine_asks_for_more_pressure_after_the_user_carries_on_gently(library, name):
    routine = library.routines[name]
    ramp_lines = {change.say for step in routine.steps for change in step.pressure.ramp
                  if change.say}
    for at in _pain_points(routine.total_seconds):
        script = [Utterance(at, "that hurts"), Utterance(at + 5, "that hurts"),
                  Utterance(at + 10, "no")]
        records = rehearse(library, name, script).records
        gently = next(i for i, r in enumerate(records) if "carry on gently" in r.get("say", ""))
        after = [r["say"] for r in records[gently:] if "say" in r]
        assert "That's the end of" in after[-1], (name, at)  # the session went on to its end
        asking = [text for text in after if _asks_for_more(text, ramp_lines)]
        assert asking == [], (name, at)


def test_rehearsing_glutes_after_repeated_pain_keeps_light_pressure_to_the_end(tmp_path: Path):
    """The issue's own commands: hurt twice on the first step's right side, then carry on."""
    script = tmp_path / "commands.txt"
    script.write_text("01:20 that hurts\n01:25 that hurts\n01:30 no\n")
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "rehearse", "glutes", "--commands", str(script),
         "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    said = [r["say"] for r in records if "say" in r and r["t"] >= 90]
    assert said[0].startswith("Okay, we'll carry on gently: light pressure")
    assert [text for text in said if "Step " in text and "Use light pressure." not in text] == []
    for words in ("medium pressure", "deeper", "firmly"):
        assert not [text for text in said if words in text], words
    assert records[-1] == {"t": pytest.approx(records[-1]["t"]), "state": "finished"}


# --- a routine's minutes: one estimate of speaking time, at the user's rate ------------------

_NUMBER_WORDS = {word: number for number, word in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty"])} | {"thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50,
                               "sixty": 60}
_MINUTES_SAID = re.compile(rf"\b(\d+|{'|'.join(_NUMBER_WORDS)})[ -]minutes?\b", re.IGNORECASE)


def minutes_said(text: str) -> list[int]:
    """Every number of minutes `text` states ("five-minute", "about 7 minutes")."""
    return [int(n) if n.isdigit() else _NUMBER_WORDS[n.lower()]
            for n in _MINUTES_SAID.findall(text)]


def test_minutes_said_reads_digits_and_words():
    assert minutes_said("A quick five-minute routine, about 7 minutes, Twenty minutes") == [
        5, 7, 20]


def test_every_builtin_routine_is_listed_at_the_minutes_a_rehearsal_takes(library):
    """Speech is part of a session: quick-hip was listed at 5 minutes and took 7:23 at 150
    words a minute. Rounded to the minute, the listed figure is the rehearsal's."""
    for name, routine in library.routines.items():
        for rate in (80, 150, 300):
            took = rehearse(library, name, words_per_minute=rate).records[-1]["t"]
            assert routine_seconds(routine, rate) == pytest.approx(took), (name, rate)
            assert abs(routine_minutes(routine, rate) * 60 - took) <= 30, (name, rate)


def test_no_builtin_routine_states_minutes_that_its_session_contradicts(library):
    """What a routine says of its own length (its title, its introduction, and the closing
    line, where the coach adds how long the session took) agrees with a rehearsal at 150
    words a minute, within a minute: "five minutes well spent" after 7:23 is refused."""
    for name, routine in library.routines.items():
        result = rehearse(library, name, words_per_minute=150)
        took = result.records[-1]["t"] / 60
        closing = [r["say"] for r in result.records if "say" in r][-1]
        for text in (routine.title, routine.introduction, closing):
            for minutes in minutes_said(text):
                assert abs(minutes - took) <= 1, (name, text, f"took {took:.1f} min")


@pytest.mark.parametrize("rate", [150, 80])
def test_the_coach_says_the_minutes_list_shows_at_the_same_speech_rate(tmp_path: Path,
                                                                       rate: int):
    """`rehearse quick-hip --words-per-minute 80` with "how long left" at 0:03 says the minutes
    `list --speech-rate 80` shows (5 minutes of holds and rests; 7 or more with the words)."""
    script = tmp_path / "commands.txt"
    script.write_text("00:03 how long left\n")
    rehearsed = subprocess.run(
        [sys.executable, "-m", "voicecoach", "rehearse", "quick-hip", "--commands", str(script),
         "--words-per-minute", str(rate), "--json"],
        capture_output=True, text=True, timeout=120, check=False)
    assert rehearsed.returncode == 0, rehearsed.stderr
    records = [json.loads(line) for line in rehearsed.stdout.splitlines()]
    answer = next(r["say"] for r in records if r["t"] >= 3 and "say" in r)
    listed = subprocess.run(
        [sys.executable, "-m", "voicecoach", "list", "--json", "--speech-rate", str(rate)],
        capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr
    minutes = next(row["minutes"] for row in json.loads(listed.stdout)
                   if row["name"] == "quick-hip")
    assert minutes >= 7
    assert f"about {minutes} minutes in all." in answer, (answer, minutes)


def test_a_session_built_from_the_users_settings_says_how_long_at_their_speech_rate(library):
    """`run` and `serve` build the engine from the settings: it counts at their speech_rate."""
    settings = SessionSettings(voice=VoiceSettings(words_per_minute=80))
    engine = make_engine(library, settings)
    engine.handle(Heard(Command(Intent.START, {"routine": "quick-hip"})), 0.0)
    [answer] = [a.text for a in engine.handle(Heard(Command(Intent.STATUS)), 3.0)
                if isinstance(a, Say)]
    listed = routine_minutes(library.routines["quick-hip"], 80)
    assert listed > routine_minutes(library.routines["quick-hip"], 150)
    assert f"about {listed} minutes in all." in answer


def test_how_long_halfway_is_what_the_rest_of_the_session_takes_words_and_all(library):
    """Halfway through quick-hip at 80 words a minute, "to go" is the time the rest of the
    rehearsal takes, the coach's words included, not just the holds and rests left."""
    quiet = rehearse(library, "quick-hip", words_per_minute=80).records
    end = quiet[-1]["t"]
    holds = [r["t"] for r in quiet if r.get("state") == "holding"]
    asked_at = next(t for t in holds if t > end / 2) + 5
    result = rehearse(library, "quick-hip", [Utterance(asked_at, "how long left")],
                      words_per_minute=80)
    answer = next(r["say"] for r in result.records if r["t"] >= asked_at and "say" in r)
    said = re.search(r"About (\d+) minutes to go\.", answer)
    assert said, answer
    assert abs(int(said[1]) * 60 - (end - asked_at)) <= 31, (answer, end - asked_at)


def test_a_printed_line_takes_the_time_a_rehearsal_gives_it_at_the_users_rate(library):
    """A muted session (nothing to play: the line is printed) moves on when saying the line
    would have ended, by the same estimate as the rehearsal's, at the user's rate."""
    rate = 100
    session = StreamSession(make_engine(library), CommandListener(ScriptedRecognizer([]),
                                                                  library.grammar),
                            None, words_per_minute=rate)
    session.start(Command(Intent.START, {"routine": "quick-hip"}, "start quick hip"))
    session.run(QuietRoom(60))
    printed = next(e.t for e in session.entries if e.who == "state" and e.text == "instructing")
    rehearsed = rehearse(library, "quick-hip", words_per_minute=rate).records
    said = next(r["t"] for r in rehearsed if r.get("state") == "instructing")
    assert printed == pytest.approx(said, abs=0.1)


class QuietRoom:
    """Digital silence, made as it is read."""

    def __init__(self, seconds: int) -> None:
        self._blocks = iter([np.zeros(800, dtype=np.int16)] * (seconds * 20))

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        return next(self._blocks, None)

    def close(self) -> None:
        pass

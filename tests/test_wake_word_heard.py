"""The wake word as a user meets it: a command said without it is shown as ignored, with the
reason; "coach ... start glutes" with a pause after the name is one command; and `listen`
hears with the wake word as `serve` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from voicecoach.audio.synthetic import write_wav
from voicecoach.core import CommandGrammar, Intent
from voicecoach.core.vocabulary import VocabularyState, vocabulary_for
from voicecoach.hearing.listener import WAKE_WORD_WAIT_S, CommandListener, Decision
from voicecoach.hearing.recognizer import Hypothesis
from voicecoach.session.transcript import Entry

from .audio_helpers import needs_espeak
from .fakes import ScriptedRecognizer, silence

GRAMMAR = CommandGrammar.for_routines({"glutes": ["glutes"], "quick-hip": ["quick"]},
                                      wake_word="coach")


def settings_with_wake_word(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "settings.toml"
    path.write_text('safety_brief_accepted = 2026-01-01T00:00:00Z\nwake_word = "coach"\n',
                    encoding="utf-8")
    return {**os.environ, "VOICECOACH_CONFIG": str(path)}


def heard(results: list[tuple[float, str, float]]) -> list[Decision]:
    """What the listener decides when the recogniser ends utterances at pauses, as
    (stream seconds of the result, its text, when its speech began)."""
    chunks: list[list[Hypothesis]] = [[] for _ in range(20 * 12)]  # 12 s of 50 ms chunks
    for at, text, began in results:
        chunks[round(at * 20)].append(
            Hypothesis(text, final=True, confidence=1.0, speech_end_s=at - 0.3,
                       speech_start_s=began))
    listener = CommandListener(ScriptedRecognizer(chunks), GRAMMAR)
    listener.listen_for(vocabulary_for(VocabularyState.IDLE, wake_word=True))
    return [decision for _ in chunks for decision in listener.feed(silence())]


def test_the_wake_word_alone_addresses_the_command_that_follows_it() -> None:
    wake, command = heard([(1.0, "coach", 0.6), (2.6, "start glutes", 1.8)])
    assert wake.woke and wake.command is None
    assert command.command is not None and command.command.intent is Intent.START
    assert command.command.addressed and command.text == "coach start glutes"


def test_a_command_long_after_the_wake_word_is_not_addressed() -> None:
    late = 1.0 + WAKE_WORD_WAIT_S + 1.0
    _, command = heard([(1.0, "coach", 0.6), (late + 0.8, "start glutes", late)])
    assert command.command is not None and not command.command.addressed


def test_the_wake_word_addresses_one_command_only() -> None:
    _, first, second = heard([(1.0, "coach", 0.6), (2.0, "list routines", 1.3),
                              (3.0, "start glutes", 2.2)])
    assert first.command is not None and first.command.addressed
    assert second.command is not None and not second.command.addressed


def test_the_lone_wake_word_is_a_sentence_the_recogniser_may_hear_but_no_command() -> None:
    assert "coach" in GRAMMAR.sentences and GRAMMAR.parse("coach") is None
    assert "coach" in GRAMMAR.jsgf_rules() and GRAMMAR.wakes("Coach!")
    without = CommandGrammar.for_routines({"glutes": ["glutes"]})
    assert "coach" not in without.sentences and not without.wakes("coach")


def test_an_ignored_command_says_why_in_the_log() -> None:
    entry = Entry(3.0, "you", "start glutes",
                  {"intent": None, "ignored": 'start without the wake word "coach"'})
    assert entry.as_line().endswith('start glutes  [ignored: start without the wake word '
                                    '"coach"]')


@needs_espeak
def test_serve_shows_what_it_ignored_and_hears_coach_pause_start(tmp_path: Path) -> None:
    from .test_sessions import user_track

    recording = tmp_path / "room.wav"
    write_wav(recording, user_track((0.5, "start quick"), (4.0, "coach"), (5.6, "start glutes")))
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "serve", "--input", str(recording), "--json",
         "--mute", "--no-history"], env=settings_with_wake_word(tmp_path),
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 3, result.stderr  # the recording ends in the glutes session
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    said = [e for e in entries if e["who"] == "you"]
    assert said[0]["text"] == "start quick" and said[0]["intent"] is None
    assert said[0]["ignored"] == 'start without the wake word "coach"'
    assert [e["text"] for e in said[1:3]] == ["coach", "coach start glutes"], said
    assert said[1].get("woke") and said[2]["intent"] == "start"
    states = [e["text"] for e in entries if e["who"] == "state"]
    assert "introducing" in states


@needs_espeak
def test_listen_hears_the_wake_word_grammar_when_one_is_set(tmp_path: Path) -> None:
    from .test_sessions import user_track

    recording = tmp_path / "coach.wav"
    write_wav(recording, user_track((0.5, "coach start glutes")))
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "listen", "--input", str(recording), "--json",
         "--no-profile"], env=settings_with_wake_word(tmp_path), capture_output=True,
        text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["text"], d["intent"]) for d in decisions if d["intent"]] == [
        ("coach start glutes", "start")], decisions


def test_the_panel_between_sessions_offers_the_wake_word_and_shows_what_it_ignored() -> None:
    import io

    from voicecoach.core import SessionState, Snapshot
    from voicecoach.session.terminal import PanelView

    out = io.StringIO()
    view = PanelView(out, wake_word="coach")
    view.start()
    try:
        view.entry(Entry(2.0, "you", "start quick",
                         {"intent": None, "ignored": 'start without the wake word "coach"'}))
        view.show(Snapshot(state=SessionState.IDLE), False)
    finally:
        view.close()
    text = " ".join(out.getvalue().split())
    assert "“coach start glutes”" in text
    assert 'ignored: start without the wake word "coach"' in text

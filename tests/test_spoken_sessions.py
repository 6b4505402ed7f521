"""Spoken sessions (`voicecoach bench`): a scripted user speaks a whole glutes session and the
coach hears it as it hears a recording; scored as commands obeyed, pain answered, and actions
nobody asked for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.noise_split import measuring_part
from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import write_wav
from voicecoach.bench.spoken_room import ROOMS, room_noises
from voicecoach.bench.spoken_score import EASE_OFF, score
from voicecoach.bench.spoken_sessions import spoken_session
from voicecoach.bench.spoken_user import QUICK_SCRIPT, SCRIPT, Acted, Said, ScriptedUser
from voicecoach.bench.spoken_voices import (
    SPEECH_RMS,
    KokoroUser,
    UserVoice,
    make_voices,
)
from voicecoach.core import phrasebook
from voicecoach.core.intents import Intent
from voicecoach.hearing.listener import CommandListener
from voicecoach.library import Library
from voicecoach.training import kokoro
from voicecoach.training.voices import HELD_OUT_VOICES

from .audio_helpers import needs_espeak, shared_dir
from .fakes import TypedRecognizer

WORDS = {line.text: np.zeros(round(0.6 * SAMPLE_RATE), np.int16) for line in SCRIPT}


def _session(library: Library, **hearing: object):  # type: ignore[no-untyped-def]
    """The whole script, heard by a recogniser that is told what the user says."""
    user = ScriptedUser(SCRIPT)
    listener = CommandListener(TypedRecognizer(user, **hearing), library.grammar)  # type: ignore[arg-type]
    return spoken_session(library, listener, None, WORDS, ROOMS[0], None, voice_name="typed",
                          user=user)


def test_every_line_of_the_script_means_what_it_is_scored_as(library: Library):
    assert len(SCRIPT) == 13
    for line in SCRIPT:
        command = library.grammar.parse(line.text)
        assert command is not None and command.intent is line.intent, line.text
        assert command.slots.get("routine") == line.routine
    assert [line.text for line in QUICK_SCRIPT] == [
        "start glutes", "pause", "resume", "that hurts", "stop"]


def test_every_answer_to_pain_begins_with_the_ease_off_the_score_looks_for():
    for answer in (phrasebook.PAIN_ADVICE, phrasebook.SECOND_PAIN_QUESTION,
                   phrasebook.PAIN_AGAIN_QUESTION):
        assert answer.say().startswith(EASE_OFF)


def test_a_coach_that_hears_every_word_obeys_the_whole_spoken_session(library: Library):
    heard = _session(library)
    assert heard.obeyed == tuple(line.text for line in SCRIPT), heard.missed
    assert heard.missed == () and heard.said_again == 0
    assert (heard.pain_said, heard.pain_answered) == (2, 2)
    assert heard.false_actions == ()
    assert 60 < heard.seconds < 15 * 60


def test_a_deaf_coach_obeys_nothing_and_the_user_gives_up_once_no_session_starts(
        library: Library):
    heard = _session(library, deaf=True)
    assert heard.obeyed == () and heard.obeyed_in_the_end == 0
    assert heard.missed[0] == "start glutes (nothing done)"
    assert all("not said: session over" in text for text in heard.missed[1:])
    assert heard.said_again == 2  # "start glutes" three times, then no more
    assert (heard.pain_said, heard.pain_answered) == (0, 0)
    assert heard.false_actions == ()
    assert heard.seconds < 90  # the user does not talk to an idle coach for minutes


def test_a_command_nobody_said_is_counted_as_a_false_action(library: Library):
    # "next" heard half a minute in, while the coach reads the introduction: nobody said it.
    heard = _session(library, heard_at={30.0: "next"})
    assert len(heard.false_actions) == 1 and heard.false_actions[0].startswith("next at 0:3")
    assert len(heard.obeyed) == len(SCRIPT)


def test_a_command_taken_for_another_is_missed_and_the_other_is_a_false_action():
    said = [Said(0, 0, 10.0, 11.0), Said(1, 0, 40.0, 40.8)]
    acted = [Acted(11.5, Intent.START, "glutes"), Acted(41.2, Intent.STOP)]  # "pause": stop
    heard = score(SCRIPT[:2], said, acted, [], 60.0, voice="v", room="quiet", noise=None)
    assert heard.obeyed == ("start glutes",)
    assert heard.missed == ("pause (taken for stop)",)
    assert heard.false_actions == ("stop at 0:41",)


def test_another_routine_started_is_not_the_start_the_user_asked_for():
    said = [Said(0, 0, 10.0, 11.0)]
    acted = [Acted(11.5, Intent.START, "massage-gun")]  # "start glutes" heard as "start gun"
    heard = score(SCRIPT[:1], said, acted, [], 60.0, voice="v", room="quiet", noise=None)
    assert heard.obeyed == () and heard.missed == ("start glutes (taken for start massage-gun)",)
    assert heard.false_actions == ("start massage-gun at 0:12",)


def test_an_answer_later_than_five_seconds_is_not_obeyed_but_not_a_false_action_either():
    said = [Said(1, 0, 10.0, 11.0)]
    heard = score(SCRIPT[:2], said, [Acted(17.0, Intent.PAUSE)], [], 60.0, voice="v",
                  room="quiet", noise=None)
    assert heard.obeyed == () and heard.false_actions == ()


def test_the_rooms_are_the_kitchen_tap_cafe_and_street_and_only_their_measuring_part(
        tmp_path: Path):
    ramp = (np.arange(10 * SAMPLE_RATE) % 20000 - 10000).astype(np.int16)
    write_wav(tmp_path / "running_tap.wav", ramp)
    write_wav(tmp_path / "doing_the_dishes.wav", ramp[::-1].copy())
    write_wav(tmp_path / "white_noise.wav", ramp)
    noises = room_noises(tmp_path)
    # The kitchen first, then the tap; white noise is no room's.
    assert [noise.name for noise in noises] == ["doing_the_dishes", "running_tap"]
    assert np.array_equal(noises[1].samples, measuring_part(ramp))


class RecordingSpeaker:
    def __init__(self) -> None:
        self.spoken: list[tuple[str, str, float]] = []

    def speak(self, text: str, name: str, speed: float) -> Samples:
        self.spoken.append((text, name, speed))
        return (3000 * np.sin(np.arange(8000) * 0.1)).astype(np.int16)


def test_kokoro_s_lines_are_made_once_and_kept_on_disk_by_speaker(tmp_path: Path):
    speaker = RecordingSpeaker()
    nova = KokoroUser("af_nova", lambda: speaker, tmp_path)  # type: ignore[arg-type, return-value]
    first = nova.speak("pause")
    again = KokoroUser("af_nova", lambda: speaker, tmp_path).speak("pause")  # type: ignore[arg-type, return-value]
    KokoroUser("bm_lewis", lambda: speaker, tmp_path).speak("pause")  # type: ignore[arg-type, return-value]
    assert speaker.spoken == [("pause", "af_nova", 1.0), ("pause", "bm_lewis", 1.0)]
    assert np.array_equal(first, again)
    loud = first[np.abs(first) > 80].astype(np.float64)
    assert np.sqrt(np.mean(loud**2)) == pytest.approx(SPEECH_RMS, rel=0.01)


def test_the_bench_speaks_with_kokoro_s_measuring_speakers_only():
    assert set(kokoro.MEASURING_SPEAKERS).isdisjoint(
        {*kokoro.TRAINING_SPEAKERS, *kokoro.CHOOSING_SPEAKERS})
    from voicecoach.bench.spoken_voices import kokoro_users

    assert [user.name for user in kokoro_users(4)] == [
        f"Kokoro {name}" for name in kokoro.MEASURING_SPEAKERS]


class MissingKokoro:
    name = "Kokoro af_nova"

    def speak(self, text: str) -> Samples:
        raise kokoro.KokoroMissing(f"Kokoro's runner is not installed: {kokoro.INSTALL}")


@needs_espeak
def test_without_kokoro_the_user_speaks_in_held_out_espeak_voices_and_says_so_once():
    notes: list[str] = []

    def missing(count: int) -> list[UserVoice]:
        return [MissingKokoro()]

    voices = make_voices(["pause", "stop"], 1, notes.append, lambda: None, missing)
    assert voices is not None
    assert len(notes) == 1 and "not installed" in notes[0] and "espeak-ng" in notes[0]
    assert "Kokoro missing" in voices.note and "espeak-ng" in voices.note
    assert all(user.name.removeprefix("espeak-ng ") in HELD_OUT_VOICES for user in voices.users)
    assert len(voices.said[voices.users[0].name, "pause"]) > 0


@needs_espeak
def test_bench_sessions_only_runs_spoken_sessions_end_to_end_and_prints_them(tmp_path: Path):
    out = tmp_path / "sessions.json"
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "bench", "--quick", "--sessions-only",
         "--backend", "pocketsphinx", "--noise", str(shared_dir() / "audio" / "noise"),
         "--json", str(out)],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    spoken = json.loads(out.read_text())["spoken_sessions"]
    assert "espeak-ng" in spoken["plan"]["voices_note"]
    assert spoken["plan"]["noises"][0] == "doing_the_dishes"
    figures = spoken["backends"]["pocketsphinx"]
    assert set(figures["rooms"]) == {"quiet", "15 dB SNR"}
    assert set(figures["noises"]) == {"doing_the_dishes"}
    overall = figures["overall"]
    assert overall["sessions"] == 2 and overall["lines"] == 2 * len(QUICK_SCRIPT)
    # Real speech, really heard: the session began, in the quiet room at least.
    quiet = next(s for s in figures["sessions"] if s["room"] == "quiet")
    assert "start glutes" in quiet["obeyed"], quiet
    assert "spoken sessions" in result.stdout and "pain answered" in result.stdout

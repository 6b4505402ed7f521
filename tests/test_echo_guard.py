"""The coach speaks through a loudspeaker while it listens: it must never obey its own voice,
and must still obey "pause" and "stop" said over it.

Real audio throughout: the coach's own lines (from a rehearsal of the glutes routine) spoken
by espeak-ng, played into a simulated room (delay, reverberation, a loudspeaker that
distorts, noise), cancelled by speex, and heard by the real PocketSphinx recogniser.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
import pytest

from voicecoach.audio.echo_canceller import EchoCanceller, load_speexdsp
from voicecoach.audio.room import simulate_room
from voicecoach.audio.source import SAMPLE_RATE, AudioError, Samples
from voicecoach.audio.speech_level import level_db
from voicecoach.audio.synthetic import Voice, synthesize, with_room
from voicecoach.core import Command, Intent
from voicecoach.hearing.echo_guard import EchoGuard, frame_energies
from voicecoach.hearing.listener import CommandListener, Decision
from voicecoach.hearing.sphinx_backend import PocketSphinxRecognizer
from voicecoach.library import Library
from voicecoach.session.rehearsal import rehearse

from .audio_helpers import needs_espeak

CHUNK = 800  # 50 ms, as the microphone delivers it
COACH = Voice("en-us+m3", 150)
FEMALE, BRITISH = Voice("en-us+f3", 160), Voice("en-gb", 150)
# Each word in the voice PocketSphinx hears it best in: alone, these are understood 83-100%
# of the time at the levels used below, so a miss over the coach is the echo's doing.
USERS = {"pause": FEMALE, "stop": BRITISH}
# Loudspeaker-to-microphone rooms: (echo level relative to what was played, delay).
ROOMS = [(0.0, 0.02), (-3.0, 0.05), (-6.0, 0.1), (-10.0, 0.15)]
BARGE_IN_ROOMS = [(0.0, 0.02), (-3.0, 0.08), (0.0, 0.15), (-2.0, 0.05)]
BARGE_IN_LINES = 8  # x "pause" and "stop" = 16 barge-ins per level
# Shares of barge-ins obeyed, by the user's level over the coach's echo. Measured here (16
# per level): 81%, 88%, 62%; over all 13 short lines x 4 rooms (104 per level): 80%, 80%, 55%,
# where the user alone, with no coach, is understood 93%, 99%, 86% of the time. The bounds
# sit a little below what the 16 here give.
MIN_OBEYED = {6.0: 0.7, 0.0: 0.75, -6.0: 0.5}


def seconds(count: int) -> float:
    return count / SAMPLE_RATE


def silence(duration: float) -> Samples:
    return np.zeros(round(duration * SAMPLE_RATE), dtype=np.int16)


@pytest.fixture(scope="module")
def coach_lines(library: Library) -> list[Samples]:
    """Every different line the coach says in a glutes session, spoken."""
    said: list[str] = []
    for record in rehearse(library, "glutes").records:
        if "say" in record and record["say"] not in said:
            said.append(record["say"])
    return [synthesize(text, COACH) for text in said]


@pytest.fixture(scope="module")
def user_words() -> dict[str, Samples]:
    return {word: synthesize(word, voice) for word, voice in USERS.items()}


def new_listener(library: Library) -> CommandListener:
    # A fresh recogniser for each stream: PocketSphinx adapts to what it heard before.
    return CommandListener(PocketSphinxRecognizer(library.grammar), library.grammar)


@dataclass
class Heard:
    decision: Decision
    accepted: bool


def listen(library: Library, mic: Samples, guard: EchoGuard | None) -> list[Heard]:
    """Every command the recogniser takes from `mic`, through the guard when there is one."""
    listener = new_listener(library)
    heard: list[Decision] = []
    for start in range(0, len(mic), CHUNK):
        chunk = mic[start : start + CHUNK]
        heard += listener.feed(chunk if guard is None else guard.clean(chunk, seconds(start)))
    heard += listener.finish()
    return [Heard(d, guard is None or guard.accepts(d)) for d in heard if d.command is not None]


def session(lines: list[Samples], gap: float = 1.0) -> Samples:
    """The coach's lines one after another, as a session plays them."""
    parts = [silence(0.5)]
    for line in lines:
        parts += [line, silence(gap)]
    return np.concatenate(parts)


def guard_for(played: Samples) -> EchoGuard:
    guard = EchoGuard()
    guard.played(played, 0.0)
    return guard


# --- self-hearing: the coach's own lines, played and heard back ---


@pytest.fixture(scope="module")
def self_hearing(library: Library, coach_lines: list[Samples]) -> dict[str, list[Heard]]:
    """Four sessions, each in its own room, that together say every line once."""
    results: dict[str, list[Heard]] = {"guarded": [], "unguarded": []}
    for index, (gain, delay) in enumerate(ROOMS):
        played = session(coach_lines[index :: len(ROOMS)])
        mic = simulate_room(played, None, gain, delay, seed=index)
        guard = guard_for(played)
        results["guarded"] += listen(library, mic, guard)
        results["unguarded"] += listen(library, mic, None)
        guard.close()
    return results


@needs_espeak
def test_the_coach_never_obeys_its_own_voice(self_hearing: dict[str, list[Heard]]) -> None:
    accepted = [h.decision.text for h in self_hearing["guarded"] if h.accepted]
    assert accepted == []


@needs_espeak
def test_without_the_guard_the_coach_takes_its_own_lines_for_commands(
    self_hearing: dict[str, list[Heard]],
) -> None:
    # Measured: 24 commands over the 190 s of lines ("lighter", "left side", "restart", ...).
    # Without this, the test above could pass only because nothing was ever heard.
    assert len(self_hearing["unguarded"]) >= 10


# --- barge-in: "pause" and "stop" over the coach ---


def barge_in(
    library: Library,
    warm_up: list[Samples],
    line: Samples,
    word: Samples,
    user_over_echo_db: float,
    room: tuple[float, float],
    seed: int,
) -> list[Heard]:
    """The coach says the `warm_up` lines (the filter learns the room), then `line`;
    0.6-1.6 s into it the user says `word`, `user_over_echo_db` above the coach's echo."""
    before = session(warm_up, 0.5)
    played = np.concatenate([before, line, silence(1.0)])
    user = np.zeros(len(played) + len(silence(0.5)), dtype=np.int16)
    at = len(before) + round((0.6 + 0.13 * (seed % 9)) * SAMPLE_RATE)
    user[at : at + len(word)] = word
    gain, delay = room
    user_gain = user_over_echo_db + level_db(line) + gain - level_db(word)
    mic = simulate_room(played, user, gain, delay, user_gain_db=user_gain, seed=seed)
    guard = guard_for(played)
    heard = listen(library, mic, guard)
    guard.close()
    return heard


@pytest.fixture(scope="module")
def barge_ins(
    library: Library, coach_lines: list[Samples], user_words: dict[str, Samples]
) -> dict[float, list[tuple[str, list[Heard]]]]:
    """Over eight of the coach's short lines (up to 7 s), each after the three before it."""
    short = [line for line in coach_lines if len(line) < 7 * SAMPLE_RATE]
    results: dict[float, list[tuple[str, list[Heard]]]] = {}
    seed = 100
    for ratio in MIN_OBEYED:
        for index, line in enumerate(short[:BARGE_IN_LINES]):
            warm_up = [short[index - k] for k in (3, 2, 1)]
            room = BARGE_IN_ROOMS[index % len(BARGE_IN_ROOMS)]
            for word, audio in user_words.items():
                heard = barge_in(library, warm_up, line, audio, ratio, room, seed)
                results.setdefault(ratio, []).append((word, heard))
                seed += 1
    return results


@needs_espeak
@pytest.mark.parametrize("user_over_echo_db", list(MIN_OBEYED))
def test_the_user_is_obeyed_over_the_coach(
    barge_ins: dict[float, list[tuple[str, list[Heard]]]], user_over_echo_db: float
) -> None:
    cases = barge_ins[user_over_echo_db]
    obeyed = [any(h.accepted and h.decision.text == word for h in heard) for word, heard in cases]
    # Misses are mostly "pause" heard as "sure" or "harder" (refused: no interruption) and,
    # below the echo, the "s" of "stop" lost under it.
    assert sum(obeyed) / len(obeyed) >= MIN_OBEYED[user_over_echo_db], cases


@needs_espeak
def test_only_interruptions_are_taken_over_the_coach(
    barge_ins: dict[float, list[tuple[str, list[Heard]]]],
) -> None:
    interruptions = {Intent.PAUSE, Intent.STOP, Intent.PAIN}
    taken = [h.decision for cases in barge_ins.values() for _, heard in cases
             for h in heard if h.accepted]
    assert taken and all(d.command and d.command.intent in interruptions for d in taken)


# --- while the coach is silent nothing changes ---


# Commands PocketSphinx understands in these voices when the coach is not there at all.
SILENT_COACH_COMMANDS = [("go back", FEMALE), ("slower", FEMALE), ("repeat", BRITISH),
                         ("that hurts", FEMALE), ("stop", BRITISH)]


def command_after_the_coach(
    library: Library, coach_lines: list[Samples], said: Samples, pause: float
) -> tuple[list[Heard], list[Heard]]:
    """The coach says two lines; `pause` seconds after it stops the user speaks. What is
    heard through the guard, and what is heard of the user alone, with no coach at all."""
    coach = np.concatenate([session(coach_lines[8:10], gap=0.0), silence(pause)])
    played = np.concatenate([coach, silence(seconds(len(said)) + 2.0)])
    user = np.zeros(len(played), dtype=np.int16)
    user[len(coach) : len(coach) + len(said)] = said
    mic = simulate_room(played, user, -3.0, 0.05, seed=7)
    no_coach = simulate_room(np.zeros_like(played), user, -3.0, 0.05, seed=7)
    return listen(library, mic, guard_for(played)), listen(library, no_coach, None)


@needs_espeak
@pytest.mark.parametrize(("text", "voice"), SILENT_COACH_COMMANDS,
                         ids=[f"{text}-{voice.name}" for text, voice in SILENT_COACH_COMMANDS])
def test_a_command_while_the_coach_is_silent_is_unaffected(
    library: Library, coach_lines: list[Samples], text: str, voice: Voice
) -> None:
    guarded, no_coach = command_after_the_coach(library, coach_lines, synthesize(text, voice), 1.0)
    # The guard takes the command said after the coach stopped. Which words the recogniser makes
    # of this clip is its accuracy, not the guard's doing: in full-suite runs (never alone, for
    # a reason not yet found) "slower" has been heard as "sure" with no coach at all as well.
    assert len(no_coach) == 1
    assert len(guarded) == 1 and guarded[0].accepted
    assert guarded[0].decision.text in {text, no_coach[0].decision.text}


@needs_espeak
def test_a_command_said_as_soon_as_the_coach_stops_is_taken(
    library: Library, coach_lines: list[Samples]
) -> None:
    # "go back" is no interruption: taken only because the coach had finished, 0.3 s before.
    said = synthesize("go back", FEMALE)
    guarded, _ = command_after_the_coach(library, coach_lines, said, 0.3)
    assert [(h.decision.text, h.accepted) for h in guarded] == [("go back", True)]


@needs_espeak
def test_with_nothing_played_the_guard_passes_commands_through(library: Library) -> None:
    mic = with_room(synthesize("repeat", BRITISH), seed=3)
    guard = EchoGuard()
    assert [(h.decision.text, h.accepted) for h in listen(library, mic, guard)] == [
        (h.decision.text, True) for h in listen(library, mic, None)
    ]


# --- the echo canceller itself ---


@needs_espeak
def test_the_canceller_removes_most_of_the_echo_of_speech(coach_lines: list[Samples]) -> None:
    played = session(coach_lines[8:13])  # about 25 s of the coach
    mic = simulate_room(played, None, -6.0, 0.08, seed=5)
    reference = np.concatenate([played, np.zeros(len(mic) - len(played), dtype=np.int16)])
    with EchoCanceller() as canceller:
        cleaned = np.concatenate([
            canceller.process(mic[i : i + CHUNK], reference[i : i + CHUNK])
            for i in range(0, len(mic), CHUNK)
        ])
        lag = canceller.delay_samples
    # After the first 5 s (the filter learning the room), over the coach's speech.
    before = frame_energies(mic[5 * SAMPLE_RATE : len(mic) - lag])
    after = frame_energies(cleaned[5 * SAMPLE_RATE + lag :])
    speech = before > 10 ** (45 / 10)
    reduction = 10 * np.log10(before[speech].sum() / after[speech].sum())
    assert reduction >= 21.0  # measured: 24.8 dB (6-11 dB over the first 5 s)


def test_the_canceller_output_does_not_depend_on_how_audio_is_chunked() -> None:
    rng = np.random.default_rng(1)
    reference = rng.normal(0, 3000, 8000).astype(np.int16)
    mic = (np.roll(reference, 40) * 0.5 + rng.normal(0, 100, 8000)).astype(np.int16)
    outputs = []
    for sizes in ([8000], [160] * 50, [37, 1, 800, 333, 6829]):
        with EchoCanceller() as canceller:
            bounds = np.cumsum([0, *sizes])
            pieces = [canceller.process(mic[a:b], reference[a:b])
                      for a, b in itertools.pairwise(bounds)]
            assert [len(p) for p in pieces] == sizes
            outputs.append(np.concatenate(pieces))
    assert np.array_equal(outputs[0], outputs[1]) and np.array_equal(outputs[0], outputs[2])


@pytest.mark.parametrize("residual_suppression", [True, False])
def test_the_canceller_output_runs_a_fixed_delay_behind(residual_suppression: bool) -> None:
    # With nothing played there is nothing to cancel: the output is the input, late.
    mic = np.random.default_rng(2).normal(0, 2000, 16000).astype(np.int16)
    with EchoCanceller(residual_suppression=residual_suppression) as canceller:
        out = canceller.process(mic, np.zeros_like(mic))
        lag = canceller.delay_samples
    correlation = [float(np.dot(out[k:].astype(float), mic[: len(mic) - k])) for k in range(400)]
    assert int(np.argmax(correlation)) == lag


def test_a_missing_speex_library_says_how_to_install_it() -> None:
    with pytest.raises(AudioError, match="sudo apt-get install libspeexdsp1"):
        load_speexdsp("libspeexdsp-missing.so.9")


# --- the guard's bookkeeping ---


def test_the_reference_is_what_played_and_zeros_elsewhere() -> None:
    guard = EchoGuard()
    guard.played(np.full(100, 10, dtype=np.int16), seconds(50))
    guard.played(np.full(100, 5, dtype=np.int16), seconds(100))
    reference = guard.reference(0, 300)
    assert not reference[:50].any() and (reference[50:100] == 10).all()
    assert (reference[100:150] == 15).all() and (reference[150:200] == 5).all()
    assert not reference[200:].any()
    guard.close()


def test_the_coach_is_audible_while_playing_and_through_its_echo_tail() -> None:
    guard = EchoGuard()
    tone = (3000 * np.sin(np.arange(SAMPLE_RATE) * 0.1)).astype(np.int16)
    guard.played(tone, 2.0)  # from 2 s to 3 s
    assert not guard.coach_audible(0.0, 1.9)
    assert guard.coach_audible(2.5, 2.6)
    assert guard.coach_audible(3.1, 3.2)  # its echo still rings in the room
    assert not guard.coach_audible(3.5, 4.0)
    guard.close()


def test_a_coach_stopped_mid_line_is_no_longer_audible() -> None:
    guard = EchoGuard()
    guard.played(np.full(10 * SAMPLE_RATE, 3000, dtype=np.int16), 0.0)
    guard.stopped(2.0)  # "stop": the rest of the line is never played
    assert guard.coach_audible(1.0, 2.0) and not guard.coach_audible(3.0, 4.0)
    guard.close()


def test_the_guard_output_runs_a_fixed_delay_behind_the_microphone() -> None:
    guard = EchoGuard()
    mic = np.random.default_rng(3).normal(0, 2000, 16000).astype(np.int16)
    bounds = [0, 333, 1100, 1101, 9000, 16000]
    out = np.concatenate([guard.clean(mic[a:b], seconds(a))
                          for a, b in itertools.pairwise(bounds)])
    lag = round(guard.delay_s * SAMPLE_RATE)
    correlation = [float(np.dot(out[k:].astype(float), mic[: len(mic) - k])) for k in range(2000)]
    assert len(out) == len(mic) and int(np.argmax(correlation)) == lag
    guard.close()


def decision(intent: Intent, heard_until_s: float) -> Decision:
    """What the recogniser says when a command's speech ended at `heard_until_s` (its clock)."""
    return Decision(intent.value, Command(intent), 1.0, heard_until_s, heard_until_s + 0.3)


@needs_espeak
def test_a_command_over_the_coach_needs_a_voice_under_it(coach_lines: list[Samples]) -> None:
    played = session(coach_lines[8:12])
    mic = simulate_room(played, None, -3.0, 0.05, seed=2)
    guard = guard_for(played)
    for start in range(0, len(mic), CHUNK):
        guard.clean(mic[start : start + CHUNK], seconds(start))
    last_line = coach_lines[11]
    middle = seconds(len(played) - len(silence(1.0)) - len(last_line) // 2)
    assert guard.coach_audible(middle - 1.0, middle)
    during_the_coach = middle + guard.delay_s  # the recogniser's clock runs that much late
    assert not guard.accepts(decision(Intent.PAUSE, during_the_coach))
    assert not guard.accepts(decision(Intent.NEXT, during_the_coach))
    after_the_coach = seconds(len(mic)) - 0.1  # the room has been quiet for a second
    assert guard.accepts(decision(Intent.NEXT, after_the_coach))
    guard.close()


def test_the_simulated_room_echoes_at_the_asked_level_and_delay() -> None:
    played = np.random.default_rng(4).normal(0, 3000, 3 * SAMPLE_RATE).astype(np.int16)
    mic = simulate_room(played, None, -6.0, 0.1, noise_rms=0.0)
    assert level_db(mic) - level_db(played) == pytest.approx(-6.0, abs=1.0)
    correlation = [float(np.dot(mic[k : k + len(played)].astype(float), played))
                   for k in range(3000)]
    assert int(np.argmax(correlation)) == round(0.1 * SAMPLE_RATE)


@needs_espeak
def test_a_spotted_command_over_the_coach_needs_the_spotters_stricter_threshold(
    coach_lines: list[Samples], user_words: dict[str, Samples]
) -> None:
    short = [line for line in coach_lines if len(line) < 7 * SAMPLE_RATE]
    before, line, word = session(short[:3], 0.5), short[3], user_words["stop"]
    played = np.concatenate([before, line, silence(1.0)])
    at = len(before) + round(0.8 * SAMPLE_RATE)
    user = np.zeros(len(played), dtype=np.int16)
    user[at : at + len(word)] = word
    mic = simulate_room(played, user, 0.0, 0.02,
                        user_gain_db=6.0 + level_db(line) - level_db(word), seed=7)
    guard = guard_for(played)
    for start in range(0, len(mic), CHUNK):
        guard.clean(mic[start : start + CHUNK], seconds(start))
    said = decision(Intent.STOP, seconds(at + len(word)) + guard.delay_s)
    assert guard.accepts(said)
    assert guard.accepts(replace(said, spotted=True, over_coach=True))
    assert not guard.accepts(replace(said, spotted=True, over_coach=False))
    guard.close()

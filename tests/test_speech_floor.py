"""In steady noise an utterance ends when the speech does: the proposing endpointer counts a
frame as speech only when it also stands out from the room's noise floor
(hearing/speech_floor.py). Real noise (the shared recordings) under espeak-ng commands."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import Voice, synthesize
from voicecoach.audio.wav_file import read_all
from voicecoach.core.vocabulary import VocabularyState, vocabulary_for
from voicecoach.hearing.backends import Backend
from voicecoach.hearing.decisions import hear
from voicecoach.hearing.pipeline import HearingOptions, build_listener
from voicecoach.hearing.speech_floor import FloorEndpointer, SpeechFloor, percentile
from voicecoach.hearing.sphinx_backend import PROPOSING_VAD_MODE

from .audio_helpers import needs_espeak, shared_dir

FRAME_S = 0.03
WORDS = ("pause", "stop", "slower", "that hurts")
SAID_AT_S = (3.0, 7.0, 11.0, 15.0)
STREAM_S = 20.0


def frame_of(rng: np.random.Generator, rms: float) -> bytes:
    return np.clip(rng.normal(0.0, rms, round(FRAME_S * SAMPLE_RATE)), -32768, 32767).astype(
        np.int16).tobytes()


def test_steady_noise_stops_standing_out_once_the_floor_has_heard_it():
    rng = np.random.default_rng(0)
    floor = SpeechFloor(FRAME_S)
    heard = [floor.stands_out(frame_of(rng, 2000)) for _ in range(100)]
    assert all(heard[:3])  # no floor yet: nothing is held back
    assert sum(heard[20:]) <= 8  # a few of the noise's own peaks, not the noise
    assert floor.stands_out(frame_of(rng, 2000 * 10 ** (10 / 20)))  # a voice 10 dB over it


def test_a_reset_floor_forgets_the_room():
    rng = np.random.default_rng(1)
    floor = SpeechFloor(FRAME_S)
    for _ in range(100):
        floor.stands_out(frame_of(rng, 5000))
    assert not floor.stands_out(frame_of(rng, 3000))  # quieter than the loud room
    floor.reset()
    assert floor.stands_out(frame_of(rng, 3000))


def noise_with_commands(noise: str, snr_db: float) -> Samples:
    """20 s of a shared noise recording, the four commands said in it `snr_db` over it."""
    bed = read_all(shared_dir() / "audio" / "noise" / noise).astype(np.float64)
    bed = np.resize(bed, round(STREAM_S * SAMPLE_RATE))
    words = [synthesize(word, Voice("en-us", 150)).astype(np.float64) for word in WORDS]
    speech_power = float(np.mean(np.concatenate([w[np.abs(w) > 200] for w in words]) ** 2))
    audio = bed * np.sqrt(speech_power / (np.mean(bed**2) * 10 ** (snr_db / 10)))
    for at_s, word in zip(SAID_AT_S, words, strict=True):
        start = round(at_s * SAMPLE_RATE)
        audio[start : start + len(word)] += word
    return np.clip(audio, -32768, 32767).astype(np.int16)


def utterances(endpointer: FloorEndpointer, audio: Samples) -> list[tuple[float, float | None]]:
    data, size = audio.tobytes(), endpointer.frame_bytes
    found: list[tuple[float, float | None]] = []
    for start in range(0, len(data) - size + 1, size):
        was_speaking = endpointer.in_speech
        if endpointer.process(data[start : start + size]) is not None and not was_speaking:
            found.append((endpointer.speech_start, None))
        if was_speaking and not endpointer.in_speech:
            found[-1] = (found[-1][0], endpointer.speech_end)
    return found


@needs_espeak
@pytest.mark.parametrize("noise", ["running_tap.wav", "exercise_bike.wav"])
def test_in_steady_noise_each_command_is_an_utterance_that_ends_with_it(noise: str):
    # PocketSphinx's own endpointer took each of these noises, 10 dB under the voice, for
    # speech from the first frame, and the utterance was still open 20 s later. (Dishes
    # clattering are not steady: a clatter is an utterance of its own, for the verifier.)
    audio = noise_with_commands(noise, 10.0)
    found = utterances(FloorEndpointer(0.3, 0.9, PROPOSING_VAD_MODE), audio)
    speech = [(start, end) for start, end in found if end is None or end - start > 0.5]
    assert len(speech) == len(WORDS), found
    for at_s, (start, end) in zip(SAID_AT_S, speech, strict=True):
        assert end is not None, found
        assert at_s - 0.5 < start < at_s + 0.3 and end < at_s + 1.5, found


@needs_espeak
def test_commands_in_a_running_exercise_bike_are_decided_as_they_are_said(library):  # type: ignore[no-untyped-def]
    # Before the floor, none of the four was decided before the stream stopped.
    listener = build_listener(library.grammar, HearingOptions(
        backend=Backend.POCKETSPHINX, profile=False))
    listener.listen_for(vocabulary_for(VocabularyState.RUNNING))
    decided = [d.decided_s for d in hear(listener, noise_with_commands("exercise_bike.wav", 10.0))]
    assert decided, "nothing was heard"
    assert all(min(abs(s - at) for at in SAID_AT_S) < 2.0 for s in decided), decided


@needs_espeak
def test_a_stream_that_ends_mid_word_ends_the_utterance_where_the_stream_ends():
    word = synthesize("pause", Voice("en-us", 150))
    rng = np.random.default_rng(3)
    audio = np.clip(np.concatenate([rng.normal(0, 20, SAMPLE_RATE // 2), word[: len(word) // 2]]),
                    -32768, 32767).astype(np.int16)
    endpointer = FloorEndpointer(0.3, 0.9, PROPOSING_VAD_MODE)
    data, size = audio.tobytes(), endpointer.frame_bytes
    whole = len(data) - len(data) % size
    for start in range(0, whole, size):
        endpointer.process(data[start : start + size])
    assert endpointer.in_speech
    tail = data[whole:] or bytes(2)
    endpointer.end_stream(tail)
    assert not endpointer.in_speech
    assert abs(endpointer.speech_end - (whole + len(tail)) / 2 / SAMPLE_RATE) < 1e-9


def test_the_floors_percentile_is_numpys_to_the_last_bit():
    rng = np.random.default_rng(4)
    for _ in range(20_000):
        values = np.round(rng.normal(30.0, 5.0, int(rng.integers(1, 134))),
                          int(rng.integers(0, 6)))  # ties too
        assert percentile(values, 30.0) == float(np.percentile(values, 30.0))

"""`voicecoach bench --quick` works and reports every figure it promises (figures themselves
come from full runs on a quiet machine, never from tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.massage_gun import SPEECH_DBFS, a_weighted_dbfs
from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import synthesize, with_room
from voicecoach.bench import enrollment, idle, idle_scenes, korean_proxy, measure, pi4, rooms
from voicecoach.bench.columns import CONFIGURATIONS, column_listener
from voicecoach.bench.evaluation import Clip
from voicecoach.bench.figures import Figures
from voicecoach.bench.ordinary_sentences import ORDINARY_SENTENCES
from voicecoach.bench.runner import command_phrases
from voicecoach.core import Intent
from voicecoach.core.grammar import normalize
from voicecoach.hearing.listener import CommandListener
from voicecoach.hearing.recognizer import Hypothesis
from voicecoach.hearing.vad_gate import GateSettings, VadGate, detector
from voicecoach.training import negatives
from voicecoach.training.voices import HELD_OUT_VOICES

from .audio_helpers import needs_espeak, shared_dir

KEYS = {"scored", "command_accuracy", "real_speech_accuracy", "real_other_false_accept",
        "sentence_false_accept", "oov_false_accept", "in_state", "accuracy_by_snr",
        "accuracy_massage_gun", "self_hearing_triggers", "self_hearing_lines",
        "barge_in_obeyed", "barge_in_by_db", "latency_median_s", "latency_p95_s", "rtf",
        "cpu_idle_share", "peak_rss_mb", "startup_s", "first_decision_s", "speech_response_s"}
IDLE_CONFIGURATIONS = {"full", "small_grammar", "full_vad", "verified_running", "verified_idle"}


def test_figures_have_exactly_the_promised_keys():
    assert set(Figures().as_json()) == KEYS


def test_every_intent_has_a_phrase_to_measure(library):  # type: ignore[no-untyped-def]
    phrases = command_phrases(library, per_intent=1)
    assert {library.grammar.parse(p).intent for p in phrases} == set(Intent)


def test_synthetic_users_speak_only_in_voices_held_out_of_training():
    voices = [*measure.COMMAND_VOICES, measure.USER_VOICE]
    assert all(voice.name in HELD_OUT_VOICES for voice in voices)


def test_ordinary_sentences_are_many_held_out_and_no_commands(library):  # type: ignore[no-untyped-def]
    assert len(ORDINARY_SENTENCES) >= 60
    assert len(set(ORDINARY_SENTENCES)) == len(ORDINARY_SENTENCES)
    trained = {normalize(text) for text in (
        *negatives.SENTENCES, *negatives.COMMON_WORDS, *negatives.PARTIAL_COMMANDS,
        *(word for words in negatives.NEAR_MISSES.values() for word in words))}
    for sentence in ORDINARY_SENTENCES:
        words = f" {normalize(sentence)} "
        assert library.grammar.parse(sentence) is None, sentence
        assert normalize(sentence) not in trained, sentence
        # Not even a training sentence inside it ("yes i think so" in "yes i think so too").
        assert not [t for t in map(normalize, negatives.SENTENCES) if f" {t} " in words], sentence


def test_the_massage_gun_plays_at_its_level_under_speech_at_a_voice_s_level():
    rng = np.random.default_rng(0)
    speech = (3000 * np.sin(np.arange(SAMPLE_RATE) * 0.2)).astype(np.int16)
    audio = np.concatenate([rng.normal(0, 20, 8000), speech, rng.normal(0, 20, 8000)])
    clip = Clip("pause", audio.astype(np.int16), None, 1.5, "synthetic")
    quiet, loud = (measure.with_massage_gun(clip, level, seed=1) for level in (50, 65))
    assert len(loud.audio) == len(clip.audio) and loud.speech_end_s == clip.speech_end_s
    silence = slice(0, 8000)  # before the speech: the gun alone
    gun_dbfs = a_weighted_dbfs(loud.audio[silence])
    assert gun_dbfs == pytest.approx(SPEECH_DBFS + 65 - 60, abs=2.0)
    assert a_weighted_dbfs(quiet.audio[silence]) == pytest.approx(gun_dbfs - 15, abs=2.0)


def test_the_columns_are_built_by_name_and_an_unknown_one_is_refused(library):  # type: ignore[no-untyped-def]
    from voicecoach.hearing.backends import Backend

    assert CONFIGURATIONS == ("plain", "today", "verified")
    with pytest.raises(ValueError, match="no such column"):
        column_listener("best", Backend.POCKETSPHINX, library.grammar, None)


def test_enrollment_takes_speakers_with_commands_for_two_folds_and_words_for_sentences(library):  # type: ignore[no-untyped-def]
    found = enrollment.speakers(shared_dir() / "audio" / "speech-commands", library.grammar)
    assert found, "the shared set has such speakers"
    for speaker in found:
        assert len(speaker.commands) >= enrollment.MIN_COMMAND_CLIPS
        assert len(speaker.scored_others) >= enrollment.MIN_SCORED_OTHERS
        assert not set(speaker.sentence_words) & set(speaker.scored_others)
        assert all(library.grammar.parse(c.transcript) is None for c in speaker.others)
        assert {c.speaker for c in [*speaker.others, *speaker.commands]} == {speaker.name}


def test_a_speakers_words_joined_are_a_sentence_of_ordinary_talk(library):  # type: ignore[no-untyped-def]
    from voicecoach.hearing.ordinary_speech import is_ordinary_sentence

    speaker = enrollment.speakers(shared_dir() / "audio" / "speech-commands",
                                  library.grammar)[0]
    words = speaker.sentence_words[: enrollment.WORDS_PER_SENTENCE]
    transcript, audio = enrollment.spoken_sentence(words)
    assert transcript.split() == [c.transcript for c in words]
    assert is_ordinary_sentence(transcript)  # learnt whole and in pieces, as a read sentence
    assert len(audio) > sum(len(enrollment.load_clip(c)) for c in words)


@needs_espeak
def test_quick_bench_reports_every_column_room_and_enrollment(tmp_path: Path):
    audio = shared_dir() / "audio"
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "bench", "--quick", "--backend", "pocketsphinx",
         "--json", str(out), "--speech", str(audio / "speech-commands"),
         "--noise", str(audio / "noise")],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert set(report["machine"]) >= {"cores", "machine", "python"}
    figures = report["backends"]["pocketsphinx"]
    assert set(figures) == set(CONFIGURATIONS)
    for name in CONFIGURATIONS:
        assert set(figures[name]) == KEYS
        assert set(figures[name]["accuracy_by_snr"]) == {"20", "10", "5", "0"}
        assert set(figures[name]["accuracy_massage_gun"]) == {"50", "60", "65"}
        assert set(figures[name]["barge_in_by_db"]) == {"6", "0", "-6"}
        for key in ("command_accuracy", "real_speech_accuracy", "sentence_false_accept"):
            assert 0 <= figures[name][key] <= 1
    assert figures["verified"]["scored"] == "by state"
    assert report["plan"]["verifier"]["sha256"]  # the figures name the model they came from
    assert figures["today"]["in_state"]["real_speech_accuracy"] is not None
    rooms_heard = report["rooms"]["pocketsphinx"]
    assert set(rooms_heard) == {"plain", "today", "verified_running", "verified_idle"}
    assert all(set(heard) == set(rooms.ROOMS) for heard in rooms_heard.values())
    enrolled = report["enrollment"]["pocketsphinx"]
    assert enrolled["speakers"] == 1 and len(enrolled["per_speaker"]) == 1
    for kind in ("without_profile", "commands", "commands_and_sentences"):
        assert 0 <= enrolled[kind]["understood"] <= 1
        assert 0 <= enrolled[kind]["other_false_accept"] <= 1
    configurations = report["idle"]["backends"]["pocketsphinx"]["configurations"]
    assert set(configurations) == IDLE_CONFIGURATIONS
    assert "commands understood" in result.stdout and "Audio saved" not in result.stdout
    assert "enrollment" in result.stdout and "talking rooms" in result.stdout
    spoken = report["spoken_sessions"]["backends"]["pocketsphinx"]
    assert set(spoken["rooms"]) == {"quiet", "15 dB SNR"} and spoken["overall"]["sessions"] == 2
    assert "spoken sessions" in result.stdout
    # The coach's lines were heard back in the coach's own voice, and both voices measured.
    assert report["plan"]["coach_voice"].startswith("piper")
    assert set(report["voices"]) == {"piper", "pyttsx3"}


# --- idle listening, the VAD gate and the Raspberry Pi 4 estimate ------------------------------



class RecordingDecoder:
    """A recogniser that keeps what reached it; its final result ends at the last sample seen
    (in its own stream's time, as a real decoder reports it)."""

    name = "recording"
    endpoint_silence_s = 1.0

    def __init__(self) -> None:
        self.received = 0  # samples, over every stream
        self.stream = 0  # samples since the last reset
        self.finishes = 0

    def accept(self, samples: Samples) -> list[Hypothesis]:
        self.received += len(samples)
        self.stream += len(samples)
        return []

    def finish(self) -> list[Hypothesis]:
        self.finishes += 1
        if not self.stream:
            return []
        return [Hypothesis("pause", True, 1.0, self.stream / SAMPLE_RATE)]

    def reset(self) -> None:
        self.stream = 0


def _feed(gate: VadGate, audio: Samples) -> list[Hypothesis]:
    heard: list[Hypothesis] = []
    for start in range(0, len(audio), 800):
        heard += gate.accept(audio[start : start + 800])
    return heard


def test_the_gate_keeps_a_quiet_room_from_the_decoder():
    decoder = RecordingDecoder()
    gate = VadGate(decoder, detector("pocketsphinx", 3))
    assert _feed(gate, idle_scenes.quiet_room(5.0).audio) == []
    assert decoder.received == 0 and decoder.finishes == 0
    assert gate.passed_share == 0


@needs_espeak
def test_the_gate_passes_speech_and_closes_the_utterance_after_the_hangover():
    speech = synthesize("pause")
    audio = with_room(speech, before=1.0, after=1.5)
    decoder = RecordingDecoder()
    gate = VadGate(decoder, detector("pocketsphinx", 3), GateSettings(hangover_s=0.3))
    heard = _feed(gate, audio)
    assert 0 < decoder.received < len(audio) * 0.7  # the silence around the word stayed out
    assert decoder.received >= 0.5 * len(speech)
    # Closing finished the utterance before the stream ended; its time is on the whole stream.
    assert len(heard) == 1 and heard[0].speech_end_s is not None
    word_end = 1.0 + _last_loud_s(speech)
    assert word_end < heard[0].speech_end_s < word_end + 0.8


def test_false_commands_in_a_room_are_counted_per_hour(library):  # type: ignore[no-untyped-def]
    listener = CommandListener(RecordingDecoder(), library.grammar)  # "pause" once, at the end
    scene = idle_scenes.quiet_room(4.0)
    heard = rooms.false_commands(listener, [scene], lambda: None)
    assert heard["quiet"]["commands"] == 1 and heard["quiet"]["heard"] == ["pause"]
    assert heard["quiet"]["per_hour"] == pytest.approx(3600 / 4.0)


def _last_loud_s(speech: Samples) -> float:
    loud = np.flatnonzero(np.abs(speech.astype(np.int32)) > 300)
    return float(loud[-1] / SAMPLE_RATE)


@needs_espeak
def test_a_command_is_still_understood_through_the_gate(library):  # type: ignore[no-untyped-def]
    from voicecoach.hearing.decisions import hear
    from voicecoach.hearing.sphinx_backend import PocketSphinxRecognizer

    gate = VadGate(PocketSphinxRecognizer(library.grammar), detector("pocketsphinx", 3))
    heard = hear(CommandListener(gate, library.grammar), with_room(synthesize("start glutes")))
    assert [(d.command.intent, d.command.slots) for d in heard if d.command] == [
        (Intent.START, {"routine": "glutes"})]


def test_webrtcvad_and_pocketsphinx_vad_decide_alike():
    pytest.importorskip("webrtcvad", reason="pip install webrtcvad-wheels")
    room = idle_scenes.quiet_room(1.0).audio.copy()
    room[4000:12000] += (3000 * np.sin(np.arange(8000) * 0.05)).astype(np.int16)
    frames = [room[i : i + 480].tobytes() for i in range(0, len(room) - 480, 480)]
    sphinx, webrtc = detector("pocketsphinx", 3), detector("webrtcvad", 3)
    assert [sphinx.is_speech(f) for f in frames] == [webrtc.is_speech(f) for f in frames]


def test_pinning_puts_every_thread_on_one_core_and_gives_the_cores_back():
    before = os.sched_getaffinity(0)
    with idle.one_core() as core:
        assert os.sched_getaffinity(0) == {core}
    assert os.sched_getaffinity(0) == before


def test_the_idle_grammar_keeps_only_what_serve_needs_between_sessions(library):  # type: ignore[no-untyped-def]
    small = idle.small_grammar(library)
    assert {small.parse(s).intent for s in small.sentences} == set(idle.IDLE_INTENTS)
    assert small.parse("start glutes") == library.grammar.parse("start glutes")
    assert small.parse("next") is None


def test_the_korean_proxy_grammar_is_about_the_size_of_ours(library):  # type: ignore[no-untyped-def]
    ours, proxy = len(library.grammar.sentences), len(korean_proxy.full_grammar().sentences)
    assert abs(proxy - ours) <= 0.1 * ours


def test_noisy_room_is_the_stated_level_below_the_command_voice():
    beds = [np.full(SAMPLE_RATE, 100, np.int16), np.full(SAMPLE_RATE, -5000, np.int16)]
    scene = idle_scenes.noisy_room(2.0, beds, command_level=3000.0)
    expected = 3000.0 * 10 ** (-idle_scenes.NOISY_BELOW_VOICE_DB / 20)
    for half in (scene.audio[:SAMPLE_RATE], scene.audio[SAMPLE_RATE:]):
        rms = float(np.sqrt(np.mean(half.astype(np.float64) ** 2)))
        assert rms == pytest.approx(expected, rel=0.05)


@needs_espeak
def test_the_talking_room_has_speech_about_a_third_of_the_time():
    utterances = idle_scenes.talk_utterances([], idle_scenes.TALK_VOICES[:1])
    scene = idle_scenes.talk_room(60.0, utterances, command_level=3000.0)
    assert 0.2 < scene.speech_share < 0.4
    assert scene.seconds == 60.0


SEVEN_ZIP = """
7-Zip (z) 26.02 (x64) : Copyright (c) 1999-2026 Igor Pavlov : 2026-01-01
Avr:      4434   100   4622   4613  |      53682    99   4718   4677
Tot:              99   4670   4645
"""


def test_seven_zip_ratings_are_read_from_its_benchmark():
    assert pi4.parse_seven_zip(SEVEN_ZIP) == {"compress": 4613, "decompress": 4677,
                                               "total": 4645}
    assert pi4.parse_seven_zip("no benchmark here") is None


def test_pi4_ratio_comes_from_the_published_figures_when_measured():
    speed = pi4.Speed({"compress": 4613, "decompress": 4677, "total": 4645}, "7-Zip", 5073.0)
    estimate = pi4.estimate(speed)
    assert estimate.scalar == (round(4677 / 1956, 2), round(4613 / 1256, 2))
    assert estimate.simd[1] == pytest.approx(estimate.scalar[1] * pi4.SIMD_WIDTH_FACTOR, 0.01)
    assert len(estimate.comparisons) == len(pi4.REFERENCES)
    assert estimate.for_backend("vosk-ko-proxy") == estimate.simd


def test_pi4_ratio_without_the_tools_is_the_recorded_one_and_says_so():
    estimate = pi4.estimate(None)
    assert estimate.scalar == pi4.DEFAULT_SCALAR and "not measured" in estimate.source


@needs_espeak
def test_idle_part_reports_every_room_for_every_configuration(library):  # type: ignore[no-untyped-def]
    from rich.console import Console

    from voicecoach.bench.runner import Bench, table
    from voicecoach.hearing.backends import Backend

    audio = shared_dir() / "audio"
    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115 - closed below
    try:
        bench = Bench(library, None, audio / "speech-commands", audio / "noise", True, console,
                      idle_seconds=3.0, only_idle=True)
        report = json.loads(json.dumps(bench.run(Backend.POCKETSPHINX)))
        console.print(table(report))
    finally:
        console.file.close()
    idle_report = report["idle"]
    rooms = {"quiet", "noisy", "talk"}  # --quick leaves the television out
    assert set(idle_report["scenes"]) == rooms
    sphinx = idle_report["backends"]["pocketsphinx"]
    assert set(sphinx["configurations"]) == IDLE_CONFIGURATIONS
    for figures in sphinx["configurations"].values():
        assert set(figures["scenes"]) == rooms
        for scene, measured in figures["scenes"].items():
            assert measured["cpu_per_audio_s"] >= 0
            low, high = figures["pi4_share"][scene]
            assert low <= high
    gate = sphinx["vad_gate_accuracy"]
    assert 0 <= gate["on"]["command_accuracy"] <= 1 and 0 <= gate["off"]["command_accuracy"] <= 1
    assert idle_report["pi4"]["ratio_pocketsphinx"] == list(pi4.DEFAULT_SCALAR)


def test_enrollment_alone_needs_recorded_speakers_and_says_so_at_once() -> None:
    result = subprocess.run([sys.executable, "-m", "voicecoach", "bench", "--enrollment-only"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "voicecoach: --enrollment-only enrolls recorded speakers: give them with --speech DIR "
        "(e.g. ../shared/audio/speech-commands)"]

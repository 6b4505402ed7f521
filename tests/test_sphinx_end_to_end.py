"""English end to end: espeak-ng speaks the command phrases in several voices and speeds, and
PocketSphinx, through the WAV file source, must turn them into the right intents."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.audio.synthetic import Voice
from voicecoach.audio.wav_file import WavFileSource
from voicecoach.core import Intent
from voicecoach.hearing.decisions import decisions_from
from voicecoach.hearing.listener import CommandListener, Decision
from voicecoach.hearing.sphinx_backend import PocketSphinxRecognizer

from .audio_helpers import needs_espeak, spoken_wav

pytestmark = needs_espeak

VOICES = [Voice("en-us", 160), Voice("en-gb", 140), Voice("en-us+f3", 175, 60),
          Voice("en-us+m3", 135, 40)]
# Every single-word command the issue names, and the phrases a user leans on most.
PHRASES = {
    "stop": Intent.STOP, "go": Intent.RESUME, "yes": Intent.YES, "no": Intent.NO,
    "left": Intent.SIDE, "right": Intent.SIDE, "back": Intent.BACK, "next": Intent.NEXT,
    "skip": Intent.NEXT, "pause": Intent.PAUSE, "repeat": Intent.REPEAT, "help": Intent.HELP,
    "resume": Intent.RESUME, "start glutes": Intent.START, "that hurts": Intent.PAIN,
    "slower": Intent.SLOWER, "lighter": Intent.LIGHTER, "more time": Intent.MORE_TIME,
    "go back": Intent.BACK, "start outer hip": Intent.START,
}
# Measured with these voices (see the hearing issue's note): about 65% of command utterances are
# understood and 6-27% of other sentences are taken for a command. The bounds sit a little
# below and above, so a regression fails while the synthetic voices' quirks do not.
MIN_ACCURACY = 0.55
MAX_FALSE_ACCEPTS = 3  # of the 10 sentences below (5 sentences x 2 voices)
NOT_COMMANDS = ["marvin went to the house", "happy birthday to you", "what a lovely day",
                "can you hear me", "turn on the lights"]


@pytest.fixture(scope="module")
def listener(library) -> CommandListener:  # type: ignore[no-untyped-def]
    return CommandListener(PocketSphinxRecognizer(library.grammar), library.grammar)


def hear(listener: CommandListener, path: Path) -> list[Decision]:
    listener.restart()
    with WavFileSource(path, chunk_seconds=0.05) as source:
        return [d for d in decisions_from(source, listener) if d.command is not None]


@pytest.fixture(scope="module")
def results(listener: CommandListener, tmp_path_factory) -> dict[tuple[str, str], list[Intent]]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("speech")
    heard = {}
    for voice in VOICES:
        for index, phrase in enumerate(PHRASES):
            decisions = hear(listener, spoken_wav(folder, phrase, voice, seed=index))
            heard[(phrase, voice.name)] = [d.command.intent for d in decisions]
    return heard


def test_command_phrases_are_recognised_in_several_voices(results):  # type: ignore[no-untyped-def]
    right = [key for key, intents in results.items() if intents == [PHRASES[key[0]]]]
    wrong = {key: intents for key, intents in results.items() if key not in right}
    share = len(right) / len(results)
    assert share >= MIN_ACCURACY, f"{share:.0%} right; wrong: {wrong}"


def test_no_utterance_is_taken_for_two_commands(results):  # type: ignore[no-untyped-def]
    assert all(len(intents) <= 1 for intents in results.values())


def test_speech_that_is_not_a_command_is_mostly_rejected(listener, tmp_path: Path):  # type: ignore[no-untyped-def]
    accepted = []
    for voice in VOICES[:2]:
        for index, sentence in enumerate(NOT_COMMANDS):
            decisions = hear(listener, spoken_wav(tmp_path, sentence, voice, seed=index))
            accepted += [(sentence, voice.name, d.text) for d in decisions]
    assert len(accepted) <= MAX_FALSE_ACCEPTS, accepted


def test_start_gives_the_routine_slot(listener, tmp_path: Path):  # type: ignore[no-untyped-def]
    [decision] = hear(listener, spoken_wav(tmp_path, "start glutes"))
    assert decision.command.slots == {"routine": "glutes"}
    assert decision.speech_end_s is not None and 0.5 < decision.speech_end_s < decision.decided_s


def test_the_last_moment_of_a_stream_reaches_the_decoder(library) -> None:  # type: ignore[no-untyped-def]
    # A file that ends as the word does: the endpointer still holds its last ~0.3 s when the
    # stream ends, and without flushing it "stop" would be decided on "st".
    import numpy as np

    from voicecoach.audio.synthetic import synthesize
    from voicecoach.bench.evaluation import _last_speech_s

    speech = synthesize("stop", Voice("en-us", 160))
    speech = speech[: round(_last_speech_s(speech) * 16000)]  # no silence after the word
    rng = np.random.default_rng(0)
    lead = rng.normal(0, 20, 8000)
    audio = np.clip(np.concatenate([lead, speech + rng.normal(0, 20, len(speech))]),
                    -32768, 32767).astype(np.int16)
    recognizer = PocketSphinxRecognizer(library.grammar)
    hypotheses = recognizer.accept(audio) + recognizer.finish()
    assert [h.text for h in hypotheses if h.final] == ["stop"]

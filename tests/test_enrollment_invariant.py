"""Learning a voice must not make the coach jumpier: after `voicecoach enroll` (each command
twice, then the sentences), the adapted verifier acts on no more of that speaker's other words
than the shipped one did, with the ceilings the shipped model's training chose.

Measured with synthetic speech the verifier never trained on (espeak-ng's held-out voices, and
one of them slowed down in a reverberant room, which the verifier finds as strange as a real
voice), at the verifier's own gate: each other word is heard in every state a session listens
in, as if the recogniser had proposed every command the state allows, so a word is acted on
whenever the verifier would confirm any of them (the most a recogniser could let through).

This guards the target, whatever enrollment learns: with the shipped model an enrollment on the
commands alone keeps it too for this voice, so that `enroll` asks for the sentences and learns
them is tested in test_enroll_cli.py, test_enroll_sentences.py and test_voice_profile.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from voicecoach.adapting.enrollment import PHRASES, REPEATS
from voicecoach.adapting.profile_builder import command_verifier_adapter
from voicecoach.audio.room import simulate_room
from voicecoach.audio.source import Samples
from voicecoach.audio.synthetic import Voice, espeak_available, synthesize, with_room
from voicecoach.core.grammar import CommandGrammar
from voicecoach.core.vocabulary import OTHER_SPEECH_STATES
from voicecoach.hearing.ordinary_speech import SENTENCES, transcript_of
from voicecoach.hearing.verification import OTHER_CEILINGS, EmbeddingVerifier, ceilings_of
from voicecoach.library import Library
from voicecoach.training.augment import speed_changed
from voicecoach.training.voices import HELD_OUT_VOICES

classifiers = pytest.importorskip("voicecoach.hearing.command_classifier")
pytestmark = pytest.mark.skipif(
    not espeak_available() or not classifiers.shipped_model_path().is_file(),
    reason="espeak-ng and the shipped command verifier are needed")

# Ordinary words, none of them in the sentences read at enrollment: the ones the verifier
# must keep rejecting are the speaker's words it never heard.
OTHER_WORDS = (
    "bed", "bird", "cat", "eight", "five", "happy", "house", "marvin", "seven", "sheila",
    "tree", "wow", "zero", "coffee", "window", "kitchen", "tomorrow", "garden", "water",
    "morning", "dinner", "up", "two", "nine",
)
Speech = Callable[[str, int, int], Samples]  # text, words per minute, seed -> a clip


def plain(voice: str) -> Speech:
    def say(text: str, words_per_minute: int, seed: int) -> Samples:
        return with_room(synthesize(text, Voice(voice, words_per_minute, 45)), 0.3, 0.3, seed)
    return say


def slowed_in_a_room(voice: str) -> Speech:
    def say(text: str, words_per_minute: int, seed: int) -> Samples:
        speech = speed_changed(synthesize(text, Voice(voice, words_per_minute, 45)), 0.85)
        speech = simulate_room(speech, None, 0.0, 0.0, noise_rms=0.0, seed=seed)
        return with_room(speech, 0.3, 0.3, seed)
    return say


def enrollment(say: Speech) -> list[tuple[str, Samples]]:
    """What `voicecoach enroll` records: each phrase REPEATS times, then each sentence once."""
    takes = [(phrase, say(phrase, 150 + 15 * take, 100 + REPEATS * number + take))
             for number, phrase in enumerate(PHRASES) for take in range(REPEATS)]
    return takes + [(transcript_of(sentence), say(sentence, 150, 200 + number))
                    for number, sentence in enumerate(SENTENCES)]


def acted_on(verifier: EmbeddingVerifier, grammar: CommandGrammar, clips: list[Samples]) -> int:
    """Hearings (clip x state) in which the verifier confirms some command the state allows."""
    from voicecoach.core.vocabulary import vocabulary_for

    count = 0
    for state in OTHER_SPEECH_STATES:
        hearing = grammar.narrowed(vocabulary_for(state))
        proposals = [command for sentence in hearing.sentences
                     if (command := hearing.parse(sentence)) is not None]
        count += sum(verifier.verify(clip, proposals, hearing).command is not None
                     for clip in clips)
    return count


VOICE = "en-029+m7"


def test_the_speaker_is_held_out_of_the_verifiers_training() -> None:
    assert VOICE in HELD_OUT_VOICES


def verifier(path: Path | None = None) -> EmbeddingVerifier:
    """The verifier as the coach builds it: the model with the ceilings its training chose."""
    classifier = classifiers.CommandClassifier.load(path)
    return EmbeddingVerifier(classifier, ceilings_of(classifier.card) or OTHER_CEILINGS)


def adapted_on(examples: list[tuple[str, Samples]], library: Library, out: Path
               ) -> EmbeddingVerifier:
    said: list[str] = []
    path = command_verifier_adapter(library.grammar, said.append)(examples, out)
    assert path is not None, said
    return verifier(path)


@pytest.mark.parametrize("speech", [plain, slowed_in_a_room])
def test_the_adapted_verifier_acts_on_no_more_of_the_speakers_other_words_than_before(
    speech: Callable[[str], Speech], library: Library, tmp_path: Path
) -> None:
    say = speech(VOICE)
    adapted = adapted_on(enrollment(say), library, tmp_path / "adapted.npz")
    base = verifier()
    others = [say(word, 140, 300 + number) for number, word in enumerate(OTHER_WORDS)]
    before = acted_on(base, library.grammar, others)
    after = acted_on(adapted, library.grammar, others)
    assert after <= before, f"{before} -> {after} of {4 * len(others)} hearings"

"""The user's ordinary speech, learnt at enrollment beside their commands.

A verifier adapted on a user's commands alone learns that this voice says commands: one loud
speaker's commands went from 49% to 82% understood, and his other words acted on from 8% to
14.6%. So `voicecoach enroll` also asks for a few sentences read aloud, which hold no command
and are made of what people say in a room, with words that sound near the commands ("got",
"text", "post", "lid", "light", "shop", "holds off"). Each recording teaches "other" whole, and
cut into pieces the size of one word to a few words: what the detector hands the verifier when
it wakes in the middle of talk.

No near-word of "stop" is closer than "shop" and none of "that hurts" or "ouch" is there: a
missed stop or pain is the worst mistake the coach can make, and a user's "couch" taught as
other would pull their "ouch" towards it.
"""

from __future__ import annotations

import numpy as np

from ..audio.source import SAMPLE_RATE, Samples
from ..core.grammar import commands_within, normalize
from .utterance import speech_bounds

# What the user reads aloud, about ten seconds in all (a test checks none holds a command).
SENTENCES: tuple[str, ...] = (
    "I got a text from my sister, she says the post is late today.",
    "Put the lid on the pot and turn the light down a little.",
    "We could walk the dog to the shop later, if the rain holds off.",
)
# A sentence is learnt as pieces too when it has at least this many words and holds no
# command: a piece of "I'll stop by later" could be the user's own "stop".
MIN_SENTENCE_WORDS = 3
PIECES_PER_SENTENCE = 12
WORD_S = (0.3, 0.9)  # one or two words
# A stretch of talk, as the training's fragments are cut (`training/augment.py` `fragment`).
FRAGMENT_S = (0.6, 2.5)
ROOM_S = 0.15  # the room kept around each piece when the sentence has it


def transcript_of(sentence: str) -> str:
    """A sentence as a profile's labels.csv and the speaker adaptation spell it: lower-case
    words without punctuation."""
    return normalize(sentence)


def is_ordinary_sentence(transcript: str) -> bool:
    """Ordinary talk that is safe to cut into pieces: several words and no command in it."""
    return (len(transcript.split()) >= MIN_SENTENCE_WORDS
            and not commands_within(transcript))


def pieces(speech: Samples, rng: np.random.Generator,
           count: int = PIECES_PER_SENTENCE) -> list[Samples]:
    """`count` pieces of a recorded sentence, alternately word-sized and a few words long,
    each with a little of the room around it when the recording has it."""
    start, end = speech_bounds(speech)
    room = round(ROOM_S * SAMPLE_RATE)
    found: list[Samples] = []
    for number in range(count):
        low, high = WORD_S if number % 2 == 0 else FRAGMENT_S
        length = round(rng.uniform(low, high) * SAMPLE_RATE)
        if end - start <= length:
            first, last = start, end
        else:
            first = int(rng.integers(start, end - length))
            last = first + length
        found.append(speech[max(0, first - room) : min(len(speech), last + room)])
    return found

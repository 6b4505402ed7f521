"""Long lines said in pieces: whole clauses, short sentences untouched, nothing lost."""

from __future__ import annotations

from voicecoach.core.phrasebook import SAFETY_BRIEF
from voicecoach.speaking.phrasing import MAX_WORDS, pieces


def test_short_sentences_are_said_whole():
    assert pieces("Rest for 20 seconds. Switch to your right side.") == [
        "Rest for 20 seconds.", "Switch to your right side."]


def test_a_long_sentence_is_cut_only_after_a_comma_and_every_word_is_kept():
    said = pieces(SAFETY_BRIEF)
    assert " ".join(said).split() == SAFETY_BRIEF.split()
    assert all(len(piece.split()) <= MAX_WORDS for piece in said)
    assert all(piece.endswith((",", ".", "?", "!", ";", ":")) for piece in said)


def test_a_clause_longer_than_the_limit_is_kept_whole_rather_than_cut_mid_clause():
    clause = " ".join(["word"] * (MAX_WORDS + 5)) + "."
    assert pieces(clause) == [clause]

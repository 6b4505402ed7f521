"""The command grammar: one phrase table that both parses text and lists what may be heard."""

from __future__ import annotations

import pytest

from voicecoach.core import CommandGrammar, GrammarError, Intent
from voicecoach.core.grammar import COMMAND_PHRASES, normalize, parse_phrase

GRAMMAR = CommandGrammar.for_routines(
    {"glutes": ["glutes", "butt"], "outer-hip": ["outer hip"], "full-hip": ["full hip"]}
)


@pytest.mark.parametrize(
    ("word", "intent"),
    [
        ("stop", Intent.STOP), ("go", Intent.RESUME), ("yes", Intent.YES), ("no", Intent.NO),
        ("left", Intent.SIDE), ("right", Intent.SIDE), ("back", Intent.BACK),
        ("next", Intent.NEXT), ("skip", Intent.NEXT), ("pause", Intent.PAUSE),
        ("repeat", Intent.REPEAT), ("help", Intent.HELP),
    ],
)
def test_required_single_words_map_to_their_intents(word: str, intent: Intent):
    command = GRAMMAR.parse(word)
    assert command is not None and command.intent is intent


def test_side_words_carry_the_side_slot():
    assert GRAMMAR.parse("left").slots == {"side": "left"}  # type: ignore[union-attr]
    assert GRAMMAR.parse("right side").slots == {"side": "right"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "routine"),
    [("start glutes", "glutes"), ("begin butt", "glutes"), ("start outer hip", "outer-hip"),
     ("start the full hip", "full-hip"), ("start full hip", "full-hip")],
)
def test_start_fills_the_routine_slot_from_names_and_aliases(text: str, routine: str):
    command = GRAMMAR.parse(text)
    assert command is not None
    assert command.intent is Intent.START and command.slots == {"routine": routine}


@pytest.mark.parametrize(
    ("text", "intent"),
    [("that hurts", Intent.PAIN), ("ouch", Intent.PAIN), ("too much", Intent.PAIN),
     ("slow down", Intent.SLOWER), ("faster", Intent.FASTER), ("lighter", Intent.LIGHTER),
     ("firmer", Intent.FIRMER), ("more time", Intent.MORE_TIME), ("status", Intent.STATUS),
     ("list routines", Intent.LIST), ("restart", Intent.RESTART), ("resume", Intent.RESUME),
     ("go back", Intent.BACK), ("start over", Intent.RESTART)],
)
def test_phrases_map_to_intents(text: str, intent: Intent):
    command = GRAMMAR.parse(text)
    assert command is not None and command.intent is intent


def test_every_intent_has_phrases():
    assert set(COMMAND_PHRASES) == set(Intent)
    for intent in Intent:
        assert GRAMMAR.sentences_for(intent), intent


def test_parsing_ignores_case_punctuation_and_fillers():
    assert GRAMMAR.parse("  Pause!  ").intent is Intent.PAUSE  # type: ignore[union-attr]
    assert GRAMMAR.parse("um, pause please").intent is Intent.PAUSE  # type: ignore[union-attr]
    assert GRAMMAR.parse("That Hurts.").intent is Intent.PAIN  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["", "marvin", "house", "start bananas", "pause the music now"])
def test_anything_else_is_not_a_command(text: str):
    assert GRAMMAR.parse(text) is None


def test_every_listed_sentence_parses_back_to_itself():
    for sentence in GRAMMAR.sentences:
        command = GRAMMAR.parse(sentence)
        assert command is not None and command.text == sentence


def test_sentences_are_normalized_words():
    for sentence in GRAMMAR.sentences:
        assert sentence == normalize(sentence)
    assert "glutes" in GRAMMAR.words and "pause" in GRAMMAR.words


def test_optional_and_alternative_syntax_expands_fully():
    grammar = CommandGrammar({Intent.PAUSE: ["(hold | hang) on [now]"]}, {})
    assert grammar.sentences == ["hang on", "hang on now", "hold on", "hold on now"]


@pytest.mark.parametrize("phrase", ["(pause", "pause ]", "( | pause)", "pause $"])
def test_malformed_phrases_are_rejected(phrase: str):
    with pytest.raises(GrammarError):
        parse_phrase(phrase)


def test_the_same_sentence_for_two_intents_is_an_error():
    with pytest.raises(GrammarError, match="both"):
        CommandGrammar({Intent.PAUSE: ["wait"], Intent.STOP: ["wait"]}, {})


def test_an_alias_naming_two_routines_is_an_error():
    with pytest.raises(GrammarError, match="names both"):
        CommandGrammar.for_routines({"glutes": ["butt"], "glutes-roller": ["butt"]})


def test_an_alias_that_would_shadow_a_command_is_an_error():
    expected = r"'start over' would mean both start \(routine 'glutes'\)"
    with pytest.raises(GrammarError, match=expected):
        CommandGrammar.for_routines({"glutes": ["over"]})

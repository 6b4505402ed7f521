"""Which spoken names would be taken for commands. Read from the command grammar itself
(`grammar.commands_within`, which the wake word is checked with too), so a phrase added to the
grammar is refused as a name at once, and one taken out is free again.

A routine's alias is said after "start", and the recognisers hear every command at any moment
(keyword spotting even finds a command inside a longer utterance): an alias that holds a command
("pause", "hold on stretch") could make the coach pause instead of starting the routine, and
one that makes another command with "start" ("over": "start over") could never start it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from .grammar import COMMAND_PHRASES, CommandGrammar, commands_within, normalize
from .intents import Intent


@dataclass(frozen=True)
class CommandInName:
    """The command a spoken name holds: `said` is the command's words, `sentence` the whole
    sentence the user would say ("start pause"), `intent` what the coach would do."""

    said: str
    sentence: str
    intent: Intent

    @property
    def meaning(self) -> str:
        return self.intent.value.replace("_", " ")


@cache
def _without_routines() -> CommandGrammar:
    """Every command that names no routine."""
    return CommandGrammar.for_routines({})


def _ways_to_start(phrase: str, start_phrases: Sequence[str]) -> list[str]:
    """The sentences that start a routine called `phrase` ("start pause", "begin pause", ...)."""
    starting = {Intent.START: start_phrases}
    return CommandGrammar(starting, {"routine": {phrase: phrase}}).sentences


def command_in_name(name: str) -> CommandInName | None:
    """The command that saying `name` after "start" would also say, or None. Whole commands
    only: "lower back" holds the command "back", "backstroke" holds none."""
    phrase = normalize(name)
    if not phrase:
        return None
    grammar = _without_routines()
    for sentence in _ways_to_start(phrase, COMMAND_PHRASES[Intent.START]):
        command = grammar.parse(sentence)
        if command is not None:  # "start over" is already a command of its own
            return CommandInName(sentence, sentence, command.intent)
    held = commands_within(phrase)  # the longest first: "go back", not "go"
    if not held:
        return None
    command = grammar.parse(held[0])
    # The words that begin a start ("start", "begin") are no sentence alone, but start one.
    intent = command.intent if command is not None else Intent.START
    usual = _ways_to_start(phrase, COMMAND_PHRASES[Intent.START][:1])[0]  # "start pause"
    return CommandInName(held[0], usual, intent)

"""Which spoken names would be taken for commands. Read from the command grammar itself, so a
phrase added to the grammar is refused as a name at once, and one taken out is free again.

A routine's alias is said after "start", and the recognisers hear every command at any moment
(keyword spotting even finds a command inside a longer utterance): an alias that holds a command
("pause", "hold on stretch") could make the coach pause instead of starting the routine, and
one that makes another command with "start" ("over": "start over") could never start it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from .grammar import COMMAND_PHRASES, CommandGrammar, normalize
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
def _commands() -> dict[str, Intent]:
    """Every sentence the coach obeys that names no routine, with what it does."""
    grammar = CommandGrammar.for_routines({})
    commands: dict[str, Intent] = {}
    for sentence in grammar.sentences:
        command = grammar.parse(sentence)
        if command is not None:
            commands[sentence] = command.intent
    return commands


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
    commands = _commands()
    for sentence in _ways_to_start(phrase, COMMAND_PHRASES[Intent.START]):
        if sentence in commands:  # "start over" is already a command of its own
            return CommandInName(sentence, sentence, commands[sentence])
    usual = _ways_to_start(phrase, COMMAND_PHRASES[Intent.START][:1])[0]  # "start pause"
    words = phrase.split()
    for length in range(len(words), 0, -1):  # the longest first: "go back", not "go"
        for first in range(len(words) - length + 1):
            said = " ".join(words[first : first + length])
            if said in commands:
                return CommandInName(said, usual, commands[said])
    return None

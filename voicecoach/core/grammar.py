"""The command grammar: one table of phrases that yields both the text parser and, for the
recognisers, the exact list of sentences they may hear, so the two can never disagree.

Phrase syntax (a small subset of JSGF):

    word            a literal word
    [ ... ]         optional
    ( a | b )       alternatives
    <slot>          one of the slot's spoken values, e.g. <routine> -> "glutes", "butt", ...

    "(start | begin) [the] <routine>"  ->  start glutes, begin the butt, ...
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product

from .errors import VoicecoachError
from .intents import Command, Intent, Side, VoiceChange
from .vocabulary import Vocabulary

# Sentences are expanded in full; a runaway phrase would blow up memory, so cap it.
MAX_SENTENCES = 50_000


class GrammarError(VoicecoachError, ValueError):
    """A phrase that cannot be parsed, or two intents claiming the same sentence."""


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class SlotRef:
    name: str


@dataclass(frozen=True)
class Sequence_:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alternatives:
    options: tuple[Node, ...]


@dataclass(frozen=True)
class Optional_:
    inner: Node


Node = Word | SlotRef | Sequence_ | Alternatives | Optional_

# Words are any letters (the Korean test grammar uses Hangul), with apostrophes.
_TOKEN = re.compile(r"\s*(<[a-z_]+>|[()\[\]|]|[^\W\d_](?:[^\W\d_]|')*)")


def _tokenize(phrase: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    phrase = phrase.strip()
    while position < len(phrase):
        match = _TOKEN.match(phrase, position)
        if not match:
            raise GrammarError(f"cannot read {phrase!r} at {phrase[position:]!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


class _PhraseParser:
    """Recursive descent over: alternatives := sequence ('|' sequence)*."""

    def __init__(self, phrase: str) -> None:
        self.phrase = phrase
        self.tokens = _tokenize(phrase)
        self.position = 0

    def parse(self) -> Node:
        node = self._alternatives()
        if self.position != len(self.tokens):
            raise GrammarError(f"unexpected {self.tokens[self.position]!r} in {self.phrase!r}")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _alternatives(self) -> Node:
        options = [self._sequence()]
        while self._peek() == "|":
            self.position += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else Alternatives(tuple(options))

    def _sequence(self) -> Node:
        items: list[Node] = []
        while (token := self._peek()) is not None and token not in ")]|":
            items.append(self._item())
        if not items:
            raise GrammarError(f"empty alternative in {self.phrase!r}")
        return items[0] if len(items) == 1 else Sequence_(tuple(items))

    def _item(self) -> Node:
        token = self.tokens[self.position]
        self.position += 1
        if token in "([":
            inner = self._alternatives()
            closing = ")" if token == "(" else "]"
            if self._peek() != closing:
                raise GrammarError(f"missing {closing!r} in {self.phrase!r}")
            self.position += 1
            return inner if token == "(" else Optional_(inner)
        if token.startswith("<"):
            return SlotRef(token[1:-1])
        return Word(token)


def parse_phrase(phrase: str) -> Node:
    return _PhraseParser(phrase).parse()


# A sentence is its words plus the slot values it filled in.
_Expansion = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]


def _expand(node: Node, slots: Mapping[str, Mapping[str, str]]) -> Iterator[_Expansion]:
    match node:
        case Word(text):
            yield (text,), ()
        case SlotRef(name):
            if name not in slots:
                raise GrammarError(f"unknown slot <{name}>")
            for spoken, value in slots[name].items():
                yield tuple(spoken.split()), ((name, value),)
        case Optional_(inner):
            yield (), ()
            yield from _expand(inner, slots)
        case Alternatives(options):
            for option in options:
                yield from _expand(option, slots)
        case Sequence_(items):
            for parts in product(*(list(_expand(item, slots)) for item in items)):
                words = tuple(word for part in parts for word in part[0])
                filled = tuple(pair for part in parts for pair in part[1])
                yield words, filled


# The phrases users say, by intent. Every phrase here is also a sentence the recogniser may
# hear, and each extra one costs accuracy: with PocketSphinx, adding "nope", "yeah", "list" and
# "wait" made "no", "skip" and "pause" misheard as them. So: few, acoustically distinct phrases.
# The urgent words (pause, stop, next, ...) have no longer phrase starting with them, so a partial
# result can act on them without waiting for the end-of-utterance silence (`can_decide_early`).
COMMAND_PHRASES: Mapping[Intent, Sequence[str]] = {
    Intent.START: ["start [the] <routine>", "begin <routine>"],
    Intent.NEXT: ["next", "skip", "move on"],
    Intent.BACK: ["back", "go back", "previous step"],
    Intent.PAUSE: ["pause", "hold on"],
    Intent.RESUME: ["go", "resume", "continue", "carry on", "keep going"],
    Intent.REPEAT: ["repeat", "say that again"],
    Intent.RESTART: ["restart", "start over"],
    Intent.STOP: ["stop", "finish", "end the session", "i'm done"],
    Intent.SLOWER: ["slower", "slow down"],
    Intent.FASTER: ["faster", "speed up"],
    Intent.LIGHTER: ["lighter", "softer", "less pressure"],
    Intent.FIRMER: ["firmer", "harder", "more pressure"],
    Intent.MORE_TIME: ["more time", "extra time"],
    Intent.STATUS: ["status", "how long left", "time left"],
    Intent.HELP: ["help", "what can i say"],
    Intent.LIST: ["list routines", "which routines"],
    Intent.PAIN: ["ouch", "that hurts", "it hurts", "too much"],
    Intent.YES: ["yes", "sure", "yes i'm okay [to continue]"],
    Intent.NO: ["no", "not now"],
    Intent.SIDE: ["<side>", "<side> side"],
    Intent.VOICE: ["speak <voice_change>"],
    Intent.SAFETY: ["safety", "safety brief"],
}

# Sentences of yes that do not answer a safety question (the safety brief, "shall we stop?"):
# "sure" is a casual consent to warnings, and it is what recognisers make of other words
# ("slower" is heard as "sure"). The coach asks "was that yes or no?" instead.
CASUAL_ANSWERS = frozenset({"sure"})

# What can be said after the wake word: the commands for when no session is running.
WAKE_INTENTS = frozenset({Intent.START, Intent.LIST, Intent.HELP, Intent.SAFETY})

SIDE_SLOT: Mapping[str, str] = {side.value: side.value for side in Side}
VOICE_SLOT: Mapping[str, str] = {change.value: change.value for change in VoiceChange}

# Words people put around commands that change nothing ("um, pause please").
_FILLER_WORDS = frozenset({"um", "uh", "er", "erm", "hmm", "please", "coach"})


@cache
def command_phrases() -> frozenset[str]:
    """What a user says as a command of its own: every sentence that names no routine ("stop",
    "hold on", "left side", "speak louder"), and the words that begin one that does ("start",
    "begin")."""
    mark = "<routine>"
    slots = {"routine": {mark: mark}, "side": SIDE_SLOT, "voice_change": VOICE_SLOT}
    phrases: set[str] = set()
    for texts in COMMAND_PHRASES.values():
        for phrase in texts:
            for words, _ in _expand(parse_phrase(phrase), slots):
                before = words[: words.index(mark)] if mark in words else words
                if before:
                    phrases.add(" ".join(before))
    return frozenset(phrases)


def commands_within(text: str) -> list[str]:
    """The command phrases said word for word within `text`, longest first ("hey stop" holds
    "stop"; "stopwatch" holds none)."""
    words = normalize(text).split()
    runs = {" ".join(words[start:end]) for start in range(len(words))
            for end in range(start + 1, len(words) + 1)}
    return sorted(runs & command_phrases(), key=lambda run: (-len(run), run))


def without_accents(text: str) -> str:
    """Latin letters without their accents ("hüfte" -> "hufte", "café" -> "cafe"): what an
    English recogniser can pronounce and prints. Other scripts (Hangul) come back unchanged."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def normalize(text: str) -> str:
    """Lower-case words only, as recognisers print them and as the sentence table stores them."""
    text = without_accents(text.lower().replace("\u2019", "'"))
    return " ".join(re.sub(r"[^\w' ]+|[\d_]+", " ", text).split())


@dataclass(frozen=True)
class Sentence:
    text: str
    intent: Intent
    slots: tuple[tuple[str, str], ...]
    addressed: bool = False  # begins with the wake word


def _jsgf(node: Node) -> str:
    match node:
        case Word(text):
            return text
        case SlotRef(name):
            return f"<{name}>"
        case Optional_(inner):
            return f"[{_jsgf(inner)}]"
        case Alternatives(options):
            return "(" + " | ".join(_jsgf(option) for option in options) + ")"
        case Sequence_(items):
            return "(" + " ".join(_jsgf(item) for item in items) + ")"
    raise GrammarError(f"cannot write {node!r} as JSGF")  # pragma: no cover


def _described(sentence: Sentence) -> str:
    values = ", ".join(f"{name} {value!r}" for name, value in sentence.slots)
    return f"{sentence.intent} ({values})" if values else str(sentence.intent)


class CommandGrammar:
    """Every sentence the coach understands, each with its intent and slot values."""

    def __init__(
        self,
        phrases: Mapping[Intent, Sequence[str]],
        slots: Mapping[str, Mapping[str, str]],
        wake_word: str | None = None,
        *,
        add_wake_phrases: bool = True,
    ) -> None:
        """`wake_word`: the commands that make sense while no session runs can also be said
        after it ("coach start glutes"); such sentences parse as `addressed`.
        `add_wake_phrases=False`: `phrases` already hold the wake-prefixed ones."""
        self.wake_word = normalize(wake_word) if wake_word else None
        self._phrases = {intent: list(texts) for intent, texts in phrases.items()}
        if self.wake_word and add_wake_phrases:
            for intent in WAKE_INTENTS & self._phrases.keys():
                self._phrases[intent] += [f"{self.wake_word} {p}" for p in self._phrases[intent]]
        self._slots = {name: dict(values) for name, values in slots.items()}
        self._sentences: dict[str, Sentence] = {}
        wake = f"{self.wake_word} " if self.wake_word else None
        for intent, intent_phrases in self._phrases.items():
            for phrase in intent_phrases:
                for words, filled in _expand(parse_phrase(phrase), slots):
                    text = " ".join(words)
                    addressed = wake is not None and text.startswith(wake)
                    self._add(Sentence(text, intent, filled, addressed))
        # With a wake word, it may be heard on its own: people pause after it ("coach ...
        # start glutes"). It is no command (`parse` gives None); the listener remembers it.
        self._wake_alone = self.wake_word if self.wake_word and any(
            intent in WAKE_INTENTS for intent in self._phrases) else None
        prefixes = {
            " ".join(words[:cut])
            for words in (text.split() for text in self._sentences)
            for cut in range(1, len(words))
        }
        self._unextendable = frozenset(self._sentences.keys() - prefixes)

    @classmethod
    def for_routines(cls, aliases: Mapping[str, Iterable[str]],
                     wake_word: str | None = None) -> CommandGrammar:
        """The standard grammar, with each routine reachable by its name and its aliases.

        `aliases` maps a routine's name (e.g. "glutes-roller") to its spoken aliases.
        """
        routine_slot: dict[str, str] = {}
        for name, spoken in aliases.items():
            for phrase in [name.replace("-", " "), *spoken]:
                owner = routine_slot.setdefault(normalize(phrase), name)
                if owner != name:
                    raise GrammarError(
                        f"{phrase!r} names both routine {owner!r} and routine {name!r}"
                    )
        return cls(
            COMMAND_PHRASES,
            {"routine": routine_slot, "side": SIDE_SLOT, "voice_change": VOICE_SLOT},
            wake_word,
        )

    def _add(self, sentence: Sentence) -> None:
        existing = self._sentences.get(sentence.text)
        if existing and existing != sentence:
            raise GrammarError(
                f"{sentence.text!r} would mean both {_described(existing)} and "
                f"{_described(sentence)}"
            )
        self._sentences[sentence.text] = sentence
        if len(self._sentences) > MAX_SENTENCES:
            raise GrammarError(f"the grammar expands to more than {MAX_SENTENCES} sentences")

    def narrowed(self, vocabulary: Vocabulary) -> CommandGrammar:
        """Only the sentences of `vocabulary`'s intents: what a recogniser listens for in one
        state. With the wake word, the sentences without it stay too: a grammar of wake-word
        sentences alone would hear "start quick" as "coach start quick"; kept, it is heard as
        what it is, and the engine leaves it alone (`Command.addressed`)."""
        phrases = {intent: texts for intent, texts in self._phrases.items()
                   if intent in vocabulary.intents}
        return CommandGrammar(phrases, self._slots, self.wake_word, add_wake_phrases=False)

    def parse(self, text: str) -> Command | None:
        """The command `text` says, or None if it is not a command (then nothing should change)."""
        spoken = normalize(text)
        sentence = self._sentences.get(spoken)
        if sentence is None:
            wake = set(self.wake_word.split()) if self.wake_word else set()
            spoken = " ".join(w for w in spoken.split() if w not in _FILLER_WORDS - wake)
            sentence = self._sentences.get(spoken)
        if sentence is None:
            return None
        return Command(sentence.intent, dict(sentence.slots), text=sentence.text,
                       addressed=sentence.addressed)

    def wakes(self, text: str) -> bool:
        """True when `text` is the wake word alone, said before a pause."""
        return self._wake_alone is not None and normalize(text) == self._wake_alone

    def can_decide_early(self, text: str) -> bool:
        """True when `text` is a whole sentence that no longer sentence begins with: a
        recogniser's partial result saying it needs no end-of-utterance silence to be sure."""
        return normalize(text) in self._unextendable

    @property
    def sentences(self) -> list[str]:
        """Every sentence, sorted: the phrase list a recogniser is restricted to (the wake
        word alone included)."""
        return sorted([*self._sentences, *filter(None, [self._wake_alone])])

    def jsgf_rules(self, rule: str = "command") -> str:
        """JSGF rules for a recogniser: `<command>` (and one rule per slot), built from the same
        phrases as the parser. The caller adds the header and the public rule."""
        options = [
            _jsgf(parse_phrase(phrase))
            for texts in self._phrases.values()
            for phrase in texts
        ] + list(filter(None, [self._wake_alone]))
        lines = [f"<{rule}> = {' | '.join(options)};"]
        for name, values in self._slots.items():
            lines.append(f"<{name}> = {' | '.join(sorted(values))};")
        return "\n".join(lines) + "\n"

    @property
    def words(self) -> set[str]:
        return {word for sentence in self.sentences for word in sentence.split()}

    def sentences_for(self, intent: Intent) -> list[str]:
        return sorted(s.text for s in self._sentences.values() if s.intent is intent)

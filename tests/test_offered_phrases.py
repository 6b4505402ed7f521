"""Every phrase the user is told to say is a command: the README's "What you can say" table and
its quoted phrases, `voicecoach --help`, and the coach's own prompts (greeting, help, hints,
questions, the safety brief). The phrases are collected from where they are written, never
copied here, so a prompt or a README line that offers something the grammar lacks fails."""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import voicecoach
from voicecoach.cli.main import build_parser
from voicecoach.core import CommandGrammar, Intent, Say, SpeechFinished
from voicecoach.core.messages import Event, Precautions
from voicecoach.core.vocabulary import Vocabulary, VocabularyState, vocabulary_for
from voicecoach.library import Library, load_library

from .coach_driver import CoachDriver

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(voicecoach.__file__).resolve().parent
WAKE = "coach"
# Where the coach's spoken and printed prompts are written.
PROMPT_MODULES = ["core/phrasebook.py", "core/engine.py", "core/precautions.py", "core/faults.py",
                  "session/launch.py", "session/terminal.py", "session/wiring.py"]

# What each row of the README's table promises, by the start of its "and the coach" cell: one
# intent per group of phrases (groups are separated by " · ", phrases within one by " / ").
ROW_INTENTS: dict[str, list[Intent]] = {
    "starts that routine": [Intent.START],
    "stops talking at": [Intent.PAUSE],
    "says where you": [Intent.RESUME],
    "reads the current": [Intent.REPEAT],
    "starts the current": [Intent.RESTART],
    "moves to the": [Intent.NEXT, Intent.BACK],
    "gives each hold": [Intent.SLOWER, Intent.FASTER],
    "moves the pressure": [Intent.LIGHTER, Intent.FIRMER],
    "adds 30 seconds": [Intent.MORE_TIME],
    "step n of": [Intent.STATUS],
    "eases you to": [Intent.PAIN],
    "which side to": [Intent.SIDE],
    "what you can": [Intent.HELP, Intent.LIST, Intent.STOP],
    "changes the coach's": [Intent.VOICE],
    "reads the safety": [Intent.SAFETY],
    "answers the coach's": [Intent.YES, Intent.NO],
}
# Quoted in the README but not for the user to say: a cue of the coach's, a title, and the
# words the README names as not being commands. (The coach's whole sentences, quoted with
# their full stop or question mark, are checked for what they tell the user to say instead.)
NOT_SAID_BY_THE_USER = {
    "a little deeper now", "start", "wait", "list",
    "speech commands: a dataset for limited-vocabulary speech recognition",
}


@pytest.fixture(scope="module")
def grammar() -> CommandGrammar:
    return load_library().with_wake_word(WAKE).grammar


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def as_command(phrase: str) -> str:
    """A phrase as the user would say it: "start ..." with a routine's name."""
    return re.sub(r"\bstart \.\.\.", "start glutes", phrase)


# --- the README ------------------------------------------------------------------------------

def table_rows() -> Iterator[tuple[str, str]]:
    section = readme().split("## What you can say", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("say", "---"):
            yield cells[0], cells[1]


def test_the_readme_table_is_there() -> None:
    assert len(list(table_rows())) == len(ROW_INTENTS)


@pytest.mark.parametrize(("said", "does"), list(table_rows()))
def test_every_phrase_in_the_readme_table_does_what_its_row_says(
        grammar: CommandGrammar, said: str, does: str) -> None:
    promised = next((intents for start, intents in ROW_INTENTS.items()
                     if does.startswith(start)), None)
    assert promised is not None, f"a new row in the README's table: {does!r}; add it above"
    groups = said.split(" · ")
    assert len(groups) == len(promised), f"{said!r}: one group of phrases per thing it does"
    for group, intent in zip(groups, promised, strict=True):
        for phrase in group.split(" / "):
            command = grammar.parse(phrase)
            assert command is not None, f"the README offers {phrase!r}: not a command"
            assert command.intent is intent, f"{phrase!r} is {command.intent}, not {intent}"


def readme_quotes() -> list[str]:
    """Quoted phrases in the README's prose, and in the comments of its examples."""
    text = readme()
    comments = " ".join(re.findall(r"#[^\n]*", "".join(re.findall(r"```.*?```", text, re.S))))
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    prose = re.sub(r"`[^`]*`", "", re.sub(r"\n(?!\n)", " ", prose))
    quotes = re.findall(r"“([^”]+)”|\"([^\"]+)\"", prose + " " + comments)
    return sorted({" ".join((a or b).split()) for a, b in quotes})


def test_the_readme_quotes_phrases() -> None:
    assert {"start glutes", "that hurts", "coach, start glutes"} <= set(readme_quotes())


@pytest.mark.parametrize("phrase", readme_quotes())
def test_every_phrase_quoted_in_the_readme_is_a_command(grammar: CommandGrammar,
                                                         phrase: str) -> None:
    if phrase.lower() in NOT_SAID_BY_THE_USER:
        return
    if phrase.endswith((".", "?", "!")):  # the coach's words: what they offer must work
        for offer in offered(phrase, WAKE):
            assert grammar.parse(offer) is not None, (
                f"the README quotes the coach offering {offer!r}: not a command")
        return
    command = grammar.parse(as_command(phrase))
    assert command is not None, f"the README quotes {phrase!r} as said: not a command"
    if phrase.lower().startswith(f"{WAKE},"):
        assert command.addressed, phrase


# --- --help --------------------------------------------------------------------------------

def help_texts(parser: argparse.ArgumentParser) -> Iterator[str]:
    yield parser.description or ""
    for action in parser._actions:
        yield action.help or ""
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield from help_texts(command)


def test_every_phrase_quoted_in_the_help_is_a_command(grammar: CommandGrammar) -> None:
    quoted = [q for text in help_texts(build_parser()) for q in re.findall(r"“([^”]+)”", text)]
    assert "start ..." in quoted
    for phrase in quoted:
        assert grammar.parse(as_command(phrase)) is not None, phrase


# --- the coach's prompts ---------------------------------------------------------------------

def offered(text: str, wake_word: str | None = None) -> list[str]:
    """What a prompt tells the user to say: "Say resume to carry on, repeat to hear the step
    again, or stop to finish." -> resume, repeat, stop."""
    text = text.replace("“", "").replace("”", "").replace("e.g.", "for example")
    text = re.sub(r"\bstart,? and a routine(?: name)?", "start glutes", text)
    if wake_word:
        text = text.replace(f"{wake_word}, ", f"{wake_word} ")
    phrases = []
    for clause in re.findall(r"\bsay\s+([^.:;?!]+)", text, re.IGNORECASE):
        for item in re.split(r",\s*(?:or\s+)?|\s+or\s+", clause):
            item = re.sub(r"^(?:for example|say)\s+", "", item.strip())
            item = re.sub(r"\s+(?:to|when|at any time|if)\b.*$", "", item)
            if item:
                phrases.append(item)
    return phrases


def test_prompts_are_read_as_the_user_hears_them() -> None:
    assert offered("Say resume to carry on, repeat to hear the step again, or stop to "
                   "finish.") == ["resume", "repeat", "stop"]
    assert offered("Say start and a routine name, for example start glutes, or say list.") == [
        "start glutes", "start glutes", "list"]
    assert offered("Hello. Say coach, start, and a routine name.", WAKE) == ["coach start glutes"]


def prompt_literals() -> Iterator[tuple[str, str]]:
    """Every string in the prompt modules that tells the user to say something (an f-string's
    placeholders read as the wake word)."""
    for module in PROMPT_MODULES:
        tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.JoinedStr):
                text = "".join(part.value if isinstance(part, ast.Constant) else WAKE
                               for part in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.replace("{wake_word}", WAKE)  # a phrasebook template's slot
            else:
                continue
            if re.search(r"\bsay\s", text, re.IGNORECASE):
                yield module, text


def test_the_prompts_are_found() -> None:
    texts = " ".join(text for _, text in prompt_literals())
    assert "Say yes or no." in texts and "say that hurts" in texts and "Hello." in texts


@pytest.mark.parametrize(("module", "prompt"), list(prompt_literals()))
def test_every_phrase_a_prompt_offers_is_a_command(grammar: CommandGrammar, module: str,
                                                   prompt: str) -> None:
    for phrase in offered(prompt, WAKE):
        assert grammar.parse(phrase) is not None, f"{module} offers {phrase!r}: not a command"


class OfferRecorder(CoachDriver):
    """The driver, noting what the engine listens for right after each line it says."""

    def __init__(self, library: Library) -> None:
        super().__init__(library.routines)
        self.offers: list[tuple[str, Vocabulary]] = []

    def send(self, event: Event) -> list:  # type: ignore[type-arg]
        actions = self.engine.handle(event, self.now)
        self.offers += [(a.text, self.engine.vocabulary) for a in actions if isinstance(a, Say)]
        self.log.extend((self.now, action) for action in actions)
        if any(isinstance(action, Say) for action in actions):
            self.send(SpeechFinished())
        return actions


def test_every_phrase_the_coach_offers_works_in_the_state_it_offers_it(
        library: Library) -> None:
    coach = OfferRecorder(library)
    coach.send(Precautions(safety_brief=True))
    script = ["help", "list routines", "that hurts", "start glutes", "yes", "help", "pause",
              "help", "safety", "yes", "resume", "that hurts", "that hurts", "no",
              "start quick", "no", "status", "repeat", "stop"]
    for said in script:
        coach.hear(said)
        coach.advance(5)
    assert len(coach.offers) > len(script)
    heard: dict[Vocabulary, CommandGrammar] = {}
    for text, listening in coach.offers:
        hearing = heard.setdefault(listening, coach.grammar.narrowed(listening))
        for phrase in offered(text):
            assert hearing.parse(phrase) is not None, (
                f"the coach says {text!r} while listening as {listening.state}: "
                f"{phrase!r} is not heard then")


def test_the_greetings_offer_what_is_heard_between_sessions(grammar: CommandGrammar) -> None:
    from voicecoach.core.phrasebook import GREETING
    from voicecoach.session.wiring import greeting

    plain = CommandGrammar.for_routines({"glutes": ["glutes"]}).narrowed(
        vocabulary_for(VocabularyState.IDLE))
    assert offered(GREETING) and all(plain.parse(p) for p in offered(GREETING))
    idle = grammar.narrowed(vocabulary_for(VocabularyState.IDLE, wake_word=True))
    for phrase in offered(greeting(WAKE), WAKE):
        command = idle.parse(phrase)
        assert command is not None and command.addressed, phrase

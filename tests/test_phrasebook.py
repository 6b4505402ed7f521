"""The phrasebook holds every sentence the coach says that a routine does not: each renders with
its slots filled, each is said somewhere, and each is a plain sentence."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import voicecoach
from voicecoach.core import phrasebook
from voicecoach.core.messages import Device
from voicecoach.core.phrasebook import Fragment, Phrase
from voicecoach.core.routine import Pressure

PACKAGE = Path(voicecoach.__file__).parent


def _named_phrases() -> dict[str, Phrase]:
    found: dict[str, Phrase] = {}
    for name, value in vars(phrasebook).items():
        if isinstance(value, Phrase):
            found[name] = value
        elif isinstance(value, dict) and name.isupper():
            for key, entry in value.items():
                if isinstance(entry, Phrase):
                    found[f"{name}[{key}]"] = entry
    return found


PHRASES = _named_phrases()


@pytest.mark.parametrize("name", sorted(PHRASES))
def test_every_phrase_renders_with_its_slots_filled(name: str) -> None:
    phrase = PHRASES[name]
    said = phrase.say(**{slot: "SLOT" for slot in phrase.slots})
    assert "{" not in said and "}" not in said
    assert said.count("SLOT") >= len(phrase.slots)


@pytest.mark.parametrize("name", sorted(PHRASES))
def test_every_sentence_is_plain_and_ends_in_punctuation(name: str) -> None:
    phrase = PHRASES[name]
    said = phrase.say(**{slot: "word" for slot in phrase.slots})
    assert said == said.strip() and "  " not in said
    if not isinstance(phrase, Fragment):  # a fragment's full stop comes where it is used
        assert said.endswith((".", "?", "!")), said


def test_a_missing_or_unknown_slot_is_refused() -> None:
    step = Phrase("Step {number} of {total}.")
    assert step.say(number=1, total=3) == "Step 1 of 3."
    with pytest.raises(ValueError, match="missing slots \\['total'\\]"):
        step.say(number=1)
    with pytest.raises(ValueError, match="unknown slots \\['title'\\]"):
        step.say(number=1, total=3, title="Glutes")
    with pytest.raises(ValueError, match="unknown slots"):
        phrasebook.PAUSED.say(title="Glutes")


def _used_outside_the_phrasebook() -> set[str]:
    """Names taken from the phrasebook by the package: `phrases.NAME`, or imported by name
    (ruff refuses an import that is not used)."""
    used: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "phrasebook.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("phrasebook"):
                used |= {alias.name for alias in node.names}
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "phrases"):
                used.add(node.attr)
    return used


def test_every_phrase_is_said_somewhere_outside_the_phrasebook() -> None:
    tables = {name.split("[")[0] for name in PHRASES} | {"STRETCH_PULLS"}
    assert sorted(tables - _used_outside_the_phrasebook()) == []


def test_the_tables_cover_every_device_and_pressure() -> None:
    assert set(phrasebook.WHAT_WENT_WRONG) == {str(device) for device in Device}
    assert set(phrasebook.STRETCH_PULLS) == {str(level) for level in Pressure}

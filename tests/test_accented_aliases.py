"""Aliases with letters outside ASCII: kept as written where people read them, heard without
their accents, and refused with the reason when no English recogniser could say them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.core import Intent
from voicecoach.library import builtin_routines_dir, load_library


def routine_with_alias(folder: Path, alias: str) -> Path:
    """The built-in glutes routine, its first alias ("glutes") replaced by `alias`."""
    text = (builtin_routines_dir() / "glutes.yaml").read_text(encoding="utf-8")
    head, rest = text.split("aliases:\n  - glutes\n", 1)
    (folder / "glutes.yaml").write_text(f"{head}aliases:\n  - {alias}\n{rest}", encoding="utf-8")
    return folder


def voicecoach(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=60)


def test_an_accented_alias_is_listed_shown_and_heard(tmp_path: Path) -> None:
    folder = routine_with_alias(tmp_path, "hüfte")
    listed = voicecoach("list", "--json", "--routines", str(folder))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["aliases"][0] == "hüfte"
    shown = voicecoach("show", "hüfte", "--routines", str(folder))
    assert shown.returncode == 0 and shown.stdout.startswith("Glutes by hand"), shown.stderr
    phrases = voicecoach("phrases", "--routines", str(folder)).stdout.splitlines()
    assert "start hufte" in phrases and not any(" h fte" in p for p in phrases)


def test_the_grammar_hears_an_accented_alias_with_or_without_its_accent(tmp_path: Path) -> None:
    grammar = load_library([routine_with_alias(tmp_path, "Hüfte")]).grammar
    for said in ("start hüfte", "start hufte", "start HÜFTE"):
        command = grammar.parse(said)
        assert command is not None and command.intent is Intent.START, said
        assert command.slots == {"routine": "glutes"}


def test_an_alias_no_recogniser_can_say_is_refused_by_check_with_the_reason(
        tmp_path: Path) -> None:
    folder = routine_with_alias(tmp_path, "straße")
    checked = voicecoach("check", str(folder))
    assert checked.returncode == 1
    assert "alias 'straße'" in checked.stdout and "'ß'" in checked.stdout
    assert "letters a to z" in checked.stdout and "Traceback" not in checked.stderr


@pytest.mark.parametrize("word", ["안녕", "café"])
def test_accents_come_off_latin_letters_only(word: str) -> None:
    from voicecoach.core.grammar import without_accents

    assert without_accents(word) == {"안녕": "안녕", "café": "cafe"}[word]

"""Every problem a user can fix is one family: the command line catches `VoicecoachError` once
and prints its line, so a new kind of error needs no change there and never shows a
traceback."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from voicecoach.core.errors import VoicecoachError

cli_main = importlib.import_module("voicecoach.cli.main")  # the module, not its main()

PACKAGE = Path(__file__).resolve().parent.parent / "voicecoach"
BUILT_IN = {"Exception", "RuntimeError", "ValueError", "LookupError", "OSError", "KeyError",
            "TypeError"}
# Not problems a user fixes: a bug in the caller, and control flow between parts.
INTERNAL = {"VoicecoachError", "UnknownSession", "SessionLost", "SourceEnded"}


def error_roots() -> dict[str, str]:
    """Classes that derive straight from a built-in exception and not from the family."""
    roots: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {base.id for base in node.bases if isinstance(base, ast.Name)}
            if bases & BUILT_IN and "VoicecoachError" not in bases:
                roots[node.name] = str(path.relative_to(PACKAGE))
    return roots


def test_every_error_a_user_can_meet_is_one_of_the_family() -> None:
    outside = {name: where for name, where in error_roots().items() if name not in INTERNAL}
    assert outside == {}, "derive these from VoicecoachError (or name them internal here)"


class NewKindOfProblem(VoicecoachError):
    """One no part of the command line names."""


def test_a_new_kind_of_error_reaches_the_user_as_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def fails(args: object) -> None:
        raise NewKindOfProblem("the widget is missing", fix="install the widget")

    monkeypatch.setattr(cli_main, "_fill_from_settings", fails)
    assert cli_main.main(["list"]) == 1
    err = capsys.readouterr().err
    assert err == "voicecoach: the widget is missing: install the widget\n"


def test_an_error_keeps_the_built_in_kind_callers_catch() -> None:
    from voicecoach.core.grammar import GrammarError
    from voicecoach.library import UnknownRoutine

    assert issubclass(GrammarError, ValueError) and issubclass(GrammarError, VoicecoachError)
    assert issubclass(UnknownRoutine, LookupError)
    assert str(VoicecoachError("a cause")) == "a cause"

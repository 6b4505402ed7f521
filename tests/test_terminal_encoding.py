"""A terminal that is not UTF-8 (PYTHONIOENCODING=ascii, a latin-1 locale): every command prints
what it can show, with ASCII look-alikes for dashes, quotes and arrows, and never crashes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from voicecoach.cli.terminal_text import ERRORS


def voicecoach(encoding: str, *argv: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          env=env, timeout=60, check=False)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(("argv", "shows"), [
    (["list"], 'Routines - say "start" and a name'),
    (["config"], 'Settings - change with "voicecoach config set KEY VALUE"'),
    (["show", "glutes"], "light -> medium"),
    (["rehearse", "quick-hip"], "-- finished"),
    (["history"], "No sessions recorded yet"),
    (["serve", "--help"], 'wait for "start ...", coach'),
])
def test_a_terminal_that_is_not_utf8_gets_what_it_can_show(encoding: str, argv: list[str],
                                                           shows: str):
    result = voicecoach(encoding, *argv)
    assert result.returncode == 0, result.stderr.decode(encoding)
    assert b"Traceback" not in result.stderr
    shown = result.stdout.decode(encoding)  # nothing it cannot show was written
    assert shows in " ".join(shown.split())


def test_a_refusal_on_stderr_is_shown_too():
    result = voicecoach("ascii", "show", "\u2014elbows")
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert result.stderr.decode("ascii").startswith("voicecoach: no routine called '-elbows'")


def test_look_alikes_stand_in_and_anything_else_is_a_question_mark():
    assert "a \u2014 \u201cb\u201d \u2192 c \u2603".encode("ascii", ERRORS) == b'a - "b" -> c ?'

"""`voicecoach run --keyboard` as a new user meets it: what is typed shows in the panel as it is
typed, the panel says where commands come from, "quit" or "exit" or Ctrl-D leave, the way out
is written on the screen, and Ctrl-C says it stopped (exit 130, the session kept as
interrupted)."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import queue
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicecoach.core import Pressure, SessionState, Snapshot
from voicecoach.session.keyboard_input import KeyboardInput
from voicecoach.session.live import QUIT
from voicecoach.session.terminal import PanelView

RUN_KEYBOARD = [sys.executable, "-m", "voicecoach", "run", "--keyboard", "--mute"]


def heard_until_quit(library, typed: bytes) -> list[str]:  # type: ignore[no-untyped-def]
    read_end, write_end = os.pipe()
    os.write(write_end, typed)
    os.close(write_end)
    inbox: queue.Queue[object] = queue.Queue()
    keyboard = KeyboardInput(library.grammar, inbox.put, lambda entry: None, time.monotonic,
                             stdin=os.fdopen(read_end))
    keyboard.start()
    heard = []
    while (item := inbox.get(timeout=5)) is not QUIT:
        heard.append(item.command.intent.value)  # type: ignore[attr-defined]
    keyboard.close()
    return heard


@pytest.mark.parametrize("word", ["quit", "exit", "  Quit "])
def test_quit_or_exit_typed_leaves_and_nothing_after_it_is_heard(library, word: str):  # type: ignore[no-untyped-def]
    typed = f"start glutes\n{word}\npause\n".encode()
    assert heard_until_quit(library, typed) == ["start"]


def test_a_plain_keyboard_session_says_how_to_leave_and_quit_leaves_at_once():
    result = subprocess.run([*RUN_KEYBOARD, "--plain"], input="quit\n", capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert "type quit or press Ctrl-D to leave" in result.stderr
    assert "not a command" not in result.stdout


def test_ctrl_c_says_it_stopped_exits_130_and_keeps_the_session_as_interrupted(tmp_path: Path):
    history = tmp_path / "history.sqlite3"
    env = {**os.environ, "VOICECOACH_HISTORY": str(history)}
    process = subprocess.Popen([*RUN_KEYBOARD, "--plain", "quick"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("yes\n")  # the safety brief of a first session
    process.stdin.flush()
    while "step" not in (line := process.stdout.readline()).lower():  # a step has begun
        assert line, "the session ended before its first step"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=5)
    assert process.returncode == 130
    assert "voicecoach: stopped by Ctrl-C" in err
    shown = subprocess.run([sys.executable, "-m", "voicecoach", "history", "--json",
                            "--history", str(history)], capture_output=True, text=True,
                           timeout=30, check=True, env=env)
    assert [s["how_it_ended"] for s in json.loads(shown.stdout)] == ["interrupted"]


class Terminal:
    """The coach on a pseudo-terminal, 80 columns wide, as a user's terminal runs it."""

    def __init__(self, argv: list[str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 80, 0, 0))
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                        env={**os.environ, "TERM": "xterm"})
        os.close(slave)
        self.output = b""

    def read_until(self, wanted: bytes, seconds: float = 20.0) -> bool:
        end = time.monotonic() + seconds
        while wanted not in self.output and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the program ended
                    break
        return wanted in self.output

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def echoes(self) -> bool:
        return bool(termios.tcgetattr(self.master)[3] & termios.ECHO)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        os.close(self.master)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    opened = Terminal(RUN_KEYBOARD)
    yield opened
    opened.close()


def test_the_panel_shows_what_is_typed_as_it_is_typed(terminal: Terminal):
    assert terminal.read_until("⌨ keyboard".encode()), terminal.output[-2000:]
    # The hint is drawn below the header, possibly in a later write: wait for it, don't race it.
    assert terminal.read_until(b"type quit or press Ctrl-D to leave"), terminal.output[-2000:]
    assert b"listening" not in terminal.output  # no microphone is in use
    # The terminal's echo is off: its Enter would push the panel's border into the scroll-back.
    assert not terminal.echoes()
    terminal.type(b"sta")
    assert terminal.read_until(b"> sta"), "the keys typed are not shown before Enter"
    terminal.type(b"\x7fart quick\r")  # a backspace, then the rest of the line
    assert terminal.read_until("“start quick” → start".encode())
    terminal.type(b"quit\r")
    assert terminal.process.wait(timeout=5) == 0
    assert terminal.echoes()  # the terminal is given back as it was


def test_ctrl_d_on_an_empty_line_leaves(terminal: Terminal):
    # The hint is the panel's last line: once it is drawn, the keyboard is being read.
    assert terminal.read_until(b"type quit or press Ctrl-D to leave"), terminal.output[-2000:]
    terminal.type(b"\x04")
    assert terminal.process.wait(timeout=5) == 0


def render(view: PanelView, out: io.StringIO, snapshot: Snapshot) -> str:
    try:
        view.show(snapshot, False)
    finally:
        view.close()
    return " ".join(out.getvalue().split())


def test_the_panel_says_no_microphone_while_there_is_none():
    out = io.StringIO()
    view = PanelView(out)
    view.start()
    view.microphone(False)
    text = render(view, out, Snapshot(state=SessionState.IDLE))
    assert "no microphone" in text and "listening" not in text
    assert "Ctrl-C to leave" in text


def test_the_keyboard_panel_asks_to_type_and_says_how_to_leave():
    out = io.StringIO()
    view = PanelView(out, hearing="keyboard")
    view.start()
    view.typing("start gl")
    text = render(view, out, Snapshot(state=SessionState.IDLE))
    assert "Type “start” and a routine" in text and "> start gl" in text
    assert "type quit or press Ctrl-D to leave" in text


def test_a_line_not_understood_is_answered_with_what_to_type_there_and_then():
    process = subprocess.Popen([*RUN_KEYBOARD, "--plain", "--no-history"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None

    def typed(line: str, then: str) -> str:
        """Type `line`, and read the log until a line with `then` in it."""
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(line + "\n")
        process.stdin.flush()
        while then not in (shown := process.stdout.readline()):
            assert shown, f"the session ended before {then!r}"
        return shown

    try:
        idle = typed("banana", "banana")
        assert idle.endswith("you:   banana  [I didn't understand that. Type start and a "
                             "routine, for example start glutes; help lists all]\n")
        typed("start glutes", "Are you okay to continue")  # a first run: the safety brief
        asked = typed("banana", "banana")
        assert asked.endswith("[I didn't understand that. Type yes or no]\n")
        typed("yes", "-- instructing")
        running = typed("banana", "banana")
        assert running.endswith("[I didn't understand that. Type pause, next, that hurts or "
                                "stop; help lists all]\n")
        process.stdin.write("quit\n")
        process.stdin.close()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        assert process.stderr is not None
        process.stderr.close()


def a_step(seconds_left: float) -> Snapshot:
    return Snapshot(state=SessionState.HOLDING, routine_title="Glutes by hand", step_number=1,
                    step_count=4, step_title="Warm up", instruction="Glide slowly.",
                    pressure=Pressure.LIGHT, step_seconds_left=seconds_left,
                    step_seconds_total=60.0)


@pytest.mark.parametrize("columns", [30, 52, 80, 200])
def test_the_time_bar_has_a_line_of_its_own_at_any_width(columns: int):
    out = io.StringIO()
    view = PanelView(out, hearing="keyboard")
    view.start()
    view.console.width = columns
    view.last_heard = "“banana” → not understood"
    view.typing("pau")
    try:
        view.show(a_step(seconds_left=20.0), False)
    finally:
        view.close()
    lines = [line for line in out.getvalue().splitlines() if "━" in line]
    assert lines, out.getvalue()
    for line in lines:  # the bar alone between the panel's borders: nothing runs on after it
        inside = line.strip().strip("│").strip()
        assert set(inside) <= {"━", "╸", "╺", " "}, line
        assert len(inside) <= 50
    assert any(line.strip("│ ").startswith("typed:") for line in out.getvalue().splitlines())


def test_the_title_says_the_coach_prints_when_nothing_is_spoken():
    out = io.StringIO()
    view = PanelView(out, hearing="keyboard")
    view.start()
    text = render_showing(view, out, a_step(30.0), speaking=True, printing=True)
    assert "💬 printing" in text and "speaking" not in text


def render_showing(view: PanelView, out: io.StringIO, snapshot: Snapshot, *, speaking: bool,
                   printing: bool) -> str:
    try:
        view.show(snapshot, speaking, printing)
    finally:
        view.close()
    return " ".join(out.getvalue().split())


def test_a_muted_keyboard_session_says_printing_not_speaking(terminal: Terminal):
    assert terminal.read_until(b"type quit or press Ctrl-D to leave"), terminal.output[-2000:]
    terminal.type(b"start quick\r")
    assert terminal.read_until(b"asking"), terminal.output[-2000:]  # the safety question
    assert "💬 printing".encode() in terminal.output
    assert "🔊 speaking".encode() not in terminal.output  # --mute: nothing is spoken
    terminal.type(b"quit\r")
    assert terminal.process.wait(timeout=5) == 0

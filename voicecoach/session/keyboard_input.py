"""The keyboard as a live session's input, in place of the microphone: typed lines parsed
by the command grammar and posted to the session's inbox."""

from __future__ import annotations

import os
import select
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from ..core.grammar import CommandGrammar
from ..core.messages import Heard
from ..core.vocabulary import Vocabulary, VocabularyState
from .live import JOIN_S, QUIT
from .transcript import Entry

# Typed at the keyboard, these leave the program (as Ctrl-D does); they are not voice commands.
LEAVE_WORDS = frozenset({"quit", "exit"})
# What to type instead of a line not understood, by what the coach listens for at that moment.
# Typing is deliberate, unlike room talk the microphone hears: so it gets an answer.
TYPE_INSTEAD = {
    VocabularyState.IDLE: "start and a routine, for example start glutes; help lists all",
    VocabularyState.ASKED: "yes or no",
    VocabularyState.PAUSED: "resume, repeat, that hurts or stop; help lists all",
}
TYPE_WHILE_RUNNING = "pause, next, that hurts or stop; help lists all"
CTRL_D, CTRL_U, ESCAPE, BACKSPACES = "\x04", "\x15", "\x1b", ("\x7f", "\x08")


class KeyboardInput:
    """Typed commands, for trying the coach without speaking (and for silent rooms).

    With `typing` and a terminal, keys are read one by one (echo off) and the line so far is
    handed to `typing` as it grows, so that a panel redrawn four times a second shows it: the
    terminal's own echo would be drawn over, and its Enter would push the panel's top border
    into the scroll-back. Piped input is read a line at a time. `start()` sets the terminal's
    mode and starts reading; `close()` stops, joins and gives the terminal its mode back."""

    def __init__(self, grammar: CommandGrammar, post: Callable[[object], None],
                 note: Callable[[Entry], None], clock: Callable[[], float],
                 stdin: TextIO = sys.stdin, typing: Callable[[str], None] | None = None) -> None:
        self._grammar, self._post, self._note, self._clock = grammar, post, note, clock
        self._stdin = stdin
        self._typing = typing
        self._vocabulary_state = VocabularyState.IDLE  # set by the main loop (listen_for)
        self._line, self._in_escape = "", False
        self._saved_mode: list[Any] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._typing is not None and os.isatty(self._stdin.fileno()):
            import termios
            import tty

            self._saved_mode = termios.tcgetattr(self._stdin.fileno())
            tty.setcbreak(self._stdin.fileno())  # Ctrl-C still signals: ISIG stays on
        self._thread = threading.Thread(target=self._run, name="keyboard", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # Read the file descriptor itself: a buffered readline() would swallow the lines that
        # came with the first one (commands piped in), and select() would never see them again.
        import codecs

        fd, pending = self._stdin.fileno(), b""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                break  # end of input: the session ends
            if self._saved_mode is not None:
                if not self._keys(decoder.decode(chunk)):
                    break
                continue
            *lines, pending = (pending + chunk).split(b"\n")
            if not all(self._typed(line.decode("utf-8", errors="replace")) for line in lines):
                break
        self._post(QUIT)

    def _keys(self, text: str) -> bool:
        """Keys pressed, kept as the line being typed; False once the user leaves."""
        for char in text:
            if self._in_escape:  # an arrow or function key: ESC [ A, ESC O P, ESC [ 3 ~
                self._in_escape = not (char.isalpha() or char == "~")
            elif char in "\r\n":
                line, self._line = self._line, ""
                if not self._typed(line):
                    return False
            elif char == CTRL_D and not self._line:
                return False
            elif char in BACKSPACES:
                self._line = self._line[:-1]
            elif char == CTRL_U:
                self._line = ""
            elif char == ESCAPE:
                self._in_escape = True
            elif char.isprintable():
                self._line += char
            assert self._typing is not None
            self._typing(self._line)
        return True

    def _typed(self, line: str) -> bool:
        """One line typed; False when it asks to leave."""
        if line.strip().lower() in LEAVE_WORDS:
            return False
        command = self._grammar.parse(line)
        detail: dict[str, Any] = {"intent": command.intent.value if command else None}
        if command is None and line.strip():
            instead = TYPE_INSTEAD.get(self._vocabulary_state, TYPE_WHILE_RUNNING)
            detail["hint"] = f"I didn't understand that. Type {instead}"
        self._note(Entry(self._clock(), "you", line.strip(), detail))
        if command is not None:
            self._post(Heard(command, typed=True))
        return True

    def listen_for(self, vocabulary: Vocabulary) -> None:
        """What the coach listens for now (from the main loop): what a hint suggests."""
        self._vocabulary_state = vocabulary.state

    def close(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=JOIN_S)
        if self._saved_mode is not None:
            import termios

            termios.tcsetattr(self._stdin.fileno(), termios.TCSADRAIN, self._saved_mode)
            self._saved_mode = None

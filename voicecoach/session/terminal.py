"""The terminal: keeping stray library prints off it, and showing the session on it."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console, Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from ..core import wording
from ..core.messages import SessionState, Snapshot
from .transcript import Entry


@contextlib.contextmanager
def protected_stdout() -> Iterator[TextIO]:
    """A handle on the real terminal, while anything else printed to stdout (pyttsx3 announces
    every file it saves) goes to /dev/null. Works at the file-descriptor level, so prints from C
    libraries are caught too."""
    sys.stdout.flush()
    saved = os.dup(1)
    # In the terminal's own encoding: what it cannot show is replaced as main() arranged.
    terminal = os.fdopen(os.dup(saved), "w", buffering=1,
                         encoding=getattr(sys.stdout, "encoding", None) or "utf-8",
                         errors=getattr(sys.stdout, "errors", None) or "replace")
    devnull = os.open(os.devnull, os.O_WRONLY)
    previous = sys.stdout
    try:
        os.dup2(devnull, 1)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - closed below
        yield terminal
    finally:
        sys.stdout.close()
        sys.stdout = previous
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
        terminal.close()


class PlainView:
    """A log of lines: what was said, heard and done."""

    def __init__(self, out: TextIO, as_json: bool = False) -> None:
        self.out = out
        self.as_json = as_json

    def entry(self, entry: Entry) -> None:
        if self.as_json:
            import json

            print(json.dumps(entry.as_json()), file=self.out, flush=True)
        else:
            print(entry.as_line(), file=self.out, flush=True)

    def show(self, snapshot: Snapshot, speaking: bool, printing: bool = False) -> None:
        pass

    def microphone(self, present: bool) -> None:
        pass  # the log has the device notes

    def start(self) -> None:
        pass  # each line is printed as it comes: nothing to start

    def close(self) -> None:
        pass


# Where commands come from, as the panel's title says it.
INPUTS = {"microphone": "👂 microphone", "keyboard": "⌨ keyboard", "none": "🔇 no microphone"}
SPEAKING = "🔊 speaking"  # while the coach's voice plays
PRINTING = "💬 printing"  # --mute, no speech engine, or no loudspeaker: nothing is heard
BAR_WIDTH = 50  # at most; less on a narrow terminal


class PanelView:
    """A panel readable from across the room: routine, step, instruction, pressure, a bar of
    the time left, what was last heard, where commands come from (the microphone, the keyboard,
    or none while the microphone is away), whether the coach is speaking, and how to leave.
    At the keyboard it shows the line being typed (`typing`). It takes the terminal over from
    `start()` until `close()`."""

    def __init__(self, out: TextIO, wake_word: str | None = None,
                 hearing: str = "microphone") -> None:
        self.console = Console(file=out)
        self.last_heard = "—"
        self.wake_word = wake_word  # between sessions, commands count only after it
        self.hearing = hearing  # a key of INPUTS
        self.typed = ""
        self._last: tuple[Snapshot, bool, bool] | None = None
        self._lock = threading.Lock()  # the keyboard's thread redraws too
        from rich.live import Live

        # Refreshed by our own loop (no refresh thread of rich's to leave behind).
        self._live_view = Live(console=self.console, auto_refresh=False, transient=False)
        self._started = False

    def start(self) -> None:
        self._live_view.start()
        self._started = True

    def __enter__(self) -> PanelView:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def typing(self, line: str) -> None:
        """The line typed so far, drawn at once (not at the loop's next turn)."""
        self.typed = line
        if self._last is not None:
            self.show(*self._last)

    def microphone(self, present: bool) -> None:
        self.hearing = "microphone" if present else "none"

    def entry(self, entry: Entry) -> None:
        if entry.who == "you":
            self.last_heard = f"“{entry.text}” → {entry.meaning}"
        if entry.who in ("coach", "you"):
            self._live_view.console.print(entry.as_line())

    def show(self, snapshot: Snapshot, speaking: bool, printing: bool = False) -> None:
        """`speaking`: the coach is saying something now; `printing`: its lines are printed,
        not heard (then the title says so, whether or not a line is under way)."""
        with self._lock:
            self._last = (snapshot, speaking, printing)
            self._live_view.update(self._render(snapshot, speaking, printing), refresh=True)

    def _heard(self) -> Text:
        return Text(f"{'typed' if self.hearing == 'keyboard' else 'heard'}: {self.last_heard}")

    def _footer(self) -> list[Text]:
        if self.hearing == "keyboard":
            return [Text(f"> {self.typed}▌"),
                    Text("Enter sends it · type quit or press Ctrl-D to leave", style="dim")]
        return [Text("Ctrl-C to leave", style="dim")]

    def _render(self, snapshot: Snapshot, speaking: bool, printing: bool) -> Panel:
        voice = PRINTING if printing else SPEAKING if speaking else None
        mode = INPUTS[self.hearing] + (f" — {voice}" if voice else "")
        verb = "Type" if self.hearing == "keyboard" else "Say"
        if snapshot.routine_title is None:
            hint = f"{verb} “start” and a routine, e.g. “start glutes”."
            if self.wake_word:
                hint = (f"{verb} “{self.wake_word} start” and a routine, "
                        f"e.g. “{self.wake_word} start glutes”.")
            if snapshot.state is SessionState.ASKING:
                hint = f"{verb} “yes” or “no”."
            body = Group(Text(hint, style="bold"), self._heard(),
                         *self._footer())
            return Panel(body, title=f"voicecoach — {snapshot.state} — {mode}")
        left = snapshot.step_seconds_left
        total = snapshot.step_seconds_total or 1.0
        # A bar alone on its line, at most BAR_WIDTH: a fixed-width bar does not end its line,
        # and what followed it ran on after it ("━━━━━typed: ...").
        bar = Table.grid()
        bar.add_column(max_width=BAR_WIDTH)
        bar.add_row(ProgressBar(total=total, completed=total - (left or 0.0), width=None))
        side = f" — {snapshot.side} side" if snapshot.side else ""
        timing = f"{wording.duration(left)} left" if left is not None else ""
        body = Group(
            Text(f"Step {snapshot.step_number} of {snapshot.step_count}: "
                 f"{snapshot.step_title}{side}", style="bold"),
            Text(snapshot.instruction or ""),
            Text(f"pressure: {snapshot.pressure}   pace: x{snapshot.pace:.2f}   {timing}",
                 style="cyan"),
            bar,
            self._heard(),
            *self._footer(),
        )
        return Panel(body, title=f"{snapshot.routine_title} — {snapshot.state} — {mode}")

    def close(self) -> None:
        if self._started:
            self._started = False
            self._live_view.stop()

"""The one family of errors a user can meet: each says, in one line, what is wrong and how to
fix it (a broken routine file, a missing model, a vanished microphone...).

The command line catches `VoicecoachError` once, prints its line and exits with status 1, so a
new kind of error needs no change there and never reaches the user as a traceback. Errors that
mean a bug, or that carry control flow between parts (a source that ended), stay outside it.
"""

from __future__ import annotations


class VoicecoachError(Exception):
    """`str(error)` is the line the user reads: the cause, then the fix. `fix` given apart is
    joined to the message after a colon."""

    def __init__(self, message: str = "", *, fix: str | None = None) -> None:
        self.fix = fix
        super().__init__(message if fix is None else f"{message}: {fix}")

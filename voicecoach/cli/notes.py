"""How the command line tells the user something beside its output: a line on stderr, or a
`UsageError` that `main` says in one line and exits on."""

from __future__ import annotations

import sys

from ..core.errors import VoicecoachError


def note(message: str) -> None:
    """`voicecoach: message` on stderr, at once (a session's progress must not wait in a buffer)."""
    print(f"voicecoach: {message}", file=sys.stderr, flush=True)


class UsageError(VoicecoachError):
    """A problem the user can fix, said in one line, with no traceback."""

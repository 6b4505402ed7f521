"""What every part of the soak shares: where it runs from, a private home for each voicecoach
child it starts, and its own lines on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
SHARED = Path(os.environ.get("VOICECOACH_SHARED", REPO.parent / "shared"))


def private_env(home: Path) -> dict[str, str]:
    """Settings, history and caches in `home`, never the user's; the safety brief accepted."""
    env = dict(os.environ)
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[variable] = str(home / variable.lower())
    settings = home / "settings.toml"
    settings.write_text("safety_brief_accepted = 2026-01-01T00:00:00Z\n", encoding="utf-8")
    # A history in the temporary folder, not --no-history: that reads the safety brief every
    # session (the demo's behaviour), and the history's writes belong in a soak.
    env.update(VOICECOACH_CONFIG=str(settings), VOICECOACH_HISTORY=str(home / "history.sqlite3"))
    return env


def log(message: str) -> None:
    print(f"soak: {message}", file=sys.stderr, flush=True)

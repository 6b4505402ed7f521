"""Which flag or setting gave an option its value, as the command line records it (`main` fills
`args.origins`); the `Origin` itself lives in `voicecoach/origins.py`, where the parts below can
name it in their messages."""

from __future__ import annotations

from ..origins import Origin


def typed(flag: str, metavar: str) -> Origin:
    """A value typed on the command line (or none at all: the flag is what would give one)."""
    return Origin(flag, metavar)


def origin_of(args: object, option: str) -> Origin | None:
    """Where the command line's `option` (argparse's name for it) came from; None when the
    command line was not filled in by `main` (a caller of its own: the flag is meant)."""
    origins = getattr(args, "origins", None) or {}
    origin = origins.get(option)
    return origin if isinstance(origin, Origin) else None

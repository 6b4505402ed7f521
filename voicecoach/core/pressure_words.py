"""Which words ask for more pressure (or, in a stretch, a stronger pull).

The coach promises to keep the pressure light after pain, and lower after "lighter", until the
user says "firmer". It can keep that promise only for the words it knows ask for more: a
routine's pressure ramp points, each tied to the level it raises the pressure to, which the
engine says only when the pressure may rise. A cue or an instruction is said whatever the
pressure is, so the routine format refuses one that asks for more (`asks_for_more`): such words
belong in the ramp. Pure: no I/O.

The words below are the ones the built-in routines use to ask for more, and the coach's own
("use medium pressure", "a strong pull"); tests check that every built-in ramp line is found.
A clause that says no ("never press harder", "don't lean in more") asks for nothing.
"""

from __future__ import annotations

import re

_ASKING = re.compile(
    r"""
    \b(?:deeper|harder|firmer|stronger)\b(?!\s+breaths?\b)   # "deeper", not "a deeper breath"
    | \bmore\s+(?:of\s+your\s+)?(?:pressure|weight|force|firmly|intensity)\b
    | \b(?:a\s+little|a\s+bit|slightly)\s+(?:more|closer|deeper|harder|firmer)\b
    | \b(?:lean|shift|sink|press|push|draw|pull)\w*\s+(?:forward|in|into|down|closer)
      \s+a\s+(?:little|bit)\b                                 # "lean forward a little"
    | \badd(?:s|ing)?\s+(?:some\s+|more\s+)?(?:weight|pressure)\b
    | \bincreas\w*\s+(?:the\s+)?(?:pressure|weight|intensity|stretch)\b
    | \b(?:medium|firm|moderate|strong)\s+(?:pressure|pull)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SAYS_NO = re.compile(r"\b(?:never|not|don't|dont|no)\b|n't\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:.!?]")


def asks_for_more(text: str) -> str | None:
    """The words in `text` that ask for more pressure, or None when it asks for none."""
    for clause in _CLAUSE_END.split(text.replace("\u2019", "'")):
        if _SAYS_NO.search(clause):
            continue
        found = _ASKING.search(clause)
        if found:
            return found.group(0)
    return None

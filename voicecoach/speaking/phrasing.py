"""Long lines cut into pieces a neural voice can say without holding the whole line in memory.

Piper's memory grows with the length of what it says at once: the safety brief's long middle
sentence (a list of "if ..." clauses) took the process from 159 to 489 MB, against 225 MB said
clause by clause (measured here with joe). Each piece ends in the voice's own short silence,
which reads as the comma it was cut at. Short sentences stay whole, for their intonation.
"""

from __future__ import annotations

import re

MAX_WORDS = 16  # the longest piece said at once, unless a clause alone is longer

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


def pieces(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """`text` as sentences, and sentences over `max_words` words as runs of whole clauses."""
    found: list[str] = []
    for sentence in filter(None, _SENTENCE_END.split(text.strip())):
        if len(sentence.split()) <= max_words:
            found.append(sentence)
            continue
        run: list[str] = []
        for clause in _CLAUSE_END.split(sentence):
            if run and len(" ".join([*run, clause]).split()) > max_words:
                found.append(" ".join(run))
                run = []
            run.append(clause)
        found.append(" ".join(run))
    return found

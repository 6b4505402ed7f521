"""The command line's numeric options, refused in the words their settings use: `type=`
functions made from the bounds in `voicecoach/limits.py`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..limits import Bound


def option_type(bound: Bound) -> Callable[[str], float]:
    """An argparse `type=` that refuses what the matching setting would refuse."""

    def parse(text: str) -> float:
        try:
            value: float = int(text) if bound.whole else float(text)
        except ValueError:
            kind = "a whole number" if bound.whole else "a number"
            raise argparse.ArgumentTypeError(f"must be {kind} (got {text})") from None
        problem = bound.problem(value, text)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    return parse

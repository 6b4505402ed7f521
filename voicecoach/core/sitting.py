"""What the coach keeps from one session to the next while it runs. Pure: no I/O, no threads,
no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .precautions import Precautions


@dataclass
class Sitting:
    """Shared by the command handlers, which ask about the precautions before a session
    starts, and the answers, which note them heard; the engine puts in fresh ones when the
    session runner sends them."""

    precautions: Precautions = field(default_factory=Precautions)


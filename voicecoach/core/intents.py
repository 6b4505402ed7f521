"""What the user can ask for: intents, and a recognised command (an intent with its slots)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Intent(StrEnum):
    """The same strings appear in the command grammar, logs and all JSON output."""

    START = "start"
    NEXT = "next"
    BACK = "back"
    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"
    RESTART = "restart"
    STOP = "stop"
    SLOWER = "slower"
    FASTER = "faster"
    LIGHTER = "lighter"
    FIRMER = "firmer"
    MORE_TIME = "more_time"
    STATUS = "status"
    HELP = "help"
    LIST = "list"
    PAIN = "pain"
    YES = "yes"
    NO = "no"
    SIDE = "side"
    VOICE = "voice"  # "speak slower/faster/louder/quieter": how the coach sounds
    SAFETY = "safety"  # hear the safety brief again


class VoiceChange(StrEnum):
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True)
class Command:
    """One understood utterance. `slots` hold e.g. {"routine": "glutes"} or {"side": "left"}."""

    intent: Intent
    slots: dict[str, str] = field(default_factory=dict)
    text: str = ""
    addressed: bool = False  # said after the wake word ("coach, start glutes")

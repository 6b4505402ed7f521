"""False commands in rooms where people talk but not to the coach: the talk room (someone
speaking about 30 % of the time) and the television room (80 %), each long enough to count
commands an hour, heard by every column (verified: while a step runs, and between sessions).

The rooms' speech: the held-out ordinary sentences in the held-out voices, the idle bench's
talk sentences in its voices, and the recorded other words (when --speech is given).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from ..audio.source import Samples
from ..audio.synthetic import Voice, synthesize
from ..core.vocabulary import VocabularyState, vocabulary_for
from ..hearing.decisions import hear
from ..hearing.listener import CommandListener
from . import idle_scenes
from .evaluation import Clip
from .idle_scenes import Scene

Tick = Callable[[], None]
ROOMS = ("talk", "tv")
VERIFIED_STATES = (VocabularyState.RUNNING, VocabularyState.IDLE)
MOST_HEARD_KEPT = 8  # what was taken for a command, for the reader (the first few)


@dataclass(frozen=True)
class RoomFigure:
    seconds: float
    speech_share: float
    commands: int  # decisions that were a command, though nobody spoke to the coach
    per_hour: float
    heard: list[str]  # the first few of them, as recognised

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def utterances(sentences: Sequence[str], voices: Sequence[Voice], talk_voices: Sequence[Voice],
               recorded_others: Sequence[Clip]) -> list[Samples]:
    spoken = [synthesize(text, voice) for text in sentences for voice in voices]
    return spoken + idle_scenes.talk_utterances(recorded_others, talk_voices)


def rooms(seconds: float, said: Sequence[Samples]) -> list[Scene]:
    level = idle_scenes.voice_level(synthesize("start glutes"))
    return [idle_scenes.talk_room(seconds, said, level, seed=11),
            idle_scenes.talk_room(seconds, said, level, idle_scenes.TV_SHARE, "tv", seed=12)]


def false_commands(listener: CommandListener, scenes: Sequence[Scene], tick: Tick,
                   state: VocabularyState | None = None) -> dict[str, dict[str, object]]:
    """Every room heard once by `listener`, in `state` (None: every command)."""
    listener.listen_for(None if state is None else vocabulary_for(state))
    result = {}
    for scene in scenes:
        heard = hear(listener, scene.audio)
        result[scene.name] = RoomFigure(
            scene.seconds, round(scene.speech_share, 3), len(heard),
            len(heard) * 3600 / scene.seconds,
            [decision.text for decision in heard[:MOST_HEARD_KEPT]]).as_json()
        tick()
    listener.listen_for(None)
    return result

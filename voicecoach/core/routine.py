"""The routine format: what a self-massage routine is, validated with pydantic.

A routine file is YAML; `voicecoach.library` parses it into these models. Every model forbids
unknown keys, so a misspelt field is an error that names the field instead of being ignored.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .grammar import without_accents
from .pressure_words import asks_for_more

# A routine's steps are held for seconds to minutes; a day-long hold is a typo, not a plan.
MAX_HOLD_SECONDS = 3600
MAX_REST_SECONDS = 600

# Routine names are typed on the command line and used as file names: keep them plain.
NAME_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Pressure(StrEnum):
    LIGHT = "light"
    MEDIUM = "medium"
    FIRM = "firm"

    @property
    def rank(self) -> int:
        """0 for light, 1 for medium, 2 for firm: the order of the levels."""
        return list(Pressure).index(self)

    def step(self, levels: int) -> Pressure:
        """The level `levels` steps up (positive) or down (negative), stopping at the ends."""
        order = list(Pressure)
        index = min(max(self.rank + levels, 0), len(order) - 1)
        return order[index]

    def at_most(self, ceiling: Pressure | None) -> Pressure:
        """This level, or `ceiling` if that is lower (None: no ceiling)."""
        return ceiling if ceiling is not None and ceiling.rank < self.rank else self


class Technique(StrEnum):
    EFFLEURAGE = "effleurage"  # long gliding strokes, warms the tissue
    KNEADING = "kneading"
    PETRISSAGE = "petrissage"  # lifting and squeezing
    CIRCULAR = "circular"  # small circles with fingertips or knuckles
    COMPRESSION = "compression"  # steady pressure on one spot
    ROLLING = "rolling"  # foam roller
    BALL = "ball"  # tennis or massage ball
    PERCUSSION = "percussion"  # massage gun
    STRETCH = "stretch"
    HEAT = "heat"
    ICE = "ice"
    BREATHING = "breathing"


class Tool(StrEnum):
    HANDS = "hands"
    FOAM_ROLLER = "foam roller"
    TENNIS_BALL = "tennis ball"
    MASSAGE_GUN = "massage gun"
    NONE = "none"
    HEAT_AND_ICE = "heat and ice"
    MIXED = "mixed"


class Area(StrEnum):
    GLUTES = "glutes"
    OUTER_HIP = "outer hip"
    HIP_FLEXORS = "hip flexors"
    QUADRICEPS = "quadriceps"
    PIRIFORMIS = "piriformis"
    ADDUCTORS = "adductors"
    HAMSTRINGS = "hamstrings"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Text = Annotated[str, Field(min_length=1, max_length=600)]
Seconds = Annotated[int, Field(ge=0, le=MAX_HOLD_SECONDS)]


class PressureChange(_Strict):
    """From `after_seconds` into the hold on, ask for `level`; `say` is how the coach asks for
    more, said only when the pressure rises (never while it is held light after pain)."""

    after_seconds: Annotated[int, Field(gt=0, le=MAX_HOLD_SECONDS)]
    level: Pressure
    say: Text | None = None


class PressurePlan(_Strict):
    """Start at `start` and ramp as the muscles relax ("gradually apply more pressure")."""

    start: Pressure = Pressure.LIGHT
    ramp: list[PressureChange] = Field(default_factory=list, max_length=10)

    @field_validator("ramp")
    @classmethod
    def _ramp_in_time_order(cls, ramp: list[PressureChange]) -> list[PressureChange]:
        times = [change.after_seconds for change in ramp]
        if times != sorted(set(times)):
            raise ValueError("ramp points must be in increasing order of after_seconds")
        return ramp

    def level_at(self, seconds_into_hold: float) -> Pressure:
        level = self.start
        for change in self.ramp:
            if change.after_seconds <= seconds_into_hold:
                level = change.level
        return level


class Cue(_Strict):
    """Something to say `at_seconds` into the hold, e.g. "switch to circular motions". Words
    that ask for more pressure belong in the pressure ramp, tied to a level."""

    at_seconds: Annotated[int, Field(gt=0, le=MAX_HOLD_SECONDS)]
    say: Text

    @field_validator("say")
    @classmethod
    def _asks_for_no_more_pressure(cls, say: str) -> str:
        # A cue is said whatever the pressure is, also after "that hurts"; only a ramp point,
        # tied to its level, can be left unsaid when the pressure must stay light.
        words = asks_for_more(say)
        if words:
            raise ValueError(
                f"{words!r} asks for more pressure, and a cue is said even when the pressure "
                "must stay light (after pain, or after lighter); move these words to the "
                "step's pressure ramp (after_seconds, level, say), which is said only when "
                "the pressure may rise"
            )
        return say


class Step(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=80)]
    instruction: Text
    hold_seconds: Annotated[int, Field(ge=5, le=MAX_HOLD_SECONDS)]
    technique: Technique
    pressure: PressurePlan = Field(default_factory=PressurePlan)
    cues: list[Cue] = Field(default_factory=list, max_length=20)
    rest_seconds: Annotated[int, Field(ge=0, le=MAX_REST_SECONDS)] = 0
    both_sides: bool = False
    # Which of the routine's areas this step works (empty: all of them); a pain report names it.
    areas: list[Area] = Field(default_factory=list, max_length=len(Area))

    @field_validator("instruction")
    @classmethod
    def _instruction_asks_for_no_more_pressure(cls, instruction: str) -> str:
        words = asks_for_more(instruction)
        if words:
            raise ValueError(
                f"{words!r} asks for more pressure, and the instruction is said even when the "
                "pressure must stay light (after pain, or after lighter); the coach says the "
                "level after it, and the step's pressure ramp (after_seconds, level, say) asks "
                "for more when it may"
            )
        return instruction

    @model_validator(mode="after")
    def _timings_fit_the_hold(self) -> Step:
        for change in self.pressure.ramp:
            if change.after_seconds >= self.hold_seconds:
                raise ValueError(
                    f"pressure change at {change.after_seconds}s is not inside the "
                    f"{self.hold_seconds}s hold"
                )
        for cue in self.cues:
            if cue.at_seconds >= self.hold_seconds:
                raise ValueError(
                    f"cue at {cue.at_seconds}s is not inside the {self.hold_seconds}s hold"
                )
        return self

    @property
    def sides(self) -> int:
        return 2 if self.both_sides else 1

    @property
    def total_seconds(self) -> int:
        """Hold on every side plus the rest after it."""
        return self.hold_seconds * self.sides + self.rest_seconds


def _spoken_phrase(text: str) -> str:
    """Aliases are spoken and matched against recogniser output: lower-case words only. They
    keep their accents ("hüfte" is listed and shown as written; the grammar hears "hufte"), and
    a letter that no English recogniser can say is refused, never silently dropped."""
    words = [w for w in re.sub(r"[^\w' ]+|[\d_]+", " ", text.lower()).split() if w.strip("'")]
    if not words:
        raise ValueError(f"alias {text!r} has no words")
    phrase = " ".join(words)
    unsayable = sorted({c for c in without_accents(phrase) if c not in _SPOKEN_LETTERS})
    if unsayable:
        letters = ", ".join(repr(c) for c in unsayable)
        raise ValueError(
            f"alias {text!r}: the speech recognisers are English and cannot hear {letters}; "
            "write the alias with the letters a to z as it sounds (e.g. 'strasse' for 'straße')"
        )
    return phrase


_SPOKEN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz' ")


class Routine(_Strict):
    name: Annotated[str, Field(pattern=NAME_PATTERN, max_length=40)]
    title: Annotated[str, Field(min_length=1, max_length=80)]
    aliases: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=12
    )
    areas: list[Area] = Field(min_length=1)
    tool: Tool
    introduction: Text
    safety: list[Text] = Field(default_factory=list, max_length=10)
    steps: list[Step] = Field(min_length=1, max_length=100)
    closing: Text | None = None

    @field_validator("aliases")
    @classmethod
    def _aliases_are_spoken_phrases(cls, aliases: list[str]) -> list[str]:
        phrases = [_spoken_phrase(alias) for alias in aliases]
        if len(set(phrases)) != len(phrases):
            raise ValueError("aliases repeat each other")
        return phrases

    @field_validator("steps")
    @classmethod
    def _no_rest_after_the_end(cls, steps: list[Step]) -> list[Step]:
        # The session ends after the last hold; a rest there would be silently skipped.
        if steps and steps[-1].rest_seconds:
            raise ValueError("the last step cannot have rest_seconds: the routine ends there")
        return steps

    @model_validator(mode="after")
    def _step_areas_belong_to_the_routine(self) -> Routine:
        for number, step in enumerate(self.steps, start=1):
            strays = [area.value for area in step.areas if area not in self.areas]
            if strays:
                raise ValueError(
                    f"step {number} ({step.title}) works {', '.join(strays)}, which is not in "
                    "the routine's areas"
                )
        return self

    @property
    def total_seconds(self) -> int:
        return sum(step.total_seconds for step in self.steps)

    @property
    def minutes(self) -> int:
        return max(1, round(self.total_seconds / 60))

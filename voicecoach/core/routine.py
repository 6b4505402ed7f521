"""The routine format: what a self-massage routine is, validated with pydantic.

A routine file is YAML; `voicecoach.library` parses it into these models. Every model forbids
unknown keys, so a misspelt field is an error that names the field instead of being ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import partial
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from .command_words import command_in_name
from .grammar import without_accents
from .pressure_words import asks_for_more

# A routine's steps are held for seconds to minutes; a day-long hold is a typo, not a plan.
MAX_HOLD_S = 3600
MAX_REST_S = 600

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
Seconds = Annotated[int, Field(ge=0, le=MAX_HOLD_S)]


class PressureChange(_Strict):
    """From `after_seconds` into the hold on, ask for `level`; `say` is how the coach asks for
    more, said only when the pressure rises (never while it is held light after pain)."""

    after_seconds: Annotated[int, Field(gt=0, le=MAX_HOLD_S)]
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


def _asking_for_no_more_pressure(text: str, which: str, fix: str) -> str:
    """`text` unchanged, or the reason it may not ask for more pressure: `which` says when it
    is said, `fix` where such words belong."""
    words = asks_for_more(text)
    if words:
        raise ValueError(
            f"{words!r} asks for more pressure, and {which} even when the pressure must stay "
            f"light (after pain, or after lighter); {fix}"
        )
    return text


class Cue(_Strict):
    """Something to say `at_seconds` into the hold, e.g. "switch to circular motions". Words
    that ask for more pressure belong in the pressure ramp, tied to a level."""

    at_seconds: Annotated[int, Field(gt=0, le=MAX_HOLD_S)]
    say: Text

    @field_validator("say")
    @classmethod
    def _asks_for_no_more_pressure(cls, say: str) -> str:
        # A cue is said whatever the pressure is, also after "that hurts"; only a ramp point,
        # tied to its level, can be left unsaid when the pressure must stay light.
        return _asking_for_no_more_pressure(
            say, "a cue is said",
            "move these words to the step's pressure ramp (after_seconds, level, say), which "
            "is said only when the pressure may rise")


class Step(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=80)]
    instruction: Text
    hold_seconds: Annotated[int, Field(ge=5, le=MAX_HOLD_S)]
    technique: Technique
    pressure: PressurePlan = Field(default_factory=PressurePlan)
    cues: list[Cue] = Field(default_factory=list, max_length=20)
    rest_seconds: Annotated[int, Field(ge=0, le=MAX_REST_S)] = 0
    both_sides: bool = False
    # Which of the routine's areas this step works (empty: all of them); a pain report names it.
    areas: list[Area] = Field(default_factory=list, max_length=len(Area))

    @field_validator("instruction")
    @classmethod
    def _instruction_asks_for_no_more_pressure(cls, instruction: str) -> str:
        return _asking_for_no_more_pressure(
            instruction, "the instruction is said",
            "the coach says the level after it, and the step's pressure ramp (after_seconds, "
            "level, say) asks for more when it may")

    @model_validator(mode="wrap")
    @classmethod
    def _timings_fit_the_hold(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return _with_findings(data, handler, _timings_outside_the_hold(data))

    @property
    def sides(self) -> int:
        return 2 if self.both_sides else 1

    @property
    def total_seconds(self) -> int:
        """Hold on every side plus the rest after it."""
        return self.hold_seconds * self.sides + self.rest_seconds


def _timings_outside_the_hold(step: object) -> list[Finding]:
    """Ramp points and cues the hold never reaches, each at its own field. Read from what the
    file gives, so a hold written too short is still compared (both mistakes are then named)."""
    hold = _whole_number(_given(step, "hold_seconds"))
    if hold is None:
        return []
    found: list[Finding] = []
    for number, change in enumerate(_listed(_given(_given(step, "pressure"), "ramp"))):
        after = _whole_number(_given(change, "after_seconds"))
        if after is not None and after >= hold:
            found.append((("pressure", "ramp", number, "after_seconds"),
                          f"pressure change at {after}s is not inside the {hold}s hold: make "
                          "it earlier, or the hold longer"))
    for number, cue in enumerate(_listed(_given(step, "cues"))):
        at = _whole_number(_given(cue, "at_seconds"))
        if at is not None and at >= hold:
            found.append((("cues", number, "at_seconds"),
                          f"cue at {at}s is not inside the {hold}s hold: make it earlier, or "
                          "the hold longer"))
    return found


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


def _not_a_command(phrase: str, called: str) -> str:
    """`phrase` (an alias, or a name said as words) if saying it after "start" says no command
    too; `called` is what it is ("alias", "name") in the fix."""
    found = command_in_name(phrase)
    if found is None:
        return phrase
    fix = f"choose another {called}"
    if found.said == found.sentence:
        raise ValueError(
            f"{found.sentence!r} is already the command {found.meaning}, so it cannot start a "
            f"routine; {fix}"
        )
    what = repr(phrase) if found.said == phrase else f"{phrase!r} holds {found.said!r}, which"
    raise ValueError(
        f"{what} is a command ({found.meaning}) that the coach listens for at any moment: in "
        f"{found.sentence!r} it could hear the command instead of the routine; {fix}"
    )


def _name_not_a_command(name: str) -> str:
    _not_a_command(name.replace("-", " "), "name")
    return name


Alias = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_spoken_phrase),
                  AfterValidator(partial(_not_a_command, called="alias"))]


class Routine(_Strict):
    name: Annotated[str, Field(pattern=NAME_PATTERN, max_length=40),
                    AfterValidator(_name_not_a_command)]
    title: Annotated[str, Field(min_length=1, max_length=80)]
    aliases: list[Alias] = Field(min_length=1, max_length=12)
    areas: list[Area] = Field(min_length=1)
    tool: Tool
    introduction: Text
    safety: list[Text] = Field(default_factory=list, max_length=10)
    steps: list[Step] = Field(min_length=1, max_length=100)
    closing: Text | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _parts_agree(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        found = [*_repeated_aliases(data), *_rest_after_the_end(data), *_stray_areas(data)]
        return _with_findings(data, handler, found)

    @property
    def total_seconds(self) -> int:
        return sum(step.total_seconds for step in self.steps)


def _repeated_aliases(routine: object) -> list[Finding]:
    """Each alias that says what an earlier one says ("Glutes" after "glutes"), at its line."""
    first: dict[str, int] = {}
    found: list[Finding] = []
    for number, alias in enumerate(_listed(_given(routine, "aliases"))):
        try:
            phrase = _spoken_phrase(alias) if isinstance(alias, str) else None
        except ValueError:  # named by the alias's own check
            phrase = None
        if phrase is None:
            continue
        if phrase in first:
            found.append((("aliases", number),
                          f"{alias!r} repeats aliases[{first[phrase]}]: leave one out"))
        first.setdefault(phrase, number)
    return found


def _rest_after_the_end(routine: object) -> list[Finding]:
    # The session ends after the last hold; a rest there would be silently skipped.
    steps = _listed(_given(routine, "steps"))
    if not steps or not _whole_number(_given(steps[-1], "rest_seconds")):
        return []
    return [(("steps", len(steps) - 1, "rest_seconds"),
             "the last step cannot have rest_seconds: the routine ends there; leave it out")]


def _stray_areas(routine: object) -> list[Finding]:
    """Step areas that the routine does not list (a pain report names the step's area). Only
    when the routine's own areas are all valid: a misspelt one is named on its own."""
    listed = [_area(area) for area in _listed(_given(routine, "areas"))]
    if not listed or None in listed:
        return []
    found: list[Finding] = []
    for number, step in enumerate(_listed(_given(routine, "steps"))):
        for index, given in enumerate(_listed(_given(step, "areas"))):
            area = _area(given)
            if area is not None and area not in listed:
                areas = ", ".join(str(area) for area in listed)
                found.append((("steps", number, "areas", index),
                              f"{area} is not one of the routine's areas ({areas}): add it "
                              "there, or leave it out here"))
    return found


def _area(value: object) -> Area | None:
    return Area(value) if isinstance(value, str) and value in _AREAS else None


_AREAS = frozenset(Area)


# --- every mistake at once -----------------------------------------------------------------------
# pydantic checks a model's parts together only once every field is valid, so a cue outside its
# hold would wait for a misspelt tool to be fixed. These checks read what the file gives, however
# much of it is valid, and each names its own field, so one `voicecoach check` names them all.

Location = tuple[int | str, ...]
Finding = tuple[Location, str]  # where (inside the model checked) and what is wrong there

_WHOLE_NUMBER = TypeAdapter(int)
Model = TypeVar("Model", bound=BaseModel)


def _given(data: object, key: str) -> object:
    """One field as given: from the mapping being validated, or from a model already made."""
    if isinstance(data, Mapping):
        return data.get(key)
    if isinstance(data, BaseModel):
        return getattr(data, key, None)
    return None


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _whole_number(value: object) -> int | None:
    """`value` as the whole number its field would take, or None if it is none."""
    if value is None:
        return None
    try:
        return _WHOLE_NUMBER.validate_python(value)
    except ValidationError:
        return None


def _with_findings(data: object, handler: Callable[[object], Model],
                   found: list[Finding]) -> Model:
    """The model `handler` makes of `data`, unless it or `found` have problems: then all of
    them, in one error (a finding where pydantic already found a mistake is left out)."""
    # The errors are pydantic_core's InitErrorDetails, written as plain dicts: the core
    # imports pydantic alone.
    errors: list[Any]
    try:
        model = handler(data)
    except ValidationError as exc:
        if not found:
            raise
        errors = [_as_raised(error) for error in exc.errors()]
        title = exc.title
    else:
        if not found:
            return model
        errors, title = [], type(model).__name__
    taken = {error["loc"] for error in errors}
    errors += [{"type": "value_error", "loc": location, "input": None, "ctx": {"error": message}}
               for location, message in found if location not in taken]
    raise ValidationError.from_exception_data(title, errors)


def _as_raised(error: Mapping[str, Any]) -> dict[str, Any]:
    """A pydantic error as found, in the form that raises it again."""
    return {key: error[key] for key in ("type", "loc", "input", "ctx") if key in error}

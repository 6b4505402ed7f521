"""The pressure the coach asks for: the routine's plan, raised by the user's "firmer", held
down by "lighter" and by pain; and how to ask for a level. Pure: no I/O, no threads, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import phrasebook as phrases
from .routine import Pressure, Step, Technique

PRESSURE_OFFSET_BOUNDS = (-2, 2)

UNPRESSED_TECHNIQUES = (Technique.HEAT, Technique.ICE, Technique.BREATHING)


class PressureChoices:
    """What the user has said about pressure in one session, and the level it makes of the
    plan at any moment of a hold."""

    def __init__(self) -> None:
        self.offset = 0  # the user's lighter and firmer, summed: for the history
        self._levels_above_plan = 0  # "firmer" than the plan asks
        # The most the coach may ask for until the user says "firmer": light after pain in
        # a session the user carries on with, the level the user chose with "lighter".
        self._ceiling: Pressure | None = None
        self._light_steps: set[int] = set()  # steps that hurt: light to their end

    @property
    def held_light(self) -> bool:
        """Whether the coach asks for no more than light pressure until the user says
        "firmer"."""
        return self._ceiling is Pressure.LIGHT

    def hold_light(self) -> None:
        self._ceiling = Pressure.LIGHT

    def light_after_pain(self, step_index: int) -> bool:
        return step_index in self._light_steps

    def at(self, step: Step, step_index: int, seconds_into_hold: float) -> Pressure:
        if step_index in self._light_steps:
            return Pressure.LIGHT
        return self.planned_at(step, seconds_into_hold).at_most(self._ceiling)

    def planned_at(self, step: Step, seconds_into_hold: float) -> Pressure:
        """The routine's plan, raised by the user's "firmer", before any ceiling."""
        return step.pressure.level_at(seconds_into_hold).step(self._levels_above_plan)

    def choose(self, chosen: Pressure, step: Step, step_index: int,
               seconds_into_hold: float) -> None:
        """The user's "lighter" or "firmer" asked for `chosen`, one level from now. From then
        on the coach asks for no more than the user chose: no ramp point pushes the pressure
        back up after "lighter" or after pain, and only "firmer" lifts that ceiling."""
        before = self.at(step, step_index, seconds_into_hold)
        lighter = chosen.rank < before.rank
        low, high = PRESSURE_OFFSET_BOUNDS
        self.offset = int(min(max(self.offset + (-1 if lighter else 1), low), high))
        ceiling = self._ceiling
        held_down = self.planned_at(step, seconds_into_hold).rank > before.rank
        if lighter or held_down:
            self._ceiling = chosen
        else:  # firmer than the plan itself
            self._levels_above_plan += 1
            if ceiling is not None:
                self._ceiling = max(ceiling, chosen, key=lambda level: level.rank)

    def after_pain(self, step_indexes: Iterable[int], *, hurt_again: bool) -> None:
        """Light for the rest of the steps that hurt. Hurt again: whether the user stops or
        carries on gently, the pressure stays light for the rest of the session, until they
        say "firmer" themselves."""
        self._light_steps.update(step_indexes)
        if hurt_again:
            self._ceiling = Pressure.LIGHT


def pressure_words(step: Step, level: Pressure) -> str:
    """How to ask for a level: stretches have intensity, heat and ice have none."""
    if step.technique in UNPRESSED_TECHNIQUES:
        return ""
    if step.technique is Technique.STRETCH:
        return phrases.STRETCH_TO.say(pull=phrases.STRETCH_PULLS[level])
    return phrases.USE_PRESSURE.say(level=level)

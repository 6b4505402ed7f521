"""pydantic's findings about a routine file, in the words of the person who wrote the file.

"String should match pattern '^[a-z0-9]+...'" means nothing to someone writing YAML; "use
lower-case letters, digits and dashes, e.g. glutes-roller" does. Only the wording lives here:
where each problem is (`path:line: field`) is the loader's business.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .core.routine import Cue, PressureChange, PressurePlan, Routine, Step

# What one of each model is called in a sentence.
_CALLED: dict[type[BaseModel] | None, str] = {Routine: "a routine", Step: "a step", Cue: "a cue",
           PressureChange: "a pressure change", PressurePlan: "pressure"}
# What the items of each list are called, and what the first one would be.
_ITEMS = {
    "steps": ("steps", "a routine needs at least one step"),
    "aliases": ("aliases", "give at least one spoken name, e.g. glutes"),
    "areas": ("areas", "name at least one area, e.g. glutes"),
    "safety": ("safety notes", "give at least one safety note"),
    "cues": ("cues", "give at least one cue"),
    "ramp": ("pressure changes", "give at least one pressure change"),
}
_SPECIFIC = {
    ("name", "string_pattern_mismatch"): "use lower-case letters, digits and dashes, "
                                         "e.g. glutes-roller",
}


def in_user_words(error: ErrorDetails) -> str:
    """One pydantic error as a short sentence (without the field name, which the loader adds)."""
    location = error["loc"]
    field = next((str(key) for key in reversed(location) if isinstance(key, str)), "routine")
    kind, ctx = error["type"], error.get("ctx") or {}
    got = f" (got {_shown(error.get('input'))})"
    specific = _SPECIFIC.get((field, kind))
    if specific is not None:
        return f"{specific}{got}"
    unit = " seconds" if field.endswith("_seconds") else ""
    if kind == "missing":
        owner = _CALLED.get(_model_at(location[:-1]), "it")
        return f"missing: {_every(owner)} needs one; add `{field}: ...`"
    if kind == "extra_forbidden":
        return _not_a_field(location)
    if kind == "too_short":
        return _ITEMS.get(field, (None, f"give at least {ctx.get('min_length')}"))[1]
    if kind == "too_long":
        items = _ITEMS.get(field, ("items",))[0]
        return f"at most {ctx.get('max_length')} {items} (this has {ctx.get('actual_length')})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        length = len(error["input"]) if isinstance(error.get("input"), str) else "more"
        return f"at most {ctx.get('max_length')} characters (this has {length})"
    if kind in ("string_type", "string_pattern_mismatch"):
        return f"must be text{got}" if kind == "string_type" else f"{error['msg']}{got}"
    if kind == "enum":
        return _one_of(str(ctx.get("expected", "")), error.get("input"))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number of seconds, e.g. 30{got}" if unit else (
            f"must be a whole number{got}")
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)}{unit}{got}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false{got}"
    if kind == "list_type":
        return f"must be a list, one `- ` line per item{got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        owner = _CALLED.get(_model_at(location), "it")
        return f"{owner} is a set of `field: value` lines{got}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    message = error["msg"]
    return f"{message[:1].lower()}{message[1:]}{got}"


def _every(owner: str) -> str:
    return "every" + owner[1:] if owner.startswith("a ") else owner


def _not_a_field(location: Sequence[int | str]) -> str:
    model = _model_at(location[:-1])
    fields = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(str(location[-1]), fields, n=1) if fields else []
    hint = f" (did you mean {close[0]}?)" if close else ""
    owner = _CALLED.get(model, "this") if model is not None else "this"
    return f"not a field of {owner}{hint}; its fields are: {', '.join(fields)}"


def _one_of(expected: str, given: object) -> str:
    choices = re.findall(r"'([^']*)'", expected)
    close = difflib.get_close_matches(str(given), choices, n=1) if choices else []
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"must be one of {', '.join(choices)} (got {_shown(given)}){hint}"


def _model_at(location: Sequence[int | str]) -> type[BaseModel] | None:
    """The model that the value at `location` in a routine is (None: not a model)."""
    model: type[BaseModel] | None = Routine
    for key in location:
        if model is None:
            return None
        if isinstance(key, int):
            continue  # an item of a list: the list's own type already named its model
        field = model.model_fields.get(key)
        model = _model_in(field.annotation) if field is not None else None
    return model


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model inside `list[Step]`, `Step | None` or `Annotated[...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return f"a number of {len(str(abs(value)))} digits"  # quoted, it would fill the line
    return str(value).lower() if isinstance(value, bool) else str(value)

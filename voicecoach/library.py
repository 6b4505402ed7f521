"""Routine files: YAML in, validated `Routine` models out, and every failure as one
`RoutineError` that names the file, the line and the field.

A routine file is data only: it is read with PyYAML's safe loader (no Python objects), anchors
and aliases are refused (they let a small file expand into an enormous one), and its size and
nesting are bounded before anything is built from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .core.grammar import CommandGrammar, GrammarError
from .core.routine import Routine

MAX_FILE_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 32


class UnknownRoutine(LookupError):
    """A routine asked for by a name or alias that no routine has."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no routine called {name!r}. Known routines: {', '.join(known)}")


class RoutineError(Exception):
    """A routine file that cannot be used, with where and why, as `path:line: message`."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line
        self.message = message


def builtin_routines_dir() -> Path:
    """The library shipped in the wheel, or the project's routines/ in a source checkout."""
    packaged = Path(str(resources.files("voicecoach"))) / "routines"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "routines"


def routine_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus the *.yaml and *.yml files of folders named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            found.append(path)
    return found


def _check_shape(root: yaml.Node, path: Path) -> None:
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            raise RoutineError(path, line, "anchors and aliases (& and *) are not allowed")
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise RoutineError(path, line, f"nested more than {MAX_DEPTH} levels deep")
        if len(seen) > MAX_NODES:
            raise RoutineError(path, line, f"more than {MAX_NODES} values; is this a routine?")
        if isinstance(node, yaml.MappingNode):
            stack.extend((part, depth + 1) for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)


def _compose(text: str, path: Path) -> yaml.Node:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise RoutineError(path, line, f"not valid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise RoutineError(path, 1, f"not valid YAML: {exc}") from exc
    if root is None:
        raise RoutineError(path, 1, "the file is empty")
    _check_shape(root, path)
    return root


def _line_of(root: yaml.Node, location: Sequence[int | str]) -> int:
    """The line of the deepest node that `location` (a pydantic error's loc) reaches."""
    node = root
    for key in location:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            child = node.value[key] if 0 <= key < len(node.value) else None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _field_name(location: Sequence[int | str]) -> str:
    name = ""
    for key in location:
        name += f"[{key}]" if isinstance(key, int) else (f".{key}" if name else str(key))
    return name or "routine"


def load_routine(path: Path) -> Routine:
    """Read and validate one routine file. Raises RoutineError, never anything else."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RoutineError(path, 1, f"larger than {MAX_FILE_BYTES // 1024} KiB")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RoutineError(path, 1, "not a text file (it is not UTF-8)") from exc
    except OSError as exc:
        raise RoutineError(path, 1, f"cannot read it: {exc.strerror or exc}") from exc
    root = _compose(text, path)
    try:
        data: Any = yaml.load(text, Loader=yaml.SafeLoader)  # shape already checked above
    except (yaml.YAMLError, RecursionError) as exc:  # pragma: no cover - compose caught these
        raise RoutineError(path, 1, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RoutineError(path, 1, "a routine must be a mapping of fields (name: ..., steps: ...)")
    try:
        routine = Routine.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = first["loc"]
        raise RoutineError(
            path, _line_of(root, location), f"{_field_name(location)}: {first['msg']}"
        ) from exc
    if path.stem != routine.name:
        raise RoutineError(
            path, _line_of(root, ["name"]), f"name: {routine.name!r} must match the file name"
        )
    return routine


@dataclass(frozen=True)
class Library:
    """Routines by name, in a stable order, with the command grammar they make together."""

    routines: dict[str, Routine]
    grammar: CommandGrammar

    def find(self, name_or_alias: str) -> Routine | None:
        if name_or_alias in self.routines:
            return self.routines[name_or_alias]
        command = self.grammar.parse(f"start {name_or_alias}")
        routine_name = command.slots.get("routine") if command else None
        return self.routines.get(routine_name or "")

    def with_wake_word(self, wake_word: str | None) -> Library:
        """The same routines, with commands that can be said after `wake_word`."""
        if not wake_word:
            return self
        aliases = {r.name: r.aliases for r in self.routines.values()}
        return replace(self, grammar=CommandGrammar.for_routines(aliases, wake_word))

    def require(self, name_or_alias: str) -> Routine:
        routine = self.find(name_or_alias)
        if routine is None:
            raise UnknownRoutine(name_or_alias, list(self.routines))
        return routine


def check_routines(paths: Iterable[Path]) -> tuple[list[Routine], list[RoutineError]]:
    """Load every file, collecting all problems instead of stopping at the first."""
    routines: list[Routine] = []
    errors: list[RoutineError] = []
    owners: dict[str, Path] = {}
    for path in routine_files(paths):
        try:
            routine = load_routine(path)
        except RoutineError as error:
            errors.append(error)
            continue
        if routine.name in owners:
            other = owners[routine.name]
            errors.append(RoutineError(path, 1, f"name: {routine.name!r} is also {other}"))
            continue
        owners[routine.name] = path
        routines.append(routine)
    try:
        CommandGrammar.for_routines({r.name: r.aliases for r in routines})
    except GrammarError as exc:
        errors.append(RoutineError(_path_for_grammar_error(exc, owners), 1, f"aliases: {exc}"))
    return routines, errors


def _path_for_grammar_error(error: GrammarError, owners: dict[str, Path]) -> Path | str:
    for name, path in owners.items():
        if repr(name) in str(error):
            return path
    return "routines"


def load_library(paths: Iterable[Path] | None = None) -> Library:
    """The routines at `paths` (default: the built-in library). Raises the first RoutineError."""
    routines, errors = check_routines(paths or [builtin_routines_dir()])
    if errors:
        raise errors[0]
    if not routines:
        raise RoutineError(", ".join(map(str, paths or [])) or "routines", 1, "no routines found")
    by_name = {routine.name: routine for routine in routines}
    grammar = CommandGrammar.for_routines({r.name: r.aliases for r in routines})
    return Library(routines=by_name, grammar=grammar)

"""Routine files: YAML in, validated `Routine` models out, and every failure as one
`RoutineError` that names the file, the line and the field.

A routine file is data only: it is read with PyYAML's safe loader (no Python objects), tags,
anchors and aliases are refused (tags pick constructors; aliases let a small file expand into an
enormous one), and its size, nesting and value lengths are bounded before anything is built
from it. Only regular files are read, so a pipe or a device can never make the loader wait.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.reader import ReaderError

from .core.errors import VoicecoachError
from .core.grammar import CommandGrammar, GrammarError, normalize
from .core.routine import Routine
from .routine_messages import in_user_words

MAX_FILE_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 32
# Longer than any field allows (600 characters), and short enough that a number written in it
# is built quickly: Python refuses decimal ints over 4300 digits, and base-60 ones are quadratic.
MAX_VALUE_CHARS = 4000
# Messages quote the file (keys, titles, tags): they stay one short, printable line.
MAX_MESSAGE_CHARS = 300


class UnknownRoutine(VoicecoachError, LookupError):
    """A routine asked for by a name or alias that no routine has."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no routine called {name!r}. Known routines: {', '.join(known)}")


class RoutineError(VoicecoachError):
    """A routine file that cannot be used, with where and why, as `path:line: message`."""

    def __init__(self, path: Path | str, line: int, message: str,
                 also: Sequence[RoutineError] = ()) -> None:
        message = _one_line(message)
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line
        self.message = message
        # A file with several mistakes reads as its first; `check` lists every one.
        self.problems: tuple[RoutineError, ...] = (self, *also)


def _one_line(message: str) -> str:
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def first_problem_per_file(problems: Iterable[RoutineError], note: str = "") -> list[str]:
    """One line per file, its first problem, for commands other than `check` (which lists
    them all): a folder with a broken file says so once, not once per mistake."""
    by_file: dict[str, list[RoutineError]] = {}
    for problem in problems:
        by_file.setdefault(problem.path, []).append(problem)
    lines = []
    for path, found in by_file.items():
        more = len(found) - 1
        notes = [note] if note else []
        if more:
            notes.append(f"{more} more problem{'s' if more > 1 else ''}: voicecoach check {path}")
        lines.append(f"{found[0]} ({'; '.join(notes)})" if notes else str(found[0]))
    return lines


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


# Plain values that PyYAML's safe loader gives a meaning of their own instead of a string.
_SPECIAL_PLAIN_VALUES = {
    "<<": "merge keys (<<) are not allowed",
    "=": "a bare = means something special in YAML: put it in quotes",
}


def _check_events(text: str, path: Path) -> None:
    """Refuse what a routine never needs before any node is built (building nodes recurses,
    so a deeply nested file must be stopped here, on the flat event stream)."""
    depth = nodes = documents = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise RoutineError(path, line, "more than one YAML document (---) in the file")
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if not isinstance(event, yaml.NodeEvent):
            continue
        nodes += 1
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            raise RoutineError(path, line, "anchors and aliases (& and *) are not allowed")
        tag = event.tag if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent) else None
        if tag is not None:
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            message = f"not valid YAML for a routine: tags (here {tag}) are not allowed"
            raise RoutineError(path, line, message)
        if isinstance(event, yaml.ScalarEvent):
            if event.implicit[0] and event.value in _SPECIAL_PLAIN_VALUES:
                raise RoutineError(path, line, _SPECIAL_PLAIN_VALUES[event.value])
            if len(event.value) > MAX_VALUE_CHARS:
                raise RoutineError(path, line, f"a value longer than {MAX_VALUE_CHARS} characters")
        if depth > MAX_DEPTH:
            raise RoutineError(path, line, f"nested more than {MAX_DEPTH} levels deep")
        if nodes > MAX_NODES:
            raise RoutineError(path, line, f"more than {MAX_NODES} values; is this a routine?")


def _check_nodes(root: yaml.Node, path: Path) -> None:
    """What PyYAML would pass over, or fail on without a line: a key given twice (the last
    would silently win) and a date that does not exist."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if (key.tag, key.value) in seen:
                        line = key.start_mark.line + 1
                        raise RoutineError(path, line, f"{key.value} is given twice")
                    seen.add((key.tag, key.value))
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(node)
            except ValueError as exc:
                line = node.start_mark.line + 1
                raise RoutineError(path, line, f"{node.value} is not a real date: {exc}") from exc


def _yaml_error(exc: yaml.YAMLError, text: str, path: Path) -> RoutineError:
    """PyYAML's own message spans several lines and quotes the file: keep its one-line core."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return RoutineError(path, line, f"not valid YAML: {exc.problem or exc.context}")
    if isinstance(exc, ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return RoutineError(
            path, line, f"not valid YAML: character #x{exc.character:04x} is not allowed"
        )
    return RoutineError(path, 1, f"not valid YAML: {exc}")  # pragma: no cover - all are above


def _compose(text: str, path: Path) -> yaml.Node:
    try:
        _check_events(text, path)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, path) from exc
    if root is None:
        raise RoutineError(path, 1, "the file is empty")
    _check_nodes(root, path)
    return root


def _open_without_waiting(name: str, flags: int) -> int:
    return os.open(name, flags | getattr(os, "O_NONBLOCK", 0))  # a pipe would wait for a writer


def _read_text(path: Path) -> str:
    """At most MAX_FILE_BYTES of a regular file, decoded. A pipe or a device is refused, so a
    routine path can never keep the coach waiting or reading forever."""
    too_large = f"larger than {MAX_FILE_BYTES // 1024} KiB"
    try:
        with open(path, "rb", opener=_open_without_waiting) as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise RoutineError(path, 1, "not a regular file (a pipe, socket or device?)")
            if status.st_size > MAX_FILE_BYTES:
                raise RoutineError(path, 1, too_large)
            data = file.read(MAX_FILE_BYTES + 1)  # bounded: the file may grow, or lie
    except OSError as exc:
        raise RoutineError(path, 1, f"cannot read it: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError(path, 1, too_large)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RoutineError(path, line, "not a text file (it is not UTF-8)") from exc


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
    return _load(path)[0]


def _load(path: Path) -> tuple[Routine, yaml.Node]:
    """The routine in `path`, and its YAML nodes (for the lines of later findings)."""
    text = _read_text(path)
    root = _compose(text, path)
    try:
        data: Any = yaml.SafeLoader("").construct_document(root)  # the nodes checked above
    except yaml.YAMLError as exc:  # e.g. a list or a mapping used as a key
        raise _yaml_error(exc, text, path) from exc
    except (ValueError, ArithmeticError) as exc:  # pragma: no cover - int(), float(), date()
        raise RoutineError(path, 1, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RoutineError(path, 1, "a routine must be a mapping of fields (name: ..., steps: ...)")
    try:
        routine = Routine.model_validate(data)
    except ValidationError as exc:
        problems = _validation_problems(exc, root, path)
        name = data.get("name")
        if isinstance(name, str) and not any(e["loc"] == ("name",) for e in exc.errors()):
            problems.extend(_name_problems(name, root, path))
        problems.sort(key=lambda problem: problem.line)
        first = problems[0]
        raise RoutineError(path, first.line, first.message, also=problems[1:]) from exc
    name_problems = _name_problems(routine.name, root, path)
    if name_problems:
        raise name_problems[0]
    return routine, root


def _validation_problems(exc: ValidationError, root: yaml.Node, path: Path) -> list[RoutineError]:
    """Every mistake pydantic found, each at its own line, each said once."""
    problems: dict[tuple[int, str], RoutineError] = {}
    for error in exc.errors():
        location = error["loc"]
        line, message = _line_of(root, location), f"{_field_name(location)}: {in_user_words(error)}"
        problems.setdefault((line, message), RoutineError(path, line, message))
    return list(problems.values())


def _name_problems(name: str, root: yaml.Node, path: Path) -> list[RoutineError]:
    if path.stem == name:
        return []
    line = _line_of(root, ["name"])
    return [RoutineError(path, line, f"name: {name!r} must match the file name")]


@dataclass(frozen=True)
class Library:
    """Routines by name, in a stable order, with the command grammar they make together."""

    routines: dict[str, Routine]
    grammar: CommandGrammar
    # Problems in the files that were left out (`voicecoach check` says the same).
    skipped: tuple[RoutineError, ...] = ()

    def skipped_files(self) -> list[str]:
        """One line per file left out: its first problem, and how many more it has."""
        return first_problem_per_file(self.skipped, "this file is left out")

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
    """Load every file, collecting all problems instead of stopping at the first. A routine
    whose name or aliases clash with one loaded before it is refused, so the routines returned
    always make one grammar together. The built-in routines load first, whatever the order of
    `paths`: a file of one's own can never take "start glutes" from the library."""
    routines: list[Routine] = []
    errors: list[RoutineError] = []
    owners: dict[str, Path] = {}  # routine name -> its file
    spoken: dict[str, str] = {}  # a phrase said after "start" -> the routine it starts
    for path in _builtin_first(routine_files(paths)):
        try:
            routine, root = _load(path)
        except RoutineError as error:
            errors.extend(error.problems)
            continue
        clashes = _clashes(routine, root, path, owners, spoken)
        if not clashes:
            try:
                CommandGrammar.for_routines({r.name: r.aliases for r in [*routines, routine]})
            except GrammarError as exc:
                clashes = [RoutineError(path, _line_of(root, ["aliases"]), f"aliases: {exc}")]
        if clashes:
            errors.extend(clashes)
            continue
        owners[routine.name] = path
        spoken.update(dict.fromkeys(_phrases(routine).values(), routine.name))
        routines.append(routine)
    return routines, errors


def _is_builtin(path: Path) -> bool:
    return path.resolve().parent == builtin_routines_dir().resolve()


def _builtin_first(files: list[Path]) -> list[Path]:
    """`files` with the built-in library's first, each file once, the others in their order."""
    unique = list({path.resolve(): path for path in files}.values())
    return sorted(unique, key=lambda path: not _is_builtin(path))


def _phrases(routine: Routine) -> dict[tuple[str | int, ...], str]:
    """What can be said after "start" for `routine`, by the field that gives it."""
    phrases: dict[tuple[str | int, ...], str] = {
        ("name",): normalize(routine.name.replace("-", " "))}
    for number, alias in enumerate(routine.aliases):
        phrases[("aliases", number)] = normalize(alias)
    return phrases


def _clashes(routine: Routine, root: yaml.Node, path: Path, owners: Mapping[str, Path],
             spoken: Mapping[str, str]) -> list[RoutineError]:
    """The routine's name, and each phrase that starts it, that a routine loaded before already
    has: each at its own line, the other routine named (and said to be built in, if it is)."""

    def described(name: str) -> str:
        other = owners[name]
        return f"{'the built-in routine' if _is_builtin(other) else 'routine'} {name!r} ({other})"

    if routine.name in owners:
        message = (f"name: {routine.name!r} is already the name of {described(routine.name)}; "
                   "give this routine another name (and its file the same one)")
        return [RoutineError(path, _line_of(root, ["name"]), message)]
    problems: list[RoutineError] = []
    for location, phrase in _phrases(routine).items():
        owner = spoken.get(phrase)
        if owner is None or owner == routine.name:
            continue
        called = "name" if location == ("name",) else "alias"
        message = (f"{_field_name(location)}: 'start {phrase}' already starts "
                   f"{described(owner)}; choose another {called}")
        problems.append(RoutineError(path, _line_of(root, location), message))
    return problems


def load_library(paths: Iterable[Path] | None = None,
                 warn: Callable[[str], None] | None = None) -> Library:
    """The routines at `paths` (default: the built-in library). A file with problems is left
    out, kept in `Library.skipped` and told to `warn` (one line per file), so one bad file does
    not stop the others; when no routine can be used at all, that is the error (with every
    problem in it)."""
    named = list(paths or [])
    routines, errors = check_routines(named or [builtin_routines_dir()])
    if not routines:
        if errors:
            first = errors[0]
            raise RoutineError(first.path, first.line, first.message, also=errors[1:])
        raise RoutineError(", ".join(map(str, named)) or "routines", 1, "no routines found")
    by_name = {routine.name: routine for routine in routines}
    grammar = CommandGrammar.for_routines({r.name: r.aliases for r in routines})
    library = Library(routines=by_name, grammar=grammar, skipped=tuple(errors))
    if warn is not None:
        for line in library.skipped_files():
            warn(line)
    return library

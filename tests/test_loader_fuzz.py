"""Routine files under bad input: whatever a file holds (broken or hostile YAML, wrong types,
binary junk, bombs, enormous sizes, pipes and devices), loading it ends in a valid `Routine` or
in one `RoutineError` that reads `path:line: message` on one short line. Never another
exception, never a hang, and never a file opened or code run because a routine said so.

Hypothesis generates the inputs; the counts of the last run are written to
reliability-results/loader-fuzz.json for RELIABILITY.md."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.core import Routine
from voicecoach.library import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_MESSAGE_CHARS,
    RoutineError,
    builtin_routines_dir,
    check_routines,
    load_routine,
)

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "setitimer"), reason="the hang guard needs SIGALRM (POSIX)"
)

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "reliability-results" / "loader-fuzz.json"
SEEDS = {path.stem: path.read_text(encoding="utf-8")
         for path in sorted(builtin_routines_dir().glob("*.yaml"))}
SEED_DATA: dict[str, Any] = {name: yaml.safe_load(text) for name, text in SEEDS.items()}
SEED_NAMES = st.sampled_from(sorted(SEEDS))
EXAMPLES = int(os.environ.get("VOICECOACH_LOADER_FUZZ_EXAMPLES", "500"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)
HANG_S = 10.0  # the slowest legal input (a full 256 KiB file) loads in well under 1 s
CLI_S = 60.0
MAX_ERROR_CHARS = 500
YAML_LINE_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# What a routine must never make the loader do (Python audit events, matched by prefix).
FORBIDDEN_EVENTS = ("os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
                    "subprocess.", "ctypes.", "socket.", "urllib.", "os.listdir", "os.scandir",
                    "os.remove", "os.rename", "os.chmod", "shutil.")
MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")  # a lazy import may open these

outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
_audit_log: list[tuple[str, tuple[Any, ...]]] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _audit_log is not None:
        _audit_log.append((event, args))


sys.addaudithook(_audit)  # hooks cannot be removed; it records only inside `guarded`


class LoaderHang(BaseException):
    """Raised by SIGALRM inside the loader: a BaseException, so no `except` there catches it."""


@contextmanager
def deadline(seconds: float = HANG_S) -> Iterator[None]:
    """Fail, instead of waiting forever, if the body is still running after `seconds`."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise LoaderHang

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except LoaderHang:
        raise AssertionError(f"still busy after {seconds}s: the loader hangs") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def guarded(path: Path) -> Iterator[None]:
    """`deadline`, and fail if the body opens anything but `path` (or a Python module), or
    does anything that runs a program or touches other files."""
    global _audit_log
    events: list[tuple[str, tuple[Any, ...]]] = []
    _audit_log = events
    try:
        with deadline():
            yield
    finally:  # also when the loader raised, which is how most bad files end
        _audit_log = None
        for event, args in events:
            assert not event.startswith(FORBIDDEN_EVENTS), (event, args)
            if event == "open" and not isinstance(args[0], int):
                opened = os.fsdecode(args[0])
                assert opened == os.fspath(path) or opened.endswith(MODULE_SUFFIXES), opened


def assert_one_line_error(error: RoutineError, path: Path, data: bytes) -> None:
    text = str(error)
    match = re.fullmatch(rf"{re.escape(str(path))}:(\d+): (.+)", text)
    assert match, f"not `path:line: message`: {text!r}"
    assert len(text.splitlines()) == 1 and "Traceback" not in text, text
    assert len(text) < MAX_ERROR_CHARS, text
    lines = len(YAML_LINE_BREAKS.findall(data.decode("utf-8", errors="replace"))) + 1
    assert error.path == str(path) and 1 <= error.line == int(match[1]) <= lines, text


def load_or_explain(path: Path, data: bytes, strategy: str) -> Routine | RoutineError:
    """Write `data` to `path` and load it: a Routine, or a RoutineError of the right shape.
    Any other exception escapes and fails the test."""
    path.write_bytes(data)
    outcomes[strategy]["tried"] += 1
    try:
        with guarded(path):
            routine = load_routine(path)
    except RoutineError as error:
        assert_one_line_error(error, path, data)
        outcomes[strategy]["rejected"] += 1
        return error
    outcomes[strategy]["loaded"] += 1
    return routine


def refused(path: Path, data: bytes | None = None) -> RoutineError:
    """Load `path` (written first if `data` is given) and return the RoutineError it must give."""
    if data is None:
        outcomes["targeted"]["tried"] += 1
        with pytest.raises(RoutineError) as caught, guarded(path):
            load_routine(path)
        assert_one_line_error(caught.value, path, b"")
        outcomes["targeted"]["rejected"] += 1
        return caught.value
    outcome = load_or_explain(path, data, "targeted")
    assert isinstance(outcome, RoutineError), f"{path} loaded"
    return outcome


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_the_hang_guard_interrupts_a_blocked_open(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(AssertionError, match="still busy"), deadline(0.2):
        (tmp_path / "pipe").read_bytes()  # waits for a writer that never comes


def test_the_audit_guard_notices_another_file_opened_even_by_a_failing_load(
        tmp_path: Path) -> None:
    (tmp_path / "other").write_text("secret", encoding="utf-8")
    with pytest.raises(AssertionError, match="other"), guarded(tmp_path / "routine.yaml"):
        (tmp_path / "other").read_text(encoding="utf-8")
        raise RoutineError(tmp_path / "routine.yaml", 1, "refused after reading another file")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    if not outcomes:
        return
    strategies = {name: dict(sorted(counts.items())) for name, counts in sorted(outcomes.items())}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs_tried": sum(counts["tried"] for counts in outcomes.values()),
        "loaded": sum(counts["loaded"] for counts in outcomes.values()),
        "rejected": sum(counts["rejected"] for counts in outcomes.values()),
        "max_examples_per_strategy": EXAMPLES,
        "strategies": strategies,
    }, indent=2) + "\n", encoding="utf-8")


# --- (a) a real routine file, mutated ---------------------------------------------------------

# Characters that mean something to YAML, line breaks of every kind, and control characters.
YAML_CHARACTERS = st.sampled_from(
    list(":-[]{},#&*!|>'\"%@`?~=<\t\r\n \x00\x01\x1b\x7f\x85\xa0\u2028\u2029\ufeff\ufffe")
)
# Any character a file can hold: a routine file is UTF-8 on disk, and a lone surrogate
# (which Hypothesis draws by default) has no UTF-8 form at all.
FILE_CHARACTERS = st.characters(codec="utf-8")
CHARACTERS = st.one_of(YAML_CHARACTERS, FILE_CHARACTERS)
Mutation = Callable[[st.DrawFn, str], str]


def _position(draw: st.DrawFn, text: str) -> int:
    return draw(st.integers(0, len(text)))


def _line_edit(edit: Callable[[st.DrawFn, list[str], int], list[str]]) -> Mutation:
    def mutate(draw: st.DrawFn, text: str) -> str:
        lines = text.splitlines(keepends=True)
        if not lines:
            return text
        return "".join(edit(draw, lines, draw(st.integers(0, len(lines) - 1))))
    return mutate


def _swap(draw: st.DrawFn, lines: list[str], i: int) -> list[str]:
    j = draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return lines


def _reindent(draw: st.DrawFn, lines: list[str], i: int) -> list[str]:
    body = lines[i].lstrip(" \t")
    indent = lines[i][: len(lines[i]) - len(body)]
    lines[i] = draw(st.sampled_from(["", " ", "\t", indent + " ", indent[:-1], indent * 2])) + body
    return lines


# Plain values that YAML reads as something other than text, and starts of YAML syntax.
ODD_VALUES = st.sampled_from([
    "2024-02-30", "2001-12-14t21:59:43.10-25:00", "1:2:3", "0x1F", "0o17", "0b101", ".nan",
    "-.inf", "1e999", "~", "null", "yes", "off", "=", "<<", "9" * 5000, "1" + ":1" * 1000,
    "!!int x", "!!bool x", "!!timestamp x", "!!float x", "!!binary x", "!!set [a]", "&a x", "*a",
    "[", "{", "|", ">", "'", '"', "? x", "- x", "%", "@", "`", "[[[]]]", "{a: {b: {c: d}}}",
])


def _replace_value(draw: st.DrawFn, lines: list[str], i: int) -> list[str]:
    key, _, _ = lines[i].partition(":")
    lines[i] = f"{key}: {draw(ODD_VALUES)}\n"
    return lines


def _flip(draw: st.DrawFn, text: str) -> str:
    i = _position(draw, text)
    return text[:i] + draw(CHARACTERS) + text[i + 1:]


def _insert(draw: st.DrawFn, text: str) -> str:
    i = _position(draw, text)
    return text[:i] + draw(st.text(CHARACTERS, min_size=1, max_size=8)) + text[i:]


MUTATIONS: dict[str, Mutation] = {
    "delete a line": _line_edit(lambda draw, lines, i: lines[:i] + lines[i + 1:]),
    "duplicate a line": _line_edit(lambda draw, lines, i: lines[: i + 1] + lines[i:]),
    "swap two lines": _line_edit(_swap),
    "change indentation": _line_edit(_reindent),
    "replace a value": _line_edit(_replace_value),
    "flip a character": _flip,
    "insert characters": _insert,
    "truncate": lambda draw, text: text[: _position(draw, text)],
}


@st.composite
def mutated_routine(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(SEED_NAMES)
    text = SEEDS[name]
    for mutation in draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=4)):
        text = MUTATIONS[mutation](draw, text)
    return name, text


@FUZZ
@given(mutated_routine())
def test_a_mutated_routine_file_loads_or_names_its_line(scratch: Path,
                                                         case: tuple[str, str]) -> None:
    name, text = case
    load_or_explain(scratch / f"{name}.yaml", text.encode("utf-8"), "mutated routine")


# --- (b) well-formed YAML of the wrong shape ------------------------------------------------

WRONG_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(),  # floats include nan and inf
    st.sampled_from([10**100, -(10**100), 2**63, -1, 0, "", " ", "x" * 700, "light", "glutes",
                     "kneading", "hands", "../../etc/passwd", "{__import__('os')}"]),
    st.text(FILE_CHARACTERS, max_size=20),
)
WRONG_VALUES = st.recursive(
    WRONG_LEAVES,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(FILE_CHARACTERS, max_size=12), inner, max_size=4),
    max_leaves=12,
)


UNKNOWN_KEYS = st.one_of(
    st.text(FILE_CHARACTERS, max_size=20), st.none(), st.integers(), st.floats(), st.booleans(),
    st.sampled_from(["colour", "Name", "name ", "stepz", "a\nb", "\u2028", "x" * 400, "<<"]),
)


def _locations(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document, as the keys and indexes that lead there."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _locations(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _locations(child, (*prefix, index))


def _nested(draw: st.DrawFn, value: Any) -> Any:
    for _ in range(draw(st.integers(1, MAX_DEPTH * 2))):
        value = [value] if draw(st.booleans()) else {"steps": value}
    return value


@st.composite
def wrong_document(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(SEED_NAMES)
    document: Any = copy.deepcopy(SEED_DATA[name])
    for _ in range(draw(st.integers(1, 3))):
        location = draw(st.sampled_from(list(_locations(document))))
        edit = draw(st.sampled_from(["replace", "delete", "unknown key", "nest"]))
        parent: Any = document
        for key in location[:-1]:
            parent = parent[key]
        if not location:
            document = draw(WRONG_VALUES) if edit == "replace" else _nested(draw, document)
        elif edit == "replace":
            parent[location[-1]] = draw(WRONG_VALUES)
        elif edit == "delete":
            del parent[location[-1]]
        elif edit == "nest":
            parent[location[-1]] = _nested(draw, parent[location[-1]])
        elif isinstance(parent, dict):
            parent[draw(UNKNOWN_KEYS)] = draw(WRONG_VALUES)
    return name, yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@FUZZ
@given(wrong_document())
def test_valid_yaml_of_the_wrong_shape_loads_or_names_its_line(scratch: Path,
                                                        case: tuple[str, str]) -> None:
    name, text = case
    path = scratch / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    outcomes["wrong shape"]["tried"] += 1
    with guarded(path):
        routines, errors = check_routines([path])
    for error in errors:
        assert_one_line_error(error, path, text.encode("utf-8"))
    assert (routines or errors) and len(routines) <= 1
    outcomes["wrong shape"]["loaded" if routines and not errors else "rejected"] += 1


# --- (c) bytes that are not a routine at all -------------------------------------------------

BYTE_ORDER_MARKS = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                                    b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"])


@st.composite
def spliced_routine(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(SEED_NAMES)
    data = SEEDS[name].encode("utf-8")
    i = draw(st.integers(0, len(data)))
    return name, data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]


@st.composite
def re_encoded_routine(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(SEED_NAMES)
    text = SEEDS[name].replace("Lie", "Liè").replace("steps:", "# café\nsteps:")
    encoding = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-16-be", "utf-32",
                                     "utf-8-sig"]))
    return name, text.encode(encoding)


BINARY_JUNK = st.one_of(
    st.tuples(SEED_NAMES, st.binary(max_size=4096)),
    st.tuples(SEED_NAMES, st.builds(bytes.__add__, BYTE_ORDER_MARKS, st.binary(max_size=256))),
    st.tuples(SEED_NAMES,
              st.text(FILE_CHARACTERS, max_size=200).map(lambda text: text.encode("utf-8"))),
    spliced_routine(),
    re_encoded_routine(),
)


@FUZZ
@given(BINARY_JUNK)
def test_binary_junk_loads_or_names_its_line(scratch: Path, case: tuple[str, bytes]) -> None:
    name, data = case
    load_or_explain(scratch / f"{name}.yaml", data, "binary junk")


# --- targeted: bombs, nesting, sizes --------------------------------------------------------

# Nine levels of nine aliases each: a billion "lol"s from under a kilobyte.
BILLION_LAUGHS = "".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]\n"]
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi",
                                                                   strict=True)]
)


def test_a_billion_laughs_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    started = time.monotonic()
    error = refused(tmp_path / "bomb.yaml", BILLION_LAUGHS.encode())
    assert "anchors and aliases" in error.message and error.line == 1
    assert time.monotonic() - started < 2


def test_a_long_chain_of_aliases_is_refused(tmp_path: Path) -> None:
    chain = "k0: &k0 x\n" + "".join(f"k{i}: &k{i} [*k{i - 1}, *k{i - 1}]\n" for i in range(1, 5000))
    error = refused(tmp_path / "chain.yaml", chain.encode())
    assert "anchors and aliases" in error.message


def test_an_alias_without_its_own_anchor_is_refused_at_its_line(tmp_path: Path) -> None:
    text = SEEDS["glutes"].replace("tool: hands", "tool: *somewhere")
    error = refused(tmp_path / "glutes.yaml", text.encode())
    assert error.line == text.splitlines().index("tool: *somewhere") + 1


@pytest.mark.parametrize("text", [
    "[" * 10_000,
    "{a: " * 10_000,
    "- " * 10_000 + "x",
    "".join(f"{'  ' * level}a:\n" for level in range(400)),  # 400 levels fill ~160 KB
], ids=["flow lists", "flow maps", "block lists", "block maps"])
def test_thousands_of_levels_of_nesting_are_refused_without_recursing(tmp_path: Path,
                                                                      text: str) -> None:
    error = refused(tmp_path / "deep.yaml", text.encode())
    assert f"nested more than {MAX_DEPTH} levels deep" in error.message
    assert error.line == (1 if "\n" not in text else MAX_DEPTH + 1)


def test_nesting_at_the_limit_is_still_read(tmp_path: Path) -> None:
    levels = MAX_DEPTH - 1  # inside the top-level mapping
    error = refused(tmp_path / "glutes.yaml", b"a: " + b"[" * levels + b"]" * levels)
    assert "levels" not in error.message
    assert "name: missing: every routine needs one" in error.message


def test_a_fifty_megabyte_file_is_refused_by_size_before_parsing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:  # sparse: 50 MB on paper, nothing on disk
        file.truncate(50 * 1024 * 1024)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized file reached the YAML parser")

    monkeypatch.setattr(yaml, "parse", never)
    monkeypatch.setattr(yaml, "compose", never)
    started = time.monotonic()
    error = refused(path)
    assert "larger than 256 KiB" in error.message and error.line == 1
    assert time.monotonic() - started < 1


def test_a_huge_single_line_is_refused_quickly(tmp_path: Path) -> None:
    text = SEEDS["glutes"].replace("title: Glutes by hand", "title: " + "x" * 250_000)
    started = time.monotonic()
    error = refused(tmp_path / "glutes.yaml", text.encode()[:MAX_FILE_BYTES])
    assert error.line == 2 and "longer than" in error.message
    assert time.monotonic() - started < 2


def test_a_number_too_long_for_python_is_refused_not_crashed(tmp_path: Path) -> None:
    # Over int()'s 4300 digits; just under it; base 60 (quadratic to convert when long).
    for number, expected in [("9" * 5000, "longer than"), ("9" * 3999, "at most 3600 seconds"),
                             ("1" + ":1" * 1900, "at most 3600 seconds")]:
        text = SEEDS["glutes"].replace("hold_seconds: 60", f"hold_seconds: {number}", 1)
        assert expected in refused(tmp_path / "glutes.yaml", text.encode()).message


# --- targeted: a routine is data, never code and never another file ------------------------

@pytest.mark.parametrize("value", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!binary aGVsbG8=",
    "!include /etc/passwd",
    "!!str Glutes",
    "! Glutes",
])
def test_tags_are_refused_so_a_routine_cannot_run_code(tmp_path: Path, value: str) -> None:
    marker = tmp_path / "pwned"
    text = SEEDS["glutes"].replace("title: Glutes by hand", f"title: {value}")
    error = refused(tmp_path / "glutes.yaml", text.format(marker=marker).encode()
                    if "{marker}" in value else text.encode())
    assert "tags" in error.message and error.line == 2
    assert not marker.exists()


def test_a_tag_directive_cannot_smuggle_a_python_tag(tmp_path: Path) -> None:
    text = "%TAG !p! tag:yaml.org,2002:python/\n---\n" + SEEDS["glutes"].replace(
        "title: Glutes by hand", f"title: !p!object/apply:os.system ['touch {tmp_path}/pwned']")
    error = refused(tmp_path / "glutes.yaml", text.encode())
    assert "tags" in error.message and error.line == 4
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("merge", ["<<: {title: Merged}\n", "<<: *base\n", "title: <<\n"])
def test_merge_keys_are_refused(tmp_path: Path, merge: str) -> None:
    text = SEEDS["glutes"].replace("title: Glutes by hand\n", merge)
    error = refused(tmp_path / "glutes.yaml", text.encode())
    assert error.message == "merge keys (<<) are not allowed" and error.line == 2


def test_paths_and_code_in_routine_text_stay_text(tmp_path: Path) -> None:
    sneaky = {"title": "../../etc/passwd", "introduction": "{__import__('os').system('id')}",
              "closing": "$(cat /etc/shadow) `id` ${HOME} %(x)s"}
    document = copy.deepcopy(SEED_DATA["glutes"]) | sneaky
    document["steps"][0]["instruction"] = "/etc/passwd"
    data = yaml.safe_dump(document, sort_keys=False).encode()
    routine = load_or_explain(tmp_path / "glutes.yaml", data, "targeted")  # guarded: no opens
    assert isinstance(routine, Routine)
    assert (routine.title, routine.introduction, routine.closing) == tuple(sneaky.values())
    assert routine.steps[0].instruction == "/etc/passwd"


def test_a_symlink_to_another_file_is_read_as_routine_text_and_refused(tmp_path: Path) -> None:
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd here")
    link = tmp_path / "passwd.yaml"
    link.symlink_to("/etc/passwd")
    error = refused(link)  # the guard allows opening the link, and nothing else
    assert "root:" not in str(error)


def test_multiple_documents_are_refused_at_the_second(tmp_path: Path) -> None:
    text = SEEDS["glutes"] + "---\nname: other\n"
    error = refused(tmp_path / "glutes.yaml", text.encode())
    assert "more than one YAML document" in error.message
    assert error.line == len(SEEDS["glutes"].splitlines()) + 1


def test_a_key_given_twice_is_refused_at_the_second(tmp_path: Path) -> None:
    text = SEEDS["glutes"].replace("tool: hands\n", "tool: hands\ntool: mixed\n")
    error = refused(tmp_path / "glutes.yaml", text.encode())
    assert "tool is given twice" in error.message
    assert error.line == text.splitlines().index("tool: mixed") + 1


def test_a_date_that_does_not_exist_names_its_line(tmp_path: Path) -> None:
    text = SEEDS["glutes"].replace("tool: hands", "tool: 2024-02-30")
    error = refused(tmp_path / "glutes.yaml", text.encode())
    assert "not a real date" in error.message
    assert error.line == text.splitlines().index("tool: 2024-02-30") + 1


@pytest.mark.parametrize(("key", "shown"), [
    ('"a\\nb\\u2028c"', "a\\nb\\u2028c: not a field of a routine"), ("k" * 1000, "k" * 200)])
def test_messages_that_quote_the_file_stay_one_short_line(tmp_path: Path, key: str,
                                                          shown: str) -> None:
    error = refused(tmp_path / "glutes.yaml", (SEEDS["glutes"] + f"{key}: 1\n").encode())
    assert shown in error.message and len(error.message) <= MAX_MESSAGE_CHARS


# --- targeted: files that are not plain files -----------------------------------------------

def test_a_folder_named_like_a_routine_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "glutes.yaml"
    folder.mkdir()
    message = refused(folder).message
    assert message.startswith("cannot read it")
    routines, errors = check_routines([tmp_path])  # found by the *.yaml glob, still refused
    assert not routines and [e.message for e in errors] == [message]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "glutes.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert "not a regular file" in refused(fifo).message
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "glutes.yaml").write_text(SEEDS["glutes"], encoding="utf-8")
    os.mkfifo(tmp_path / "more" / "pipe.yaml")
    with deadline():
        routines, errors = check_routines([tmp_path / "more"])
    assert [r.name for r in routines] == ["glutes"] and "not a regular file" in str(errors[0])
    assert time.monotonic() - started < 2


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_an_endless_device_is_refused_not_read(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    # In a child with 1 GiB of memory: a loader that read the device to its end would stop only
    # when memory ran out, and no alarm can interrupt a read that never waits.
    script = ("import sys; from pathlib import Path; from voicecoach.library import load_routine\n"
              "load_routine(Path(sys.argv[1]))")
    result = subprocess.run([sys.executable, "-c", script, str(link)], cwd=REPO,
                            capture_output=True, text=True, timeout=CLI_S,
                            preexec_fn=_cap_memory, check=False)
    assert result.stderr.strip().endswith(f"RoutineError: {link}:1: not a regular file "
                                          "(a pipe, socket or device?)"), result.stderr[-300:]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "glutes.yaml"
    path.write_text(SEEDS["glutes"], encoding="utf-8")
    path.chmod(0)
    assert "cannot read it" in refused(path).message


def test_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    assert "cannot read it" in refused(tmp_path / "glutes.yaml").message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "latin-1", "cp1252"])
def test_a_file_not_in_utf8_names_the_line_of_its_first_foreign_byte(tmp_path: Path,
                                                                    encoding: str) -> None:
    text = SEEDS["glutes"].replace("tool: hands", "tool: hands  # naïve")
    error = refused(tmp_path / "glutes.yaml", text.encode(encoding))
    assert "not UTF-8" in error.message
    if encoding.startswith("utf"):  # the byte order mark is the first foreign byte
        assert error.line == 1
    else:
        assert error.line == text.splitlines().index("tool: hands  # naïve") + 1


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    outcome = load_or_explain(tmp_path / "glutes.yaml", SEEDS["glutes"].encode("utf-8-sig"),
                              "targeted")
    assert isinstance(outcome, Routine)


def test_a_control_character_names_its_line(tmp_path: Path) -> None:
    text = SEEDS["glutes"].replace("tool: hands", "tool: ha\x00nds")
    error = refused(tmp_path / "glutes.yaml", text.encode())
    assert "#x0000" in error.message
    assert error.line == text.splitlines().index("tool: ha\x00nds") + 1


# --- the command line ------------------------------------------------------------------------

def _bad_files(folder: Path) -> list[Path]:
    """One of each kind of bad file, each named as the routine it claims to be."""
    contents: dict[str, bytes] = {
        "broken": b"name: [\n",
        "tagged": f"name: !!python/object/apply:os.system ['touch {folder}/pwned']\n".encode(),
        "deep": b"[" * 10_000,
        "junk": bytes(range(256)) * 8,
        "utf16": SEEDS["glutes"].encode("utf-16"),
        "bomb": BILLION_LAUGHS.encode(),
        "twice": SEEDS["glutes"].encode() + b"---\na: 1\n",
        "wrong": SEEDS["glutes"].replace("hold_seconds: 60", f"hold_seconds: {10**100}").encode(),
    }
    paths = []
    for kind, data in contents.items():
        (folder / kind).mkdir()
        paths.append(folder / kind / "glutes.yaml")
        paths[-1].write_bytes(data)
    (folder / "huge").mkdir()
    paths.append(folder / "huge" / "glutes.yaml")
    with paths[-1].open("wb") as file:
        file.truncate(50 * 1024 * 1024)
    if hasattr(os, "mkfifo"):
        (folder / "fifo").mkdir()
        paths.append(folder / "fifo" / "glutes.yaml")
        os.mkfifo(paths[-1])
    return paths


def run_all(commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Run `python -m voicecoach` with each argument list at once; (code, stdout, stderr)."""
    processes = [subprocess.Popen([sys.executable, "-m", "voicecoach", *args], cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  encoding="utf-8", errors="replace")
                 for args in commands]
    try:
        results = []
        for process, args in zip(processes, commands, strict=True):
            try:
                out, err = process.communicate(timeout=CLI_S)
            except subprocess.TimeoutExpired:
                pytest.fail(f"voicecoach {' '.join(args)} hung")
            results.append((process.returncode, out, err))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


def test_check_reports_each_problem_of_a_bad_file_on_one_line_with_exit_1(
        tmp_path: Path) -> None:
    files = _bad_files(tmp_path)
    for path, (code, out, err) in zip(files, run_all([["check", str(p)] for p in files]),
                                      strict=True):
        assert code == 1, (path, out, err)
        assert re.fullmatch(rf"({re.escape(str(path))}:\d+: [^\n]+\n)+", out), (path, out)
        assert "Traceback" not in out + err, (path, err)
    assert not (tmp_path / "pwned").exists()


def test_list_and_show_refuse_a_bad_routines_file_in_one_line(tmp_path: Path) -> None:
    files = [p for p in _bad_files(tmp_path) if p.parent.name in {"broken", "tagged", "deep",
                                                                   "fifo", "huge"}]
    commands = [*(["list", "--routines", str(p)] for p in files),
                *(["show", "glutes", "--routines", str(p)] for p in files)]
    for args, (code, out, err) in zip(commands, run_all(commands), strict=True):
        path = re.escape(args[-1])
        assert code == 1 and out == "", (args, out, err)
        assert re.fullmatch(rf"voicecoach: {path}:\d+: [^\n]+\n", err), (args, err)


def test_list_and_show_print_routine_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "glutes.yaml"
    path.write_text(SEEDS["glutes"].replace("title: Glutes by hand", 'title: "[/b] [red]x"'),
                    encoding="utf-8")
    results = run_all([["list", "--routines", str(path)],
                       ["show", "glutes", "--routines", str(path)]])
    for code, out, err in results:
        assert code == 0 and "[/b] [red]x" in out and "Traceback" not in err, err

"""The core stays pure: it imports only the standard library and pydantic, and never the
clock, threads, files or the adapters around it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).parent.parent / "voicecoach" / "core"
ALLOWED_THIRD_PARTY = {"pydantic"}
FORBIDDEN_STDLIB = {"time", "threading", "asyncio", "os", "io", "socket", "subprocess",
                    "pathlib", "random", "datetime", "queue", "signal", "shutil", "sqlite3"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_only_stdlib_and_pydantic():
    for path in CORE.glob("*.py"):
        for module in imported_modules(path):
            allowed = module in sys.stdlib_module_names or module in ALLOWED_THIRD_PARTY
            assert allowed, f"{path.name} imports {module}"
            assert module != "voicecoach", f"{path.name} reaches outside the core"


def test_core_never_touches_clock_threads_or_files():
    for path in CORE.glob("*.py"):
        touched = imported_modules(path) & FORBIDDEN_STDLIB
        assert not touched, f"{path.name} imports {touched}"
        assert "open(" not in path.read_text(), f"{path.name} opens files"


# -- which way the package's own imports point -------------------------------------------------

PACKAGE = CORE.parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _outside_type_checking(tree: ast.Module) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:`, which never run (imports inside functions
    do run, so they count)."""
    kept: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        kept.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return kept


def imports_within_package(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports, as dotted names (`from ..x import y` is the
    module `x.y` when there is one, else `x`)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _outside_type_checking(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                found.add(submodule if submodule in modules else origin)
    return {target for target in found if target in modules and target != name}


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    return {name: imports_within_package(name, path, modules) for name, path in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), and any
    module that imports itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_module_of_the_package_imports_itself_back_through_others():
    cycles = import_cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(cycle) for cycle in cycles)


def test_the_cycle_finder_sees_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_nothing_below_the_command_line_imports_it():
    allowed = {"voicecoach.__main__"}
    for name, targets in import_graph().items():
        if name == "voicecoach.cli" or name.startswith("voicecoach.cli.") or name in allowed:
            continue
        reached = {t for t in targets if t == "voicecoach.cli" or t.startswith("voicecoach.cli.")}
        assert not reached, f"{name} imports the command line ({', '.join(sorted(reached))})"


def test_only_the_command_line_parses_arguments():
    for name, path in package_modules().items():
        if name == "voicecoach.cli" or name.startswith("voicecoach.cli."):
            continue
        assert "argparse" not in imported_modules(path), f"{name} imports argparse"


LEARNING = ("voicecoach.adapting", "voicecoach.training")


def reached_from(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    pending = [start]
    while pending:
        for target in graph.get(pending.pop(), ()):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def test_what_listens_never_imports_what_learns() -> None:
    """What runs when the user says "pause" loads nothing that trains models or adapts to the
    user's voice, directly or through another module."""
    graph = import_graph()
    for name in graph:
        if not name.startswith("voicecoach.hearing"):
            continue
        learning = {target for target in reached_from(name, graph)
                    if target.startswith(LEARNING)}
        assert not learning, f"{name} reaches {', '.join(sorted(learning))}"

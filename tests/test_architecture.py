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

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicecoach.core import Routine
from voicecoach.library import Library, load_library

from .coach_driver import CoachDriver


def make_routine(name: str = "glutes", **overrides: object) -> Routine:
    """A small routine whose numbers are easy to reason about in tests."""
    data: dict[str, object] = {
        "name": name,
        "title": f"Test {name}",
        "aliases": [name.replace("-", " "), f"{name.split('-')[0]} test"],
        "areas": ["glutes"],
        "tool": "hands",
        "introduction": "Lie on your side.",
        "safety": ["Never press on bone."],
        "steps": [
            {
                "title": "Kneading",
                "instruction": "Knead the buttock slowly.",
                "hold_seconds": 60,
                "technique": "kneading",
                "pressure": {
                    "start": "light",
                    "ramp": [
                        {"after_seconds": 20, "level": "medium", "say": "A little deeper now."},
                        {"after_seconds": 40, "level": "firm"},
                    ],
                },
                "cues": [{"at_seconds": 30, "say": "Switch to circular motions."}],
                "rest_seconds": 20,
                "both_sides": True,
            },
            {
                "title": "Circles",
                "instruction": "Small circles with your knuckles.",
                "hold_seconds": 30,
                "technique": "circular",
                "rest_seconds": 10,
            },
            {
                "title": "Figure four",
                "instruction": "Cross your ankle over your knee.",
                "hold_seconds": 45,
                "technique": "stretch",
            },
        ],
    }
    data.update(overrides)
    return Routine.model_validate(data)


@pytest.fixture
def routines() -> dict[str, Routine]:
    return {r.name: r for r in (make_routine("glutes"), make_routine("outer-hip"))}


@pytest.fixture
def coach(routines: dict[str, Routine]) -> CoachDriver:
    return CoachDriver(routines)


@pytest.fixture
def started(coach: CoachDriver) -> CoachDriver:
    """A coach that has been told "start glutes" and has just begun the first hold."""
    coach.hear("start glutes")
    assert coach.state.value == "holding"
    return coach


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


@pytest.fixture(scope="session")
def shared_test_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole run: synthesised lines and the converted speech model are
    made once per run (as a fresh machine makes them), and never in the real user's cache."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path_factory: pytest.TempPathFactory, shared_test_cache: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's settings, history, models or cache (platformdirs
    follows the XDG variables on Linux)."""
    home = tmp_path_factory.mktemp("home")
    for variable, folder in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                             ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(variable, str(home / folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_test_cache))
    monkeypatch.delenv("VOICECOACH_CONFIG", raising=False)
    monkeypatch.delenv("VOICECOACH_HISTORY", raising=False)


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


@pytest.fixture
def local_time_is_utc_plus_two() -> Iterator[None]:
    """The machine's zone pinned to UTC+2 (POSIX: "XXX-2"), for what is shown in local time."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "XXX-2"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()

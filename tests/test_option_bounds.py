"""Numbers on the command line: each option takes the bounds of its setting, from the one table
in voicecoach/limits.py, and a wrong number is refused in the words a wrong setting gets."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.cli.bounds import option_type
from voicecoach.limits import SETTING_BOUNDS, SPEECH_RATE, VOLUME, Bound
from voicecoach.settings import SettingsError, save_setting


def voicecoach(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.parametrize(("argv", "says"), [
    (["bench", "--idle-seconds", "-5"],
     "argument --idle-seconds: must be at least 5 seconds (got -5)"),
    (["demo", "--speech-rate", "1000"],
     "argument --speech-rate: must be at most 300 words a minute (got 1000)"),
    (["run", "--speech-rate", "-100"],
     "argument --speech-rate: must be at least 80 words a minute (got -100)"),
    (["demo", "--volume", "7"], "argument --volume: must be at most 1 (got 7)"),
    (["serve", "--volume", "nan"], "argument --volume: must be a finite number (got nan)"),
    (["demo", "--speech-rate", "nan"], "argument --speech-rate: must be a whole number (got nan)"),
    (["rehearse", "glutes", "--words-per-minute", "-5"],
     "argument --words-per-minute: must be at least 80 words a minute (got -5)"),
    (["rehearse", "glutes", "--words-per-minute", "inf"],
     "argument --words-per-minute: must be a finite number (got inf)"),
    (["listen", "--seconds", "-3"], "argument --seconds: must be at least 0.1 seconds (got -3)"),
    (["listen", "--channels", "0"], "argument --channels: must be at least 1 (got 0)"),
    (["enroll", "--repeats", "0"], "argument --repeats: must be at least 1 (got 0)"),
    (["train", "--seed", "-1"], "argument --seed: must be at least 0 (got -1)"),
])
def test_a_number_out_of_bounds_is_refused_before_anything_runs(argv: list[str], says: str):
    result = voicecoach(*argv)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.splitlines()[-1].endswith(says)


def test_an_option_and_its_setting_refuse_a_number_in_the_same_words(tmp_path: Path,
                                                                      monkeypatch):
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "settings.toml"))
    for key, option, value in (("speech_rate", "--speech-rate", "1000"),
                               ("volume", "--volume", "7")):
        with pytest.raises(SettingsError) as setting:
            save_setting(key, value)
        refused = voicecoach("demo", option, value).stderr.splitlines()[-1]
        problem = refused.split(f"argument {option}: ")[-1]
        assert f"{key}: {problem};" in str(setting.value)


def test_the_limits_themselves_are_accepted_by_option_and_setting(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "settings.toml"))
    for key, bound in SETTING_BOUNDS.items():
        for limit in (bound.low, bound.high):
            assert option_type(bound)(f"{limit:g}") == limit
            assert getattr(save_setting(key, f"{limit:g}"), key) == limit


def test_a_rehearsal_at_an_ordinary_speaking_rate_still_runs():
    result = voicecoach("rehearse", "quick-hip", "--words-per-minute", "150")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith("-- finished")
    assert not result.stdout.splitlines()[-1].startswith("-")


def test_a_bound_names_what_is_wrong_and_accepts_what_is_within():
    assert SPEECH_RATE.problem(300) is None and VOLUME.problem(0.2) is None
    assert SPEECH_RATE.problem(301) == "must be at most 300 words a minute (got 301)"
    assert Bound(0.5, 2).problem(math.nan) == "must be a finite number (got nan)"
    assert Bound(0.5, 2).problem(-math.inf, "-inf") == "must be a finite number (got -inf)"

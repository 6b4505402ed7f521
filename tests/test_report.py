"""`voicecoach report`: the page of progress a user or their physiotherapist looks at, built
from four weeks of typed sessions with pain in two areas."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from voicecoach.cli.main import main
from voicecoach.cli.report import add_report_command
from voicecoach.core.errors import VoicecoachError
from voicecoach.core.phrasebook import PAIN_IN_AREA, PERSISTENT_PAIN_ADVICE

from .browser import needs_chromium, print_to_pdf, screenshot
from .progress_history import MONDAY, NOW, Typed, write_history

# Dates and weeks are shown in local time (.astimezone()): the zone is pinned to UTC+2.
pytestmark = pytest.mark.usefixtures("local_time_is_utc_plus_two")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return write_history(tmp_path / "history.sqlite3")


class Page(HTMLParser):
    """What a reader finds on the page: its text, and each table by its caption."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.charts = 0
        self.words: list[str] = []
        self._caption: str | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_caption = False
        self._in_svg = 0
        self.feed(html)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.words).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.charts += self._in_svg == 0
            self._in_svg += 1
        elif tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._in_svg -= 1
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._rows is not None and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None and self._caption is not None:
            self.tables[self._caption] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._in_svg:
            return
        self.words.append(data)
        if self._in_caption and self._caption is not None:
            self._caption += data
        elif self._cell is not None:
            self._cell.append(data)


def report(*argv: str, now=NOW) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="voicecoach")
    add_report_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["report", *argv])
    buffer = io.StringIO()
    code = args.run(args, Console(file=buffer, width=120), now=lambda: now)
    return code, buffer.getvalue()


def page_of(history: Path, tmp_path: Path, *argv: str, now=NOW) -> Page:
    out = tmp_path / "report.html"
    code, said = report("--history", str(history), "--out", str(out), *argv, now=now)
    assert code == 0
    assert said.strip().endswith(f"written to {out}")
    return Page(out.read_text(encoding="utf-8"))


def test_the_report_counts_sessions_and_minutes_per_week_and_minutes_per_area(
        history: Path, tmp_path: Path) -> None:
    page = page_of(history, tmp_path)
    assert "2 Mar 2026 to 28 Mar 2026: 11 sessions, 106 minutes" in page.text
    assert "1 session run on a recording or the demo left out" in page.text
    assert page.tables["Sessions per week"] == [
        ["week starting", "sessions", "minutes"],
        ["2 Mar 2026", "2", "23"],
        ["9 Mar 2026", "3", "28"],
        ["16 Mar 2026", "2", "13"],
        ["23 Mar 2026", "4", "42"],
    ]
    assert page.tables["Minutes by body area"] == [
        ["area", "minutes"], ["glutes", "73"], ["outer hip", "33"]]


def test_the_report_shows_pain_per_area_week_by_week_and_by_pressure(
        history: Path, tmp_path: Path) -> None:
    page = page_of(history, tmp_path)
    # The outer hip hurt most (three reports): its column comes first.
    assert page.tables["Pain reports per week, by area"] == [
        ["week starting", "outer hip", "glutes"],
        ["2 Mar 2026", "0", "1"],
        ["9 Mar 2026", "2", "1"],
        ["16 Mar 2026", "1", "0"],
        ["23 Mar 2026", "0", "0"],
    ]
    assert page.tables["Pain reports by the pressure at the time"] == [
        ["pressure", "reports"], ["medium", "3"], ["firm", "2"]]
    assert "5 pain reports in this period" in page.text


def test_the_report_shows_how_sessions_ended_steps_skipped_and_changes_asked_for(
        history: Path, tmp_path: Path) -> None:
    page = page_of(history, tmp_path)
    assert page.tables["How sessions ended"] == [
        ["ended", "sessions"], ["finished", "9"], ["stopped", "0"], ["stopped after pain", "1"],
        ["cut off", "1"]]
    assert "1 step skipped" in page.text
    assert page.tables["Changes asked for"] == [
        ["change", "times"], ["slower", "2"], ["lighter", "1"], ["more time", "0"],
        ["faster", "0"], ["firmer", "1"]]


def test_the_report_lists_every_session_in_local_time_with_its_charts(
        history: Path, tmp_path: Path) -> None:
    page = page_of(history, tmp_path)
    sessions = page.tables["Every session in the period"]
    assert sessions[0] == ["date", "routine", "length", "steps", "ended", "changes", "pain"]
    assert len(sessions) == 1 + 11
    assert sessions[1] == ["2026-03-02 11:00", "Glutes release", "12.0 min", "4 of 4",
                           "finished", "slower, lighter", "1 (step 2 Kneading, left)"]
    assert sessions[4][4] == "stopped after pain"
    assert sessions[7][4] == "cut off"
    # sessions, minutes by area, pain over time, endings, changes
    assert page.charts == 5


def test_since_keeps_only_the_last_days(history: Path, tmp_path: Path) -> None:
    page = page_of(history, tmp_path, "--since", "7")
    assert "21 Mar 2026 to 28 Mar 2026: 4 sessions, 42 minutes" in page.text
    assert len(page.tables["Every session in the period"]) == 1 + 4
    assert "No pain reported in this period." in page.text


def test_pain_that_keeps_coming_back_brings_the_coachs_own_advice(
        history: Path, tmp_path: Path) -> None:
    # Twelve days in, the outer hip has hurt twice within a day: the coach would say so.
    advice = f"{PAIN_IN_AREA.say(area='outer hip')} {PERSISTENT_PAIN_ADVICE.say()}"
    page = page_of(history, tmp_path, now=MONDAY + timedelta(days=12))
    assert advice in page.text
    # It looks back two weeks, as the coach does, even when the period is shorter.
    page = page_of(history, tmp_path, "--since", "2", now=MONDAY + timedelta(days=12))
    assert "No pain reported in this period." in page.text
    assert advice in page.text


def test_no_advice_when_the_pain_has_not_come_back(history: Path, tmp_path: Path) -> None:
    page = page_of(history, tmp_path)  # the last two weeks: one session with pain
    assert PERSISTENT_PAIN_ADVICE.say() not in page.text


def test_no_history_is_said_in_words_not_with_empty_charts(tmp_path: Path) -> None:
    page = page_of(tmp_path / "none.sqlite3", tmp_path)
    assert "No sessions in this period." in page.text
    assert page.charts == 0
    assert not (tmp_path / "none.sqlite3").exists()  # looking creates no history


def test_a_single_session_is_said_in_words_not_with_a_one_bar_chart(tmp_path: Path) -> None:
    history = write_history(tmp_path / "history.sqlite3",
                            (Typed(0, "glutes", 12, pain=(("glutes", "light"),)),))
    page = page_of(history, tmp_path, now=MONDAY + timedelta(days=10))
    assert "Only 1 session so far" in page.text
    assert page.tables["Sessions per week"][1:] == [["2 Mar 2026", "1", "12"]]
    # Minutes by area, and how it ended; the weekly charts would show one bar or one point.
    assert page.charts == 2 + 1  # pain over two weeks shows its first week and its second
    assert "1 pain report in this period" in page.text


def test_out_dash_writes_the_page_to_standard_output(history: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, said = report("--history", str(history), "--out", "-")
    assert code == 0
    assert said.startswith("<!DOCTYPE html>")
    said.encode("ascii")  # piped through any terminal or ssh session whatever its encoding
    assert Page(said).tables["Sessions per week"][1] == ["2 Mar 2026", "2", "23"]
    assert list(work.iterdir()) == []


def test_the_default_file_is_written_in_the_current_folder(
        history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, said = report("--history", str(history))
    assert code == 0
    assert said.strip() == "Report of 11 sessions written to voicecoach-report.html"
    assert (work / "voicecoach-report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")


def test_a_missing_folder_is_one_line_naming_the_fix(history: Path, tmp_path: Path) -> None:
    with pytest.raises(VoicecoachError, match="does not exist; create it or choose another"):
        report("--history", str(history), "--out", str(tmp_path / "nowhere" / "report.html"))
    assert not (tmp_path / "nowhere").exists()


def test_a_history_that_is_not_a_database_is_one_line_and_is_left_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.sqlite3"
    history.write_text("my shopping list\n")
    out = tmp_path / "report.html"
    assert main(["report", "--history", str(history), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "not a voicecoach history database" in error and "Fix: move it aside" in error
    assert history.read_text() == "my shopping list\n"
    assert not out.exists()


def test_nothing_that_listens_loads_matplotlib() -> None:
    """Only drawing a report loads the plotting library: not the command line, not a session."""
    code = ("import sys, voicecoach.cli.main, voicecoach.session.launch; "
            "print('matplotlib' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "False"


@needs_chromium
def test_a_real_browser_draws_the_report_with_its_charts(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report("--history", str(history), "--out", str(out))
    image = Image.open(screenshot(out, tmp_path / "report.png")).convert("RGB")
    assert image.size == (1240, 1754)
    pixels = np.asarray(image).reshape(-1, 3)
    chart_blue = np.all(pixels == (0x00, 0x72, 0xB2), axis=1).sum()
    not_white = np.any(pixels != 255, axis=1).sum()
    assert chart_blue > 5000, "the first screen shows no bars"
    assert not_white > 0.03 * len(pixels)
    assert len(np.unique(pixels, axis=0)) > 50  # text, lines and bars, not one flat colour


@needs_chromium
def test_the_report_prints_on_a_few_a4_pages(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report("--history", str(history), "--out", str(out))
    pdf = print_to_pdf(out, tmp_path / "report.pdf").read_bytes()
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes, "no pages"
    # A4 is 210 x 297 mm: 595 x 842 points.
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {(595, 842)}
    assert 1 <= len(re.findall(rb"/Type\s*/Page\b", pdf)) <= 3


def test_the_page_needs_nothing_from_outside_itself(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report("--history", str(history), "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html)
    assert not re.search(r"<(script|link|img|iframe)\b|@import|url\((?!#)", html)
    assert "@page { size: A4" in html

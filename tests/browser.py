"""A real browser, headless: Debian's chromium draws a page to a PNG, as a person would see it
on an A4-shaped window (scripts/system-packages.sh installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

A4_WINDOW = (1240, 1754)  # A4 at 150 dots per inch
TIMEOUT_S = 120.0


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


needs_chromium = pytest.mark.skipif(
    chromium() is None and os.environ.get("CI") != "true",
    reason="chromium is not installed (make test installs it)",
)


def screenshot(page: Path, png: Path, window: tuple[int, int] = A4_WINDOW) -> Path:
    """`page` drawn by headless chromium into `png`, with no network and a throwaway profile."""
    _chromium(page, f"--screenshot={png}", f"--window-size={window[0]},{window[1]}")
    return png


def print_to_pdf(page: Path, pdf: Path) -> Path:
    """`page` printed by headless chromium, as "Save as PDF" does, with no header or footer."""
    _chromium(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    return pdf


def _chromium(page: Path, *options: str) -> None:
    program = chromium()
    if program is None:
        raise FileNotFoundError("chromium is not installed: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="voicecoach-chromium-") as profile:
        subprocess.run(
            [program, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-dev-shm-usage",  # containers often give /dev/shm only 64 MB
             f"--user-data-dir={profile}", "--no-first-run", "--disable-extensions",
             # Nothing on the page may come from the network: any request would fail here.
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
             *options, page.resolve().as_uri()],
            check=True, capture_output=True, timeout=TIMEOUT_S,
            env={**os.environ, "HOME": profile},
        )

"""Makes docs/report.png, the README's picture of `voicecoach report`: the page drawn by headless
chromium from the tests' four weeks of typed sessions (tests/progress_history.py).

    .venv/bin/python scripts/report_picture.py [--out docs/report.png] [--html FILE]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402 (after the path that finds tests/)

from tests.browser import screenshot  # noqa: E402
from tests.progress_history import NOW, write_history  # noqa: E402
from voicecoach.cli.report import add_report_command  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--html", type=Path, help="keep the page here too")
    options = parser.parse_args()
    os.environ["TZ"] = "UTC"  # the same picture on every machine
    time.tzset()
    with tempfile.TemporaryDirectory() as folder:
        page = options.html or Path(folder) / "report.html"
        history = write_history(Path(folder) / "history.sqlite3")
        commands = argparse.ArgumentParser(prog="voicecoach")
        add_report_command(commands.add_subparsers(dest="command", required=True))
        args = commands.parse_args(["report", "--history", str(history), "--out", str(page)])
        args.run(args, Console(file=io.StringIO()), now=lambda: NOW)
        screenshot(page, options.out)
    print(f"{options.out} written")


if __name__ == "__main__":
    main()

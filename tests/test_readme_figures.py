"""The README's hearing figures are the benchmark's: every percentage in "What it reaches,
measured" is one that `benchmarks/latest.json` holds (or a goal), and the headline ones are
there."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"85%", "3%", "90%", "75%", "95%"}  # the hearing issues' targets, not measurements


def percent(share: float) -> str:
    """As the README writes a share: whole percents from 10%, one decimal below."""
    value = share * 100
    return f"{value:.0f}%" if value >= 10 else f"{value:.1f}%"


def measured_paragraph() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("**What it reaches, measured**")
    return " ".join(text[start:text.index("```", start)].split())


def benchmark() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "benchmarks" / "latest.json").read_text())
    return data


# No profile, the enrollment of before (commands alone), today's (commands and sentences).
ENROLLED = ("without_profile", "commands", "commands_and_sentences")


def headline_figures() -> dict[str, str]:
    data = benchmark()
    sphinx = data["backends"]["pocketsphinx"]
    verified, today = sphinx["verified"], sphinx["today"]
    enrolled = data["enrollment"]["pocketsphinx"]
    return {
        "recorded commands understood": percent(verified["real_speech_accuracy"]),
        "other words acted on": percent(verified["real_other_false_accept"]),
        "recogniser alone by state, commands": percent(today["in_state"]["real_speech_accuracy"]),
        "recogniser alone by state, other words": percent(
            today["in_state"]["real_other_false_accept"]),
        "recogniser alone, commands": percent(today["real_speech_accuracy"]),
        "recogniser alone, other words": percent(today["real_other_false_accept"]),
        "ordinary sentences acted on": percent(verified["sentence_false_accept"]),
        "ordinary sentences, recogniser alone": percent(today["sentence_false_accept"]),
        **{f"enrolled, {kind}": percent(enrolled[kind]["understood"]) for kind in ENROLLED},
        **{f"enrolled other words, {kind}": percent(enrolled[kind]["other_false_accept"])
           for kind in ENROLLED},
    }


def spoken_figures() -> dict[str, str]:
    """The spoken sessions' run (`bench --sessions-only`), kept beside latest.json."""
    data = json.loads((ROOT / "benchmarks" / "spoken-sessions.json").read_text())
    rooms = data["spoken_sessions"]["backends"]["pocketsphinx"]["rooms"]
    return {f"spoken sessions obeyed, {room}": percent(figures["obeyed_share"])
            for room, figures in rooms.items()}


def test_the_readme_quotes_the_spoken_sessions_figures() -> None:
    quoted = re.findall(r"\d+(?:\.\d+)?%", measured_paragraph())
    for name, figure in spoken_figures().items():
        assert figure in quoted, f"{name}: the benchmark measured {figure}"


def test_the_readme_quotes_the_benchmarks_headline_figures() -> None:
    paragraph = measured_paragraph()
    quoted = re.findall(r"\d+(?:\.\d+)?%", paragraph)
    for name, figure in headline_figures().items():
        assert figure in quoted, f"{name}: the benchmark measured {figure}"


def test_every_percentage_in_the_readme_is_measured_or_a_goal() -> None:
    known = set(headline_figures().values()) | set(spoken_figures().values()) | GOALS
    for figure in re.findall(r"\d+(?:\.\d+)?%", measured_paragraph()):
        assert figure in known, f"the README says {figure}: benchmarks/latest.json does not"


def test_the_readme_says_how_the_ordinary_sentences_were_measured() -> None:
    plan = benchmark()["plan"]
    paragraph = measured_paragraph()
    assert f"{plan['ordinary_sentences']} ordinary sentences" in paragraph
    states = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}[len(plan["sentence_states"])]
    assert f"heard in {states} states" in paragraph
    assert "voicecoach bench --speech" in paragraph and "bench --quick" in paragraph
    assert "rejected, not snapped" not in paragraph
    median = benchmark()["backends"]["pocketsphinx"]["verified"]["latency_median_s"]
    assert f"median {median:.1f} s" in paragraph

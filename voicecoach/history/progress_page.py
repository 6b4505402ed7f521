"""The page of `voicecoach report`: one HTML file with its charts and styles inside, that opens
offline in any browser and prints on A4.

Every chart is followed by a small table of its numbers: a reader who cannot see the chart (or
prints in black and white) reads them there. A chart with nothing to show is not drawn; a
sentence says so instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from html import escape

from ..core.wording import counted
from . import charts
from .progress import Progress, ending
from .records import SessionRecord
from .report import changes_summary, length, pain_summary, steps_summary

TITLE = "Massage progress"
# Fewer sessions than this, and weekly charts would be a bar or two: the words say it better.
SESSIONS_FOR_A_TREND = 3

STYLE = """
@page { size: A4; margin: 14mm 14mm 16mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111;
       max-width: 190mm; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 18pt; margin: 0 0 .2em; }
h2 { font-size: 13pt; margin: 1.4em 0 .3em; border-bottom: 1px solid #ccc; }
.period { color: #333; margin: 0 0 1em; }
.advice { border: 2px solid #D55E00; padding: .6em .8em; margin: 1em 0; }
figure { margin: .4em 0; }
figure svg { width: 100%; height: auto; display: block; }
.pair { display: flex; gap: 1em; align-items: flex-start; }
.pair figure { flex: 0 0 64%; }
.pair .numbers { flex: 1 1 auto; }
td:first-child { white-space: nowrap; }
table { border-collapse: collapse; margin: .3em 0 .6em; font-size: 9.5pt; }
th, td { border: 1px solid #bbb; padding: .15em .5em; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; }
caption { text-align: left; font-size: 9.5pt; color: #333; padding-bottom: .2em; }
.note { font-size: 9.5pt; color: #333; }
footer { margin-top: 2em; font-size: 9pt; color: #555; }
@media print {
  body { margin: 0; padding: 0; max-width: none; }
  section, figure, table { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""


def day(moment: date) -> str:
    """ "3 Mar 2026": no reader mistakes it for March the 3rd or the 3rd of March."""
    return f"{moment.day} {moment:%b %Y}"


def report_page(progress: Progress, made_at: datetime, zone: tzinfo | None = None) -> str:
    """The whole page for `progress`; `made_at` is when it was made (shown at the foot)."""
    parts = [_heading(progress)]
    if not progress.sessions:
        parts.append("<p>No sessions in this period. Once you have done a few, this page "
                     "shows how often, how long, and how any pain has changed.</p>")
    else:
        parts += [_advice(progress), _sessions(progress), _areas(progress), _pain(progress),
                  _endings(progress), _changes(progress), _table(progress.sessions, zone)]
    made = made_at.astimezone(zone)
    parts.append(f"<footer>Made by voicecoach on {day(made.date())} at {made:%H:%M}. Times are "
                 f"local (UTC{made:%z}).</footer>")
    body = "\n".join(part for part in parts if part)
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{TITLE}, {day(progress.first_day)} to {day(progress.last_day)}</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
    # ASCII with character references: the same page whatever encoding a terminal, an ssh
    # session or a pipe (`--out -`) passes it through.
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _heading(progress: Progress) -> str:
    covered = f"{day(progress.first_day)} to {day(progress.last_day)}"
    minutes = round(progress.minutes)
    done = (f": {counted(len(progress.sessions), 'session')}, {counted(minutes, 'minute')}"
            if progress.sessions else "")
    aside = (f" ({counted(progress.left_out, 'session')} run on a recording or the demo "
             "left out)" if progress.left_out else "")
    return (f"<h1>{TITLE}</h1>\n<p class=\"period\">{covered}{done}{aside}.</p>")


def _advice(progress: Progress) -> str:
    if progress.advice is None:
        return ""
    return (f'<p class="advice"><strong>What the coach says:</strong> '
            f"{escape(progress.advice)}</p>")


def _weeks(progress: Progress) -> list[str]:
    return [f"{monday.day} {monday:%b}" for monday in progress.weeks]


def _few(progress: Progress) -> str:
    return (f"<p>Only {counted(len(progress.sessions), 'session')} so far: a trend shows after "
            "a few weeks of sessions.</p>")


def _sessions(progress: Progress) -> str:
    weeks = _weeks(progress)
    rows = [[f"{day(monday)}", str(count), f"{minutes:.0f}"] for monday, count, minutes
            in zip(progress.weeks, progress.sessions_per_week, progress.minutes_per_week,
                   strict=True) if count]
    table = _numbers("Sessions per week", ["week starting", "sessions", "minutes"], rows)
    if len(rows) < len(weeks):
        table += '<p class="note">Weeks not listed had no sessions.</p>'
    if len(progress.sessions) < SESSIONS_FOR_A_TREND or len(weeks) < 2:
        return _section("Sessions per week", _few(progress) + table)
    chart = charts.week_bars("sessions", weeks, progress.sessions_per_week, "sessions")
    return _section("Sessions per week", _beside(_figure(chart, "Sessions per week"), table))


def _areas(progress: Progress) -> str:
    rows = [[area, f"{minutes:.0f}"] for area, minutes in progress.minutes_by_area]
    table = _numbers("Minutes by body area", ["area", "minutes"], rows)
    chart = charts.named_bars("areas", progress.minutes_by_area, "minutes",
                              counts=False)
    note = ('<p class="note">A session\'s minutes are shared equally among the areas its '
            "routine works.</p>")
    return _section("Minutes by body area",
                    _beside(_figure(chart, "Minutes by body area"), table + note))


def _pain(progress: Progress) -> str:
    if not progress.pain_reports:
        return _section("Pain reports", "<p>No pain reported in this period.</p>")
    weeks = _weeks(progress)
    header = ["week starting", *(area for area, _ in progress.pain_by_area)]
    # Weeks with no session had no pain to report: only weeks with sessions are listed.
    rows = [[day(monday), *(str(counts[n]) for _, counts in progress.pain_by_area)]
            for n, monday in enumerate(progress.weeks) if progress.sessions_per_week[n]]
    table = _numbers("Pain reports per week, by area", header, rows)
    pressure = _numbers("Pain reports by the pressure at the time", ["pressure", "reports"],
                        [[level, str(count)] for level, count in progress.pain_by_pressure])
    total = f"<p>{counted(progress.pain_reports, 'pain report')} in this period.</p>"
    if len(weeks) < 2:
        return _section("Pain reports", total + table + pressure)
    chart = charts.weekly_lines("pain", weeks, progress.pain_by_area, "pain reports")
    return _section("Pain reports", total + _beside(
        _figure(chart, "Pain reports per week, by area"), table + pressure))


def _endings(progress: Progress) -> str:
    rows = [[name, str(count)] for name, count in progress.endings]
    table = _numbers("How sessions ended", ["ended", "sessions"], rows)
    chart = charts.named_bars("endings", progress.endings, "sessions")
    skipped = (f"<p>{counted(progress.steps_skipped, 'step')} skipped (moved on from with "
               "“next” before the hold was done).</p>" if progress.steps_skipped
               else "<p>No steps skipped.</p>")
    return _section("How sessions ended",
                    _beside(_figure(chart, "How sessions ended"), table) + skipped)


def _changes(progress: Progress) -> str:
    asked = [(change, count) for change, count in progress.changes if count]
    if not asked:
        return _section("Changes asked for", "<p>No pace or pressure changes asked for.</p>")
    rows = [[change, str(count)] for change, count in progress.changes]
    table = _numbers("Changes asked for", ["change", "times"], rows)
    chart = charts.named_bars("changes", progress.changes, "times asked")
    hint = ('<p class="note">Asking often for slower, lighter or more time can mean a routine '
            "is too hard; for faster or firmer, too easy.</p>")
    return _section("Changes asked for",
                    _beside(_figure(chart, "Changes asked for"), table) + hint)


def _table(records: Sequence[SessionRecord], zone: tzinfo | None) -> str:
    rows = [[f"{record.started_at.astimezone(zone):%Y-%m-%d %H:%M}", record.routine_title,
             length(record.duration_seconds), steps_summary(record), ending(record),
             changes_summary(record), pain_summary(record)] for record in records]
    header = ["date", "routine", "length", "steps", "ended", "changes", "pain"]
    return _section("Sessions", _numbers("Every session in the period", header, rows))


def _section(title: str, inside: str) -> str:
    return f"<section>\n<h2>{escape(title)}</h2>\n{inside}\n</section>"


def _figure(svg: str, label: str) -> str:
    return f'<figure role="img" aria-label="{escape(label)}">\n{svg}\n</figure>\n'


def _beside(figure: str, numbers: str) -> str:
    """A chart with its numbers at its right: the page shows more at a glance, and prints
    shorter."""
    return f'<div class="pair">\n{figure}<div class="numbers">\n{numbers}</div>\n</div>\n'


def _numbers(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def numeric(text: str) -> bool:
        return text.replace(".", "", 1).isdigit()

    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "\n".join(
        "<tr>" + "".join(f'<td class="n">{escape(cell)}</td>' if numeric(cell)
                         else f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
        for row in rows)
    return (f"<table>\n<caption>{escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n{body}\n</tbody>\n</table>\n")

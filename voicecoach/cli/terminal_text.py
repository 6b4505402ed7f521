"""Printing to a terminal that cannot show every character (`PYTHONIOENCODING=ascii`, a latin-1
locale, a serial console on a Raspberry Pi): the dashes, quotes and arrows of voicecoach's tables
and lines become their ASCII look-alikes, anything else a "?", instead of a UnicodeEncodeError
halfway through a table.
"""

from __future__ import annotations

import codecs
import io
import sys

ERRORS = "voicecoach-plain"  # the codec error handler's name, as `errors=` takes it

_LOOK_ALIKES = {
    "\u2014": "-", "\u2013": "-", "\u2212": "-",  # em and en dashes, minus
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2192": "->", "\u2190": "<-", "\u2026": "...", "\u2022": "*", "\u00b7": "-",
    "\u2265": ">=", "\u2264": "<=", "\u00d7": "x", "\u00a0": " ",
}


def _plain(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    unshown = error.object[error.start:error.end]
    return "".join(_LOOK_ALIKES.get(character, "?") for character in unshown), error.end


codecs.register_error(ERRORS, _plain)


def _is_unicode(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name.startswith("utf")
    except LookupError:
        return False


def fit_output_to_terminal() -> None:
    """Make stdout and stderr print what their encoding can take, if it is not Unicode.

    A handler the user chose (`PYTHONIOENCODING=ascii:replace`) is left alone; only Python's
    defaults are replaced: stdout's, which raises, and stderr's, which prints `\u2014`.
    """
    for stream, default in ((sys.stdout, "strict"), (sys.stderr, "backslashreplace")):
        if (isinstance(stream, io.TextIOWrapper) and stream.errors == default
                and not _is_unicode(stream.encoding)):
            stream.reconfigure(errors=ERRORS)
